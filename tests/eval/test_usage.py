"""Pipeline figures per configuration (`eval.usage`)."""

import pytest

from eval.configs import Config
from eval.runner import ConfigRun, SegmentRecord
from eval.usage import leverage, pipeline_figures


def record(
    best: int | None = None,
    origin: str | None = "llm",
    calls: int = 1,
    llm_ms: float = 100.0,
    error: str | None = None,
) -> SegmentRecord:
    return SegmentRecord(
        index=0,
        source="s",
        reference="r",
        hypothesis=None if error else "h",
        origin=origin,
        best_match=best,
        examples=0,
        llm_calls=calls,
        prompt_tokens=10,
        completion_tokens=5,
        llm_ms=llm_ms,
        error=error,
    )


@pytest.mark.parametrize(
    ("best", "expected"),
    [
        ([None, 50, 74, 75, 96, 100], [5 / 6, 3 / 6, 2 / 6]),
        ([None, None], [0.0, 0.0, 0.0]),
        ([], [0.0, 0.0, 0.0]),
    ],
)
def test_leverage_bands(best: list[int | None], expected: list[float]) -> None:
    scores = leverage(best)

    assert [s.metric for s in scores] == ["TM≥50", "TM≥75", "TM≥95"]
    assert [s.value for s in scores] == pytest.approx(expected)


def test_figures_of_a_run() -> None:
    records = [
        record(best=100, origin="tm", calls=0, llm_ms=0.0),
        record(best=80, llm_ms=100.0),
        record(best=60, origin="llm+ape", calls=2, llm_ms=300.0),
        record(calls=2, llm_ms=200.0),  # post-edited, draft kept
        record(origin=None, calls=0, llm_ms=0.0, error="LLM down"),
    ]
    run = ConfigRun(Config("fuzzy-2+ape", 2, False, True), records, 1.0, 5, 0)

    figures = {s.metric: s.value for s in pipeline_figures(run)}

    assert figures == pytest.approx(
        {
            "TM≥50": 3 / 5, "TM≥75": 2 / 5, "TM≥95": 1 / 5, "TM reuse": 1 / 5,
            "APE calls": 2 / 5, "APE kept": 1 / 5, "tokens/seg": 15.0,
            "LLM ms p50": 200.0, "LLM ms p95": 290.0, "failed": 1,
        }
    )  # fmt: skip
