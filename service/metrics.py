"""Prometheus metrics of one service instance, served at `/metrics`.

Each app gets its own registry (no process-wide singleton), so tests can build several
apps in one process. What is counted, and where:

* HTTP requests and their latency, per route template (the app's middleware);
* every translated segment, from the HTTP API and document jobs alike
  (`observe_segment`, the `Translator`'s observer): origin, latency, per-step times, the
  band of its best TM match, each glossary term's status, post-editing and QE;
* every LLM call (`LLMMetrics`, the `LLMClient`'s observer): latency, tokens, errors by
  code, retries;
* jobs per state and the segments they still have to translate, read from the store at
  each scrape (`observe_jobs`), so every replica reports the shared queue.

Label values come from small fixed sets (origins, steps, bands, statuses, error codes),
and the label children of the hot paths are looked up once, here, not per observation.
"""

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from service.analysis import FUZZY_BANDS, NO_MATCH_BAND, band_of
from service.checks import IssueCode
from service.errors import describe
from service.llm import Completion, LLMError
from service.pipeline import SegmentOrigin, SegmentResult
from tm.models import JobState
from tm.terms import TermStatus

CONTENT_TYPE = CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
"""Seconds: a TM reuse takes milliseconds, an LLM call tenths to tens of seconds."""
STEP_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)
"""Seconds of one CPU step of the pipeline (TM lookup, terms, prompt, checks)."""
QE_BUCKETS = tuple(round(0.1 * n, 1) for n in range(1, 11))
"""CometKiwi scores lie in [0, 1]; tenths show where the review threshold cuts."""
TOKEN_BUCKETS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
"""Tokens of one LLM call, prompt or completion."""

ERROR_ORIGIN = "error"
"""The `origin` label of a segment the LLM could not translate."""
STEPS = ("tm", "terms", "prompt", "checks")
"""The pipeline's CPU steps, timed per segment (the LLM's time is `adaptmt_llm_*`)."""
BANDS = (*(name for name, _ in FUZZY_BANDS), NO_MATCH_BAND)
"""Bands of a segment's best TM match, as in the leverage analysis (`service.analysis`)."""


class APEOutcome:
    """Label values of `adaptmt_ape_total`: what a post-editing attempt gave."""

    USED = "used"  # the post-edit had fewer problems and replaced the draft
    DRAFT_KEPT = "draft_kept"  # the post-edit was no better; the draft stands
    FAILED = "failed"  # the post-editing call failed; the draft stands


