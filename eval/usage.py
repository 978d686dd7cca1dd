"""What the pipeline did and what it cost, per configuration: TM leverage, APE, tokens, latency.

- **TM leverage**: the share of segments whose best TM match (used as an example or reused
  as is) scores at least each of `LEVERAGE_BANDS` (the CAT-tool fuzzy bands), and the
  share reused from the TM without an LLM call.
- **APE**: the share of segments post-edited (a check failed, a second call was made) and
  the share whose post-edit was kept (it had fewer problems than the draft).
- **Tokens**: prompt plus completion tokens per segment, as the server reported them.
- **Latency**: the LLM's time per segment, all its calls summed, p50 and p95. Answers
  replayed from the cache keep the latency of the call that produced them.
"""

from collections.abc import Callable, Sequence
from statistics import quantiles

from eval.runner import ConfigRun, SegmentRecord
from eval.scores import Kind, Score, Unit

LEVERAGE_BANDS = (50, 75, 95)
"""Fuzzy-match score bands reported (CAT-tool conventions; 50 is the weakest example used)."""
PERCENTILES = (50, 95)

_LEVERAGE_SIG = "leverage|score:adaptmt-fuzzy|best-of:used"


def leverage(best_scores: Sequence[int | None], signature: str = _LEVERAGE_SIG) -> list[Score]:
    """The share of segments whose best match reaches each band."""
    count = len(best_scores) or 1
    return [
        Score(
            f"TM≥{band}",
            sum(1 for s in best_scores if s is not None and s >= band) / count,
            f"{signature}|min:{band}|segments:{len(best_scores)}",
            kind=Kind.PIPELINE,
            unit=Unit.SHARE,
        )
        for band in LEVERAGE_BANDS
    ]


def pipeline_figures(run: ConfigRun) -> list[Score]:
    """Leverage, APE, tokens, latency and failures of one configuration's run."""
    records = run.records
    count = len(records) or 1
    figures = leverage([r.best_match for r in records])
    figures += [
        _share("TM reuse", records, lambda r: r.origin == "tm", "reuse|origin:tm"),
        _share("APE calls", records, lambda r: r.llm_calls > 1, "ape|calls:post-edit"),
        _share("APE kept", records, lambda r: r.origin == "llm+ape", "ape|kept:fewer-problems"),
        Score(
            "tokens/seg",
            sum(r.prompt_tokens + r.completion_tokens for r in records) / count,
            "tokens|prompt+completion|per:segment|source:server-usage",
            higher_is_better=False,
            kind=Kind.PIPELINE,
            unit=Unit.COUNT,
        ),
    ]
    latencies = [r.llm_ms for r in records if r.llm_calls]
    for percentile, value in zip(PERCENTILES, _percentiles(latencies), strict=True):
        figures.append(
            Score(
                f"LLM ms p{percentile}",
                value,
                f"latency|llm|per:segment|p{percentile}|segments:{len(latencies)}",
                higher_is_better=False,
                kind=Kind.PIPELINE,
                unit=Unit.MS,
            )
        )
    figures.append(
        Score(
            "failed",
            sum(1 for r in records if r.error),
            "failed|llm-errors",
            higher_is_better=False,
            kind=Kind.PIPELINE,
            unit=Unit.COUNT,
        )
    )
    return figures


def _share(
    name: str,
    records: Sequence[SegmentRecord],
    test: Callable[[SegmentRecord], bool],
    signature: str,
) -> Score:
    value = sum(1 for r in records if test(r)) / (len(records) or 1)
    return Score(name, value, signature, kind=Kind.PIPELINE, unit=Unit.SHARE)


def _percentiles(values: Sequence[float]) -> list[float]:
    """The PERCENTILES of `values` (inclusive method); zeros when there are none."""
    if not values:
        return [0.0 for _ in PERCENTILES]
    if len(values) == 1:
        return [values[0] for _ in PERCENTILES]
    cuts = quantiles(values, n=100, method="inclusive")
    return [cuts[p - 1] for p in PERCENTILES]
