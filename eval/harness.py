"""`adaptmt eval run`: translate a test set under each configuration, score it, report.

Short named steps:

1. **Workspace**: a fresh SQLite store in a temporary directory with the TM and the terms
   (`eval.workspace`); lookups leave the segment itself out when the TM is the test set
   (`eval.loo`).
2. **The test set's own figures**, no LLM: the TM leverage of its segments (best match per
   segment) and the term success of the references (what a perfect translation scores).
3. **Translate** every segment under every configuration (`eval.configs`) through the
   service's pipeline, the LLM's answers cached by prompt (`eval.runner`, `eval.cache`).
4. **Score**: sacrebleu, COMET and CometKiwi when checkpoints are given, term success,
   pipeline figures (`eval.lexical`, `eval.neural`, `eval.termsuccess`, `eval.usage`).
5. **Write** report.md, report.json, report.png and each configuration's segments.
"""

import asyncio
import dataclasses
import json
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tqdm import tqdm

from eval.cache import CACHE_FILE, Cache, CachedLLM
from eval.configs import DEFAULT_KS, protocol
from eval.lexical import lexical_scores
from eval.loo import leave_one_out
from eval.neural import comet_score
from eval.plot import plot_report
from eval.report import ConfigResult, Report, write_report
from eval.runner import ConfigRun, Runner
from eval.scores import Score
from eval.termsuccess import term_success
from eval.testset import EvalSet, glossary_terms, read_glossary_entries
from eval.usage import leverage, pipeline_figures
from eval.workspace import Workspace, build_workspace
from service.comet import CometScorer
from service.llm import LLMClient, LLMError
from service.pipeline import Translator
from service.settings import Settings
from tm.formats import read_memory
from tm.models import GlossaryEntry, TranslationUnit
from tm.store import Store, open_store

SEGMENTS_DIR = "segments"
"""Per configuration: `NAME.jsonl` (every record) and `NAME.txt` (one hypothesis per line)."""


@dataclass(frozen=True, slots=True)
class EvalSpec:
    """What to evaluate and where to write the report."""

    evalset: EvalSet
    out_dir: Path
    limit: int | None = None  # translate the first N segments (the TM stays whole)
    tm: Path | None = None  # a memory file as the fuzzy-match pool
    self_tm: bool = False  # the whole test set is its own TM, leave-one-out
    glossary: Path | None = None  # TBX/CSV/TSV; else the test set's own terms, if any
    terms_file: Path | None = None  # where the test set's terms came from (for the report)
    ks: tuple[int, ...] = DEFAULT_KS
    ape: bool = True
    comet: Path | None = None  # reference-based COMET checkpoint directory
    cometkiwi: Path | None = None  # reference-free checkpoint directory
    data_only: bool = False  # only the test set's own figures, no LLM


async def run_eval(spec: EvalSpec, settings: Settings) -> tuple[Report, list[Path]]:
    """Run the whole evaluation; the report and the files written."""
    evalset, entries = _with_terms(spec)
    scorers = _scorers(spec, settings)  # fails fast on a bad checkpoint, before translating
    cache = Cache(spec.out_dir / CACHE_FILE)
    try:
        report, runs = await _measure_and_translate(spec, evalset, entries, settings, cache)
        for run in tqdm(runs, desc="scoring", unit="config", file=sys.stderr, disable=None):
            scores = await asyncio.to_thread(_score, run, evalset, scorers, cache)
            report.configs.append(
                ConfigResult(run.config, scores, run.wall_s, run.llm_requests, run.cache_hits)
            )
    finally:
        cache.close()
    written = write_report(report, spec.out_dir)
    if (plot := plot_report(report, spec.out_dir)) is not None:
        written.append(plot)
    return report, written


def _with_terms(spec: EvalSpec) -> tuple[EvalSet, list[GlossaryEntry] | None]:
    """The segments to translate, with the glossary's terms when there is a glossary."""
    evalset = spec.evalset.head(spec.limit)
    if spec.glossary is None:
        return evalset, None
    entries = read_glossary_entries(spec.glossary, evalset.source_lang, evalset.target_lang)
    terms = glossary_terms(entries, evalset.sources, evalset.source_lang, evalset.target_lang)
    return evalset.with_terms(terms), entries


async def _measure_and_translate(
    spec: EvalSpec,
    evalset: EvalSet,
    entries: list[GlossaryEntry] | None,
    settings: Settings,
    cache: Cache,
) -> tuple[Report, list[ConfigRun]]:
    """Steps 1 to 3 in a throw-away store: the report's data figures and every run."""
    with tempfile.TemporaryDirectory(prefix="adaptmt-eval-") as tmp:
        async with open_store(Path(tmp) / "eval.sqlite3") as store:
            workspace = await build_workspace(store, evalset, tm=_tm_units(spec), glossary=entries)
            lookups = leave_one_out(store) if spec.self_tm else store
            report = Report(
                f"adaptmt eval: {evalset.name}, {evalset.source_lang} → {evalset.target_lang}",
                _about(spec, evalset, entries),
                await _data_figures(lookups, evalset, workspace, settings, spec.self_tm),
            )
            if spec.data_only:
                return report, []
            runs, report.llm_model = await _translate(
                lookups, evalset, workspace, spec, settings, cache
            )
            report.about["LLM"] = f"{report.llm_model} at {settings.llm_url}"
            return report, runs