class Metrics:
    """The counters and histograms the service updates."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._http()
        self._segments()
        self.llm = LLMMetrics(self.registry)
        self.jobs = Gauge(
            "adaptmt_jobs",
            "Document jobs in the database by state (queued: the queue depth).",
            ["state"],
            registry=self.registry,
        )
        self.job_segments_pending = Gauge(
            "adaptmt_job_segments_pending",
            "Segments of queued and running jobs not translated yet.",
            registry=self.registry,
        )

    def _http(self) -> None:
        self.requests = Counter(
            "adaptmt_http_requests",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "adaptmt_http_request_seconds",
            "HTTP request latency by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def _segments(self) -> None:
        origins = [*(origin.value for origin in SegmentOrigin), ERROR_ORIGIN]
        segments = Counter(
            "adaptmt_segments",
            "Translated segments by origin (tm, llm, llm+ape, error).",
            ["origin"],
            registry=self.registry,
        )
        segment_seconds = Histogram(
            "adaptmt_segment_seconds",
            "Latency of one segment through the pipeline, by origin.",
            ["origin"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._by_origin = {o: (segments.labels(o), segment_seconds.labels(o)) for o in origins}
        steps = Histogram(
            "adaptmt_segment_step_seconds",
            "CPU time of one pipeline step of a segment (tm, terms, prompt, checks).",
            ["step"],
            buckets=STEP_BUCKETS,
            registry=self.registry,
        )
        self._steps = tuple(steps.labels(step) for step in STEPS)
        matches = Counter(
            "adaptmt_tm_matches",
            "Segments by the band of their best TM match (100, 95-99, ..., none).",
            ["band"],
            registry=self.registry,
        )
        self._bands = {band: matches.labels(band) for band in BANDS}
        terms = Counter(
            "adaptmt_terms",
            "Glossary terms of translated segments by status in the final text.",
            ["status"],
            registry=self.registry,
        )
        self._terms = {status: terms.labels(status.value) for status in TermStatus}
        ape = Counter(
            "adaptmt_ape",
            "Post-editing attempts by outcome (used, draft_kept, failed).",
            ["outcome"],
            registry=self.registry,
        )
        self._ape = {
            outcome: ape.labels(outcome)
            for outcome in (APEOutcome.USED, APEOutcome.DRAFT_KEPT, APEOutcome.FAILED)
        }
        self.qe_score = Histogram(
            "adaptmt_qe_score",
            "QE scores of machine translations (CometKiwi, 0 to 1).",
            buckets=QE_BUCKETS,
            registry=self.registry,
        )
        self.needs_review = Counter(
            "adaptmt_segments_needs_review",
            "Machine translations whose QE score fell under the review threshold.",
            registry=self.registry,
        )

    def observe_segment(self, result: SegmentResult) -> None:
        """Count one segment's outcome (the `Translator` calls this for every segment)."""
        count, seconds = self._by_origin[result.origin.value if result.origin else ERROR_ORIGIN]
        count.inc()
        timings = result.timings
        seconds.observe(timings.total_ms / 1000)
        best = result.matches[0].score if result.matches else None
        self._bands[band_of(best)].inc()
        if result.origin is SegmentOrigin.TM:
            self._steps[0].observe(timings.tm_ms / 1000)
            return
        tm, terms, prompt, checks = self._steps
        tm.observe(timings.tm_ms / 1000)
        terms.observe(timings.terms_ms / 1000)
        prompt.observe(timings.prompt_ms / 1000)
        checks.observe(timings.checks_ms / 1000)
        for term in result.terms:
            self._terms[term.status].inc()
        if outcome := _ape_outcome(result):
            self._ape[outcome].inc()
        if result.qe is not None:
            self.qe_score.observe(result.qe)
            if result.needs_review:
                self.needs_review.inc()

    def observe_jobs(self, counts: Mapping[JobState, tuple[int, int]]) -> None:
        """Set the job gauges from the store's (jobs, segments left) per state."""
        pending = 0
        for state in JobState:
            jobs, left = counts.get(state, (0, 0))
            self.jobs.labels(state.value).set(jobs)
            if not state.finished:
                pending += left
        self.job_segments_pending.set(pending)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


def _ape_outcome(result: SegmentResult) -> str | None:
    """What post-editing did for a segment, or None when it was not tried."""
    if result.origin is SegmentOrigin.APE:
        return APEOutcome.USED
    if any(issue.code is IssueCode.APE_FAILED for issue in result.issues):
        return APEOutcome.FAILED
    if result.origin is SegmentOrigin.LLM and result.llm_calls > 1:
        return APEOutcome.DRAFT_KEPT
    return None


class LLMMetrics:
    """Every LLM call: latency, tokens, errors and retries (the `LLMClient`'s observer)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "adaptmt_llm_requests",
            "LLM chat completion calls by outcome (ok, or the error code).",
            ["outcome"],
            registry=registry,
        )
        self._ok = self.calls.labels("ok")
        self.seconds = Histogram(
            "adaptmt_llm_request_seconds",
            "Latency of one LLM call, retries and back-off included.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.retries = Counter(
            "adaptmt_llm_retries", "LLM request attempts beyond the first.", registry=registry
        )
        tokens = Counter(
            "adaptmt_llm_tokens",
            "LLM tokens by kind (prompt, completion).",
            ["kind"],
            registry=registry,
        )
        self._prompt_tokens, self._completion_tokens = (
            tokens.labels("prompt"),
            tokens.labels("completion"),
        )
        call_tokens = Histogram(
            "adaptmt_llm_call_tokens",
            "Tokens of one LLM call by kind (prompt, completion).",
            ["kind"],
            buckets=TOKEN_BUCKETS,
            registry=registry,
        )
        self._prompt_sizes = call_tokens.labels("prompt")
        self._completion_sizes = call_tokens.labels("completion")

    def completed(self, completion: Completion) -> None:
        """Count a successful call."""
        self._ok.inc()
        self.seconds.observe(completion.latency_s)
        if completion.retries:
            self.retries.inc(completion.retries)
        if usage := completion.usage:
            self._prompt_tokens.inc(usage.prompt_tokens)
            self._completion_tokens.inc(usage.completion_tokens)
            self._prompt_sizes.observe(usage.prompt_tokens)
            self._completion_sizes.observe(usage.completion_tokens)

    def failed(self, error: LLMError, latency_s: float, retries: int) -> None:
        """Count a call that ended in `error` after `retries` further attempts."""
        self.calls.labels(describe(error).code).inc()
        self.seconds.observe(latency_s)
        if retries:
            self.retries.inc(retries)
