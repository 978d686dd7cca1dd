"""What a job keeps per segment (its report) and the counters summed over the job.

Each saved segment carries a JSON report: origin, best TM score and band, the matches used,
the glossary terms with their status, the check results and QE. The job sums counters as
its batches are saved (`Job.stats`): segments per origin and per leverage band, repetitions,
words, and term use, so the status endpoint never reads the segments.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime

from service.analysis import REPETITION_BAND, band_of, count_words
from service.documents import Match, Segment
from service.pipeline import SegmentResult
from tm.models import Job, JobSegment, JobState

ORIGIN_PREFIX = "origin:"
BAND_PREFIX = "band:"
TERM_PREFIX = "terms:"
WORDS = "words"
SEGMENTS_WITH_ISSUES = "segments_with_issues"
POSITION = "position"
"""Report key: the segment's place among the document's segments to translate, so reports
list in document order without reading the document again."""


def segment_report(result: SegmentResult, *, repetition: bool) -> dict[str, object]:
    """The JSON report of one translated segment."""
    score = max((m.score for m in result.matches), default=None)
    return {
        "origin": str(result.origin),
        "score": score,
        "band": band_of(score),
        "repetition": repetition,
        "matches": [asdict(match) for match in result.matches],
        "terms": [
            {"source": t.source, "term": t.term, "targets": list(t.targets), "status": t.status}
            for t in result.terms
        ],
        "issues": [{"code": i.code, "message": i.message} for i in result.issues],
        "qe": result.qe,
        "llm_calls": 0 if repetition else result.llm_calls,
    }


def job_segment(segment: Segment, result: SegmentResult, *, repetition: bool) -> JobSegment:
    """A segment's result as the store keeps it."""
    assert result.text is not None and result.origin is not None
    report = segment_report(result, repetition=repetition)
    return JobSegment(segment.id, segment.source, result.text, result.origin.value, report)


def copy_for(segment: Segment, first: JobSegment) -> JobSegment:
    """A repetition of an already translated source: the same text, marked as repeated."""
    report = dict(first.report) | {"repetition": True, "llm_calls": 0}
    return JobSegment(segment.id, segment.source, first.text, first.origin, report)


def positioned(saved: JobSegment, position: int) -> JobSegment:
    """The segment with its place in the document noted in its report."""
    return replace(saved, report=saved.report | {POSITION: position})


def in_document_order(saved: Sequence[JobSegment]) -> list[JobSegment] | None:
    """Saved segments sorted by position; None when one lacks it (saved before positions)."""
    keyed: list[tuple[int, JobSegment]] = []
    for segment in saved:
        position = segment.report.get(POSITION)
        if not isinstance(position, int):
            return None
        keyed.append((position, segment))
    keyed.sort(key=lambda pair: pair[0])
    return [segment for _, segment in keyed]


def batch_stats(saved: Sequence[JobSegment], words: dict[str, int]) -> dict[str, int]:
    """The counters a batch adds to its job (`words`: segment id -> word count)."""
    stats: Counter[str] = Counter()
    for segment in saved:
        report = segment.report
        stats[ORIGIN_PREFIX + segment.origin] += 1
        band = REPETITION_BAND if report.get("repetition") else str(report.get("band"))
        stats[BAND_PREFIX + band] += 1
        stats[WORDS] += words.get(segment.segment_id, 0)
        terms = report.get("terms") or []
        assert isinstance(terms, list)
        for term in terms:
            stats[TERM_PREFIX + str(term["status"])] += 1
        if report.get("issues"):
            stats[SEGMENTS_WITH_ISSUES] += 1
    return dict(stats)


def word_counts(segments: Sequence[Segment]) -> dict[str, int]:
    """Segment id -> words of its source."""
    return {segment.id: count_words(segment) for segment in segments}


def alt_trans(saved: JobSegment) -> list[Match]:
    """The TM matches of a saved segment, as `write_document` offers them (XLIFF alt-trans)."""
    matches = saved.report.get("matches") or []
    assert isinstance(matches, list)
    return [(m["source"], m["target"], float(m["score"])) for m in matches]


def eta_s(job: Job, now: datetime | None = None) -> float | None:
    """Seconds until a running job is done, at the pace of its current worker; None: unknown."""
    done_here = job.done_count - job.done_at_start
    if job.state is not JobState.RUNNING or job.started_at is None or done_here <= 0:
        return None
    elapsed = ((now or datetime.now(UTC)) - job.started_at).total_seconds()
    return round(elapsed / done_here * (job.segment_count - job.done_count), 1)


def grouped(stats: dict[str, int], prefix: str) -> dict[str, int]:
    """The counters under one prefix, the prefix removed."""
    return {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)}
