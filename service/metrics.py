"""Prometheus metrics of one service instance, served at `/metrics`.

Each app gets its own registry (no process-wide singleton), so tests can build several
apps in one process.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from service.pipeline import SegmentResult

CONTENT_TYPE = CONTENT_TYPE_LATEST

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_STEP_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)


class Metrics:
    """The counters and histograms the service updates."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.segments = Counter(
            "adaptmt_segments",
            "Translated segments by origin (tm, llm, llm+ape, error).",
            ["origin"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "adaptmt_llm_tokens", "LLM tokens by kind.", ["kind"], registry=self.registry
        )
        self.tm_lookup_seconds = Histogram(
            "adaptmt_tm_lookup_seconds",
            "Fuzzy-match lookup time per segment.",
            buckets=_STEP_BUCKETS,
            registry=self.registry,
        )
        self.llm_seconds = Histogram(
            "adaptmt_llm_seconds",
            "LLM time per segment (draft and post-edit).",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_segment(self, result: SegmentResult) -> None:
        """Count one segment's outcome."""
        self.segments.labels(result.origin or "error").inc()
        self.tm_lookup_seconds.observe(result.timings.tm_ms / 1000)
        if result.llm_calls:
            self.llm_seconds.observe(result.timings.llm_ms / 1000)
        if result.usage:
            self.tokens.labels("prompt").inc(result.usage.prompt_tokens)
            self.tokens.labels("completion").inc(result.usage.completion_tokens)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
