"""The harness end to end (`eval.harness`): the real pipeline, the LLM stand-in over loopback
HTTP, tiny COMET checkpoints, and the report's structure and sacrebleu figures."""

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from eval.harness import EvalSpec, run_eval
from eval.standin import StandIn
from eval.testset import load_evalset
from service.prompts import source_of
from service.settings import Settings
from tests.eval.conftest import UNITS

REFERENCE_OF = dict(UNITS)
PROTOCOL = ["zero-shot", "fuzzy-1", "fuzzy-2", "fuzzy-2+terms", "fuzzy-2+terms+ape"]


def settings_for(tmp_path: Path, llm_url: str) -> Settings:
    fields: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "llm_url": llm_url,
        "llm_max_retries": 0,
        "llm_timeout_s": 5,
        "qe_device": "cpu",
    }
    return Settings(_env_file=None, **fields)  # type: ignore[call-arg]


def reply_references(standin: StandIn) -> None:
    """The stand-in answers every segment with its reference: known scores everywhere."""
    for source, reference in UNITS:
        standin.add_reply(re.compile(re.escape(source) + "$"), reference)


def scores_of(configuration: dict[str, Any]) -> dict[str, float]:
    return {score["metric"]: score["value"] for score in configuration["scores"]}


@pytest.fixture
def spec(tmp_path: Path, tmx: Path, glossary: Path, comet_dir: Path, kiwi_dir: Path) -> EvalSpec:
    """TICO-19's protocol in small: the TMX is test set and TM (leave-one-out), + glossary."""
    return EvalSpec(
        load_evalset("en", "fr", test=tmx),
        tmp_path / "report",
        self_tm=True,
        glossary=glossary,
        ks=(1, 2),
        comet=comet_dir,
        cometkiwi=kiwi_dir,
    )


async def test_protocol_report(spec: EvalSpec, standin: StandIn, tmp_path: Path) -> None:
    reply_references(standin)

    report, written = await run_eval(spec, settings_for(tmp_path, standin.base_url))

    out = spec.out_dir
    assert {p.name for p in written} == {"report.json", "report.md", "report.png"}
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in data["configurations"]] == PROTOCOL
    reference_tsr = {s["metric"]: s["value"] for s in data["data"]}["TSR-lemma (references)"]
    comets = set()
    for configuration in data["configurations"]:
        scores = scores_of(configuration)
        assert scores["BLEU"] == pytest.approx(100.0)
        assert scores["chrF2++"] == pytest.approx(100.0)
        assert scores["TER"] == pytest.approx(0.0)
        assert scores["TSR-lemma"] == pytest.approx(reference_tsr)
        assert scores["failed"] == 0
        comets.add((scores["COMET"], scores["CometKiwi"]))
        for score in configuration["scores"]:
            assert score["signature"].endswith(f"{configuration['signature']}")
    assert len(comets) == 1  # the same translations score the same in every configuration
    bleu = data["configurations"][1]["scores"][0]
    assert re.fullmatch(
        r"BLEU\|nrefs:1\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:2\.\d+\.\d+"
        r"\|config:fuzzy-1\|k:1\|terms:no\|ape:no\|llm:standin-model",
        bleu["signature"],
    )
    assert "COMET|model:tiny-comet-da|class:regression_metric|" in (out / "report.md").read_text()
    segments = [json.loads(line) for line in (out / "segments/fuzzy-2.jsonl").open()]
    assert [s["hypothesis"] for s in segments] == [reference for _, reference in UNITS]
    assert report.llm_model == "standin-model"


async def test_leave_one_out_in_the_prompts(
    spec: EvalSpec, standin: StandIn, tmp_path: Path
) -> None:
    reply_references(standin)

    await run_eval(
        replace(spec, comet=None, cometkiwi=None), settings_for(tmp_path, standin.base_url)
    )

    examples_seen = 0
    for request in standin.requests:
        source = source_of(request.messages)
        shown = [m["content"] for m in request.messages if m["role"] == "assistant"]
        assert REFERENCE_OF[source or ""] not in shown
        examples_seen += len(shown)
    assert examples_seen > 0
    fuzzy = json.loads((spec.out_dir / "report.json").read_text())["configurations"][2]
    assert scores_of(fuzzy)["TM≥50"] > 0 and scores_of(fuzzy)["TM reuse"] == 0


