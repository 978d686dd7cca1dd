"""The Markdown and JSON report (`eval.report`)."""

import json
from pathlib import Path

import pytest

from eval.configs import Config
from eval.report import ConfigResult, Report, format_value, write_report
from eval.scores import Kind, Score, Unit

ZERO = Config("zero-shot", 0, False, False)
FUZZY = Config("fuzzy-2", 2, False, False)


def report() -> Report:
    return Report(
        "adaptmt eval: set, en → fr",
        {"test set": "set: 2 segments", "TM": None},
        [Score("TM≥50", 0.5, "leverage|min:50", kind=Kind.PIPELINE, unit=Unit.SHARE)],
        [
            ConfigResult(ZERO, [Score("BLEU", 10.0, "BLEU|v"), Score("TER", 80.0, "TER|v", False)]),
            ConfigResult(FUZZY, [Score("BLEU", 20.0, "BLEU|v"), Score("TER", 90.0, "TER|v", False),
                                 Score("failed", 1, "failed", False, Kind.PIPELINE, Unit.COUNT)]),
        ],
        llm_model="m",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("score", "text"),
    [
        (Score("BLEU", 44.91846, ""), "44.92"),
        (Score("COMET", 0.834567, ""), "0.8346"),
        (Score("TSR", 0.9512, "", unit=Unit.SHARE), "95.1%"),
        (Score("ms", 1234.6, "", unit=Unit.MS), "1,235"),
        (Score("failed", 3, "", unit=Unit.COUNT), "3"),
    ],
)
def test_format_value(score: Score, text: str) -> None:
    assert format_value(score) == text


def test_markdown_tables_best_values_and_signatures() -> None:
    markdown = report().to_markdown()

    assert "- TM: " not in markdown  # unset entries are left out
    assert "| TM≥50 | 50.0% |" in markdown
    assert "| configuration | BLEU ↑ | TER ↓ |" in markdown
    assert "| zero-shot | 10.00 | **80.00** |" in markdown
    assert "| fuzzy-2 | **20.00** | 90.00 |" in markdown
    assert "| zero-shot | – |" in markdown  # no pipeline figure for it
    assert "- BLEU: `BLEU|v`" in markdown
    assert "- fuzzy-2: `config:fuzzy-2|k:2|terms:no|ape:no|llm:m`" in markdown


def test_json_signs_every_figure_with_its_configuration(tmp_path: Path) -> None:
    paths = write_report(report(), tmp_path)

    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [p.name for p in paths] == ["report.json", "report.md"]
    assert data["data"][0]["signature"] == "leverage|min:50"
    second = data["configurations"][1]
    assert {key: second[key] for key in ("name", "k", "terms", "ape")} == {
        "name": "fuzzy-2",
        "k": 2,
        "terms": False,
        "ape": False,
    }
    assert second["scores"][0] == {
        "metric": "BLEU",
        "value": 20.0,
        "signature": "BLEU|v|config:fuzzy-2|k:2|terms:no|ape:no|llm:m",
        "higher_is_better": True,
        "kind": "quality",
        "unit": "score",
    }
