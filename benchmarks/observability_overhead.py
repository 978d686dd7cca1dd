"""What metrics and logging cost per request: microseconds of CPU on the request path.

    python -m benchmarks.observability_overhead [--repeat 100000] [--json out.json]

Times, each over `--repeat` calls on one core: `Metrics.observe_segment` for a TM reuse and
for a post-edited LLM segment with two terms and a QE score; `LLMMetrics.completed` (one
LLM call); `request_id_from` (the middleware's id check); an access log line at INFO that
no handler takes (the default) and one written by the JSON formatter (to a null stream);
and the `/metrics` exposition of a registry with every series populated.
"""

import argparse
import io
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.checks import Issue, IssueCode
from service.llm import Completion, Usage
from service.logs import ACCESS_LOGGER, JsonFormatter, RequestIdFilter, request_id_from
from service.metrics import Metrics
from service.pipeline import SegmentOrigin, SegmentResult, TermResult, Timings, UsedMatch
from tm.terms import TermStatus


def _segments() -> tuple[SegmentResult, SegmentResult]:
    match = UsedMatch(1, "mem", 100, "Save the file.", "Enregistrez le fichier.")
    reused = SegmentResult("Save the file.", "Enregistrez le fichier.", SegmentOrigin.TM, [match])
    reused.timings = Timings(tm_ms=0.8, total_ms=0.9)
    fuzzy = UsedMatch(2, "mem", 75, "Click OK to continue.", "Cliquez sur OK pour continuer.")
    terms = [
        TermResult("Cancel", "cancel", ("annuler",), TermStatus.PRESENT, "annuler"),
        TermResult("file", "file", ("fichier",), TermStatus.MISSING, None),
    ]
    edited = SegmentResult(
        "Click Cancel to continue.",
        "Cliquez sur annuler pour continuer.",
        SegmentOrigin.APE,
        [fuzzy],
        terms,
        [Issue(IssueCode.TERM, "missing")],
        qe=0.71,
        timings=Timings(1.2, 0.2, 0.05, 120.0, 0.4, 125.0),
        usage=Usage(350, 24),
        llm_calls=2,
    )
    return reused, edited


def _per_call_us(work: Callable[[], object], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        work()
    return (time.process_time() - started) / repeat * 1e6


def run(repeat: int) -> dict[str, Any]:
    """The figures, in microseconds per call."""
    metrics = Metrics()
    reused, edited = _segments()
    completion = Completion("Bonjour.", "stop", Usage(350, 24), "model", 0.12, 0)
    silent = logging.getLogger(ACCESS_LOGGER)
    silent.setLevel(logging.WARNING)
    json_logger = logging.getLogger("benchmark.json")
    json_logger.propagate = False
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    json_logger.addHandler(handler)
    extra = {"method": "POST", "route": "/v1/translate", "status": 200, "duration_ms": 12.3}

    def log_json() -> None:
        json_logger.warning("%s %s %d", "POST", "/v1/translate", 200, extra=extra)
        handler.stream.seek(0)
        handler.stream.truncate()

    figures = {
        "observe_segment, TM reuse (us)": _per_call_us(
            lambda: metrics.observe_segment(reused), repeat
        ),
        "observe_segment, LLM + APE, 2 terms, QE (us)": _per_call_us(
            lambda: metrics.observe_segment(edited), repeat
        ),
        "LLMMetrics.completed, one call (us)": _per_call_us(
            lambda: metrics.llm.completed(completion), repeat
        ),
        "request_id_from, valid incoming id (us)": _per_call_us(
            lambda: request_id_from("0f8fad5b-d9cb-469f-a165-70867728950e"), repeat
        ),
        "request_id_from, new id (us)": _per_call_us(lambda: request_id_from(None), repeat),
        "access line, INFO disabled (us)": _per_call_us(
            lambda: silent.isEnabledFor(logging.INFO) and silent.info("x"), repeat
        ),
        "access line, JSON formatted (us)": _per_call_us(log_json, repeat // 10),
        "/metrics exposition, all series populated (us)": _per_call_us(
            metrics.exposition, max(1, repeat // 1000)
        ),
    }
    return {name: round(value, 2) for name, value in figures.items()} | {"repeat": repeat}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.observability_overhead")
    parser.add_argument("--repeat", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = run(args.repeat)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