async def test_rerun_translates_nothing_even_with_the_server_gone(
    spec: EvalSpec, standin: StandIn, tmp_path: Path
) -> None:
    reply_references(standin)
    spec = replace(spec, comet=None)
    await run_eval(spec, settings_for(tmp_path, standin.base_url))
    first = json.loads((spec.out_dir / "report.json").read_text())
    requests = len(standin.requests)

    await run_eval(spec, settings_for(tmp_path, "http://127.0.0.1:9/v1"))  # nothing listens

    again = json.loads((spec.out_dir / "report.json").read_text())
    assert len(standin.requests) == requests
    for before, after in zip(first["configurations"], again["configurations"], strict=True):
        assert after["llm_requests"] == 0
        assert after["cache_hits"] == before["llm_requests"] + before["cache_hits"]
        assert scores_of(after) == scores_of(before)  # latency replayed from the cache too


async def test_interrupted_run_resumes(spec: EvalSpec, standin: StandIn, tmp_path: Path) -> None:
    spec = replace(spec, comet=None, cometkiwi=None, ape=False)
    settings = settings_for(tmp_path, standin.base_url)
    await run_eval(replace(spec, limit=3), settings)  # stopped after three segments
    paid = {json.dumps(r.messages) for r in standin.requests}
    done = len(standin.requests)

    await run_eval(spec, settings)

    resumed = standin.requests[done:]
    data = json.loads((spec.out_dir / "report.json").read_text())
    assert len(resumed) == sum(c["llm_requests"] for c in data["configurations"])
    assert not paid & {json.dumps(r.messages) for r in resumed}  # nothing paid twice
    assert {source_of(r.messages) for r in resumed} == {source for source, _ in UNITS[3:]}


async def test_wmt_terms_protocol(tmp_path: Path, standin: StandIn) -> None:
    (tmp_path / "set.de").write_text("Die Versorgung ist gut.\nDas Ergebnis ist gut.\n", "utf-8")
    (tmp_path / "set.en").write_text("The treatment is good.\nThe outcome is good.\n", "utf-8")
    (tmp_path / "set.terms").write_text(
        '[{"en": "treatment", "de": "Versorgung"}]\n[{"en": "outcome", "de": "Ergebnis"}]\n',
        "utf-8",
    )
    evalset = load_evalset(
        "de", "en", source=tmp_path / "set.de", reference=tmp_path / "set.en",
        terms=tmp_path / "set.terms",
    )  # fmt: skip
    spec = EvalSpec(evalset, tmp_path / "out", terms_file=tmp_path / "set.terms")

    await run_eval(spec, settings_for(tmp_path, standin.base_url))

    data = json.loads((spec.out_dir / "report.json").read_text())
    assert [c["name"] for c in data["configurations"]] == [
        "zero-shot", "zero-shot+terms", "zero-shot+terms+ape",
    ]  # fmt: skip
    prompts = {
        source_of(r.messages): r.messages[-1]["content"]
        for r in standin.requests
        if "Required terminology" in r.messages[-1]["content"]
    }
    assert '"Versorgung" as "treatment"' in prompts["Die Versorgung ist gut."]
    assert '"Ergebnis"' not in prompts["Die Versorgung ist gut."]  # each segment its own terms
    plain, terms, ape = (scores_of(c) for c in data["configurations"])
    assert plain["TSR-exact"] == terms["TSR-exact"] == 0.0  # "[standin] Die Versorgung ..."
    assert ape["APE calls"] == 1.0 and plain["APE calls"] == 0.0
    assert "per segment, WMT 2023 format: set.terms" in (spec.out_dir / "report.md").read_text()


async def test_data_only_needs_no_llm(spec: EvalSpec, tmp_path: Path) -> None:
    report, written = await run_eval(
        replace(spec, data_only=True), settings_for(tmp_path, "http://127.0.0.1:9/v1")
    )

    assert [p.name for p in written] == ["report.json", "report.md"]
    assert report.configs == []
    figures = {score.metric: score.value for score in report.data}
    assert set(figures) == {
        "TM≥50", "TM≥75", "TM≥95", "TSR-exact (references)", "all-terms-exact (references)",
        "TSR-lemma (references)", "all-terms-lemma (references)",
    }  # fmt: skip
    assert figures["TM≥50"] == 7 / 8  # all but "Call a doctor if the fever lasts."
    assert figures["TSR-lemma (references)"] == 1.0