def _tm_units(spec: EvalSpec) -> Iterable[TranslationUnit] | None:
    """The fuzzy-match pool: a memory file, or the whole test set (not only `limit`)."""
    pool = spec.evalset
    if spec.self_tm:
        return (
            TranslationUnit(source, reference, pool.source_lang, pool.target_lang)
            for source, reference in zip(pool.sources, pool.references, strict=True)
        )
    if spec.tm is not None:
        return read_memory(spec.tm, source_lang=pool.source_lang, target_lang=pool.target_lang)
    return None


def _scorers(spec: EvalSpec, settings: Settings) -> list[CometScorer]:
    paths = [p for p in (spec.comet, spec.cometkiwi) if p is not None]
    return [
        CometScorer(path, device=settings.qe_device, batch_size=settings.qe_batch_size)
        for path in paths
    ]


async def _data_figures(
    store: Store, evalset: EvalSet, workspace: Workspace, settings: Settings, self_tm: bool
) -> list[Score]:
    """TM leverage of the test set and term success of its references: no LLM involved."""
    figures: list[Score] = []
    if workspace.memories:
        best: list[int | None] = []
        for source in evalset.sources:
            found = await store.match(
                workspace.memories,
                source,
                evalset.source_lang,
                evalset.target_lang,
                k=1,
                min_score=settings.min_match_score,
            )
            best.append(found[0].score if found else None)
        loo = "yes" if self_tm else "no"
        figures += leverage(best, f"leverage|score:adaptmt-fuzzy|best-of:tm|leave-one-out:{loo}")
    if evalset.terms is not None:
        for score in term_success(evalset.references, evalset.terms, evalset.target_lang):
            figures.append(dataclasses.replace(score, metric=f"{score.metric} (references)"))
    return figures


async def _resolve_model(settings: Settings, cache: Cache) -> str:
    """The configured model, else the server's first, else (server down) the cache's last."""
    config = settings.llm_config()
    if config.model:
        return config.model
    try:
        async with LLMClient(
            dataclasses.replace(config, max_retries=0, max_concurrency=1)
        ) as probe:
            return await probe.model()
    except LLMError:
        if (known := cache.last_model()) is not None:
            return known
        raise


async def _translate(
    store: Store,
    evalset: EvalSet,
    workspace: Workspace,
    spec: EvalSpec,
    settings: Settings,
    cache: Cache,
) -> tuple[list[ConfigRun], str]:
    """Every configuration's records, and the LLM model that produced them."""
    model = await _resolve_model(settings, cache)
    configs = protocol(
        spec.ks,
        tm=bool(workspace.memories),
        terms=workspace.glossaries is not None,
        ape=spec.ape,
    )
    runs = []
    async with CachedLLM(dataclasses.replace(settings.llm_config(), model=model), cache) as llm:
        runner = Runner(
            Translator(store, llm),
            llm,
            evalset,
            workspace,
            settings.pipeline_options(),
            concurrency=settings.llm_max_concurrency,
        )
        for config in configs:
            run = await runner.run(config)
            _write_segments(run, spec.out_dir / SEGMENTS_DIR)
            runs.append(run)
    return runs, model


def _score(
    run: ConfigRun, evalset: EvalSet, scorers: list[CometScorer], cache: Cache
) -> list[Score]:
    hypotheses = [record.text for record in run.records]
    scores = lexical_scores(hypotheses, evalset.references, evalset.target_lang)
    for scorer in scorers:
        scores.append(comet_score(scorer, cache, evalset.sources, hypotheses, evalset.references))
    if evalset.terms is not None:
        scores += term_success(hypotheses, evalset.terms, evalset.target_lang)
    return scores + pipeline_figures(run)


def _write_segments(run: ConfigRun, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"{run.config.name}.jsonl").open("w", encoding="utf-8") as out:
        for record in run.records:
            out.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
    (directory / f"{run.config.name}.txt").write_text(
        "".join(record.text.replace("\n", " ") + "\n" for record in run.records),
        encoding="utf-8",
    )


def _about(
    spec: EvalSpec, evalset: EvalSet, entries: list[GlossaryEntry] | None
) -> dict[str, str | None]:
    tm: str | None = spec.tm.name if spec.tm else None
    if spec.self_tm:
        tm = f"{evalset.name} itself, leave-one-out"
    terms: str | None = None
    if spec.glossary is not None and entries is not None:
        terms = f"glossary {spec.glossary.name} ({len(entries)} entries)"
    elif spec.terms_file is not None:
        terms = f"per segment, WMT 2023 format: {spec.terms_file.name}"
    scorers = [p.name for p in (spec.comet, spec.cometkiwi) if p is not None]
    return {
        "test set": f"{evalset.name}: {len(evalset)} segments",
        "TM": tm,
        "terms": terms,
        "COMET": ", ".join(scorers) or None,
        "LLM": None,
        "adaptmt": _version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _version() -> str:
    try:
        return version("adaptmt")
    except PackageNotFoundError:
        return "0.0.0"
