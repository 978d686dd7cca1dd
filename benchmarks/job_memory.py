"""What a document job holds in memory, traced: `python -m benchmarks.job_memory 2000 10000`.

For each size, in this process: a `benchmarks.documents` XLIFF of that many segments is
submitted to a fresh SQLite store with a 20,000-unit memory and run by `JobRunner.run_one`
against `benchmarks.counted_standin` (its own process, `--latency-ms`). `tracemalloc`
snapshots at the start, after submitting, half-way, just before the result is written and
after the job; for each phase the Python peak (tracemalloc) and the process's RSS and peak
RSS (VmHWM; libxml2's trees and SQLite's pages are C allocations tracemalloc does not see).
The top growth by source line between snapshots is printed, so what a job retains per
segment can be told from its transient peaks.
"""

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from benchmarks.documents import memory_sentences, segments, xliff
from benchmarks.jobs import JOB_MEMORY_UNITS, build_job_memory, peak_rss_mib, start_counted_standin
from benchmarks.service_throughput import _wait_for
from benchmarks.synthetic import SyntheticTM

MIB = 1024 * 1024
TOP_LINES = 8
"""Source lines shown per snapshot difference."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Tracer:
    """Snapshots and per-phase peaks of this process."""

    def __init__(self) -> None:
        self.points: list[tuple[str, tracemalloc.Snapshot, float, float, float, float]] = []

    def mark(self, name: str) -> None:
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        rss, hwm = peak_rss_mib(os.getpid())
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        self.points.append((name, snapshot, current / MIB, peak / MIB, rss, hwm))
        tracemalloc.reset_peak()
        if len(self.points) > 1:
            self.diff(self.points[-1][0], snapshot)
        log(
            f"  {name:<16} python {current / MIB:7.1f} MiB (phase peak {peak / MIB:7.1f})"
            f"  rss {rss:7.1f}  vmhwm {hwm:7.1f}"
        )

    def diff(self, name: str, snapshot: tracemalloc.Snapshot) -> None:
        """The top growth, by source line, from the start to `snapshot`."""
        log(f"  -- retained at {name!r} vs start, by line:")
        for stat in snapshot.compare_to(self.points[0][1], "lineno")[:TOP_LINES]:
            frame = stat.traceback[0]
            log(
                f"     {stat.size_diff / MIB:+7.2f} MiB {stat.count_diff:+8d} blocks"
                f"  {'/'.join(frame.filename.rsplit('/', 3)[-3:])}:{frame.lineno}"
            )


async def one_job(size: int, standin_url: str, concurrency: int) -> dict[str, Any]:
    from service.jobs import JobRunner, Submission, submit_job
    from service.jobs.work import JobLimits, JobWork
    from service.llm import LLMClient
    from service.pipeline import Translator
    from service.settings import Settings
    from tm.store import open_store

    generator = SyntheticTM(seed=31)
    memory = memory_sentences(generator, JOB_MEMORY_UNITS)
    data = xliff(segments(generator, memory, size))
    del generator
    tracer = Tracer()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "jobs.sqlite3"
        memory_id = await build_job_memory(db, memory)
        del memory
        settings = Settings(
            llm_url=f"{standin_url}/v1",
            llm_model="standin-model",
            llm_max_concurrency=concurrency,
        )
        async with open_store(db) as store, LLMClient(settings.llm_config()) as llm:
            limits = JobLimits(concurrency, settings.job_batch_segments, 60.0, 3600.0)
            runner = JobRunner(store, Translator(store, llm), settings.pipeline_options(), limits)
            await store.match([memory_id], "warm the index", "en", "de")  # loaded untraced
            tracemalloc.start(1)
            tracer.mark("start")
            job = await submit_job(
                store,
                Submission(data, "guide.xlf", "en", "de", memories=[memory_id]),
            )
            document_bytes = len(data)
            del data
            tracer.mark("submitted")
            original_write = JobWork._write

            def traced_write(self: JobWork, document: Any) -> bytes:
                tracer.mark("before write")
                return original_write(self, document)

            JobWork._write = traced_write  # type: ignore[method-assign]
            work = asyncio.create_task(runner.run_one(job.id))
            halfway = False
            while not work.done():
                await asyncio.wait({work}, timeout=0.2)
                if not halfway and (await store.get_job(job.id)).done_count >= size // 2:
                    halfway = True
                    tracer.mark("half-way")
            done = await work
            JobWork._write = original_write  # type: ignore[method-assign]
            assert done.state.value == "done", done.error
            tracer.mark("finished")
            result = await store.job_result(job.id)
            tracer.mark("result read")
            tracemalloc.stop()
    return {"segments": size, "document_bytes": document_bytes, "result_bytes": len(result or b"")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.job_memory")
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--latency-ms", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)
    standin_url, standin = start_counted_standin(args.latency_ms, None)
    try:
        _wait_for(f"{standin_url}/health", standin)
        for size in args.sizes:
            log(f"{size} segments:")
            log(f"  {asyncio.run(one_job(size, standin_url, args.concurrency))}")
    finally:
        standin.terminate()
        standin.wait()


if __name__ == "__main__":
    main()
