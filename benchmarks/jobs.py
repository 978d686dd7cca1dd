"""Document jobs benchmark: a large document through the service, and leverage analysis.

    python -m benchmarks.jobs [--only translate|analysis] [--segments 10000]
                              [--sizes 2000 10000 20000] [--segment-sentences 1]
                              [--env NAME=VALUE ...]
                              [--latency-ms 50] [--concurrency 64] [--duration 10]
                              [--analysis-segments 100000] [--units 1000000] [--db PATH]
                              [--json out.json]

**translate**: an XLIFF 1.2 document (`benchmarks.documents`: 10% copies of memory units,
30% fuzzy edits of them, 25% repetitions, the rest new; a tenth with an inline `<g>`)
translated as a job by `adaptmt serve` (its own process) with `ADAPTMT_JOB_CONCURRENCY`
`--concurrency`, over a 20,000-unit memory, against the LLM stand-in answering after
`--latency-ms` (`benchmarks.counted_standin`, its own process, which counts the calls).

1. The stand-in's capacity: `--concurrency` connections send translation prompts straight
   to it for `--duration` s (requests/s), with the load generator of
   `benchmarks.service_throughput` (wrk, or its Python fallback when wrk is missing).
2. The job, from the upload to `done`, for each of `--sizes` and `--segments` segments (a
   fresh service each): LLM-translated segments per second of the whole job against that
   capacity (goal >= 0.85, at `--segments`), document segments/s, the LLM calls counted at
   the stand-in against the distinct segments that need the LLM (no TM exact match: goal
   equal), and the service's memory: RSS when idle, half-way, once every segment is saved
   (before the result is written; when a poll falls in that gap) and after the result was
   fetched, and the peak (VmHWM).
3. Memory against size: each job's peak growth over idle per segment and per document
   byte, and the growth from one size to the next per added segment and per added
   document byte. Growth bounded by the document shows as a flat per-byte figure that
   stays a small multiple of the document; a per-segment cost such as a prompt kept per
   segment would add its own size to every added segment.

`--segment-sentences K` makes each distinct segment K sentences long (repetitions stay
equal): the same segment count in about K times the bytes, which tells growth with the
document apart from growth per segment.

`--env NAME=VALUE` (repeatable) adds to the service's environment, to compare settings
(e.g. `--env ADAPTMT_MALLOC_ARENA_MAX=0` for glibc's default arenas).

Pinned when there are 2+ cores: the stand-in alone on core 0; the client side (the load
generator of step 1, the service of step 2) on core 1.

**analysis**: leverage analysis (`service.analysis.analyze`, what `POST /v1/analyze`
runs) of an `--analysis-segments` XLIFF (same mix) against a `--units` synthetic memory
(`benchmarks.synthetic`, built once into `--db`), in this process on one core: the index
load (first lookup), then reading the document and the analysis (goal <= 60 s).
"""

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.documents import lengthen, memory_sentences, segments, tag_free, xliff
from benchmarks.service_throughput import _free_port, _generator, _load, _start, _wait_for
from benchmarks.synthetic import SyntheticTM
from service.prompts import build_translation_prompt
from tm.models import TranslationUnit
from tm.store import open_store

DEFAULT_DB = Path("/tmp/adaptmt-bench")
JOB_MEMORY_UNITS = 20_000
POLL_S = 0.25
JOB_TIMEOUT_S = 600.0
MIB = 1024 * 1024
KB = 1000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def peak_rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MiB, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


# -- translate ---------------------------------------------------------------------------------


async def build_job_memory(db: Path, sources: list[str]) -> str:
    async with open_store(db) as store:
        memory = await store.create_memory("client")
        units = (TranslationUnit(s, f"[de] {s[::-1]}", "en", "de") for s in sources)
        await store.add_units(memory.id, units)
        return memory.id


def stats(standin_url: str) -> dict[str, int]:
    figures: dict[str, int] = httpx.get(f"{standin_url}/stats", timeout=10).json()
    return figures


def needing_llm(data: bytes, memory: set[str]) -> tuple[int, int]:
    """(segments, distinct segments not exactly in the memory) of a document, as read."""
    from service.analysis import translatable
    from service.documents import read_document

    document = read_document(data, "guide.xlf", source_lang="en", target_lang="de")
    found = translatable(document)
    return len(found), len({s.source for s in found} - memory)


class MemoryPhases:
    """The service's RSS at the points of a job the client sees while it polls."""

    def __init__(self, pid: int, segments: int) -> None:
        self.pid = pid
        self.segments = segments
        self.idle_rss, _ = peak_rss_mib(pid)
        self.points: dict[str, tuple[float, float]] = {}  # phase -> (rss, peak) in MiB

    def poll(self, job: dict[str, Any]) -> None:
        """Note the phases a job's progress (`segments_done`) has reached, each once."""
        done = job["segments_done"]
        if done >= self.segments // 2:
            self.points.setdefault("half_way", peak_rss_mib(self.pid))
        if done >= self.segments and job["state"] == "running":
            self.points.setdefault("saved", peak_rss_mib(self.pid))  # the result is next

    def figures(self, fetched: tuple[float, float]) -> dict[str, float]:
        """RSS idle, at each phase seen, after the result was fetched; and the peak (MiB)."""
        found = {"idle": self.idle_rss}
        for phase, (rss, _) in self.points.items():
            found[phase] = rss
        if "saved" in self.points:
            found["peak_before_result"] = self.points["saved"][1]
        found["after"], found["peak"] = fetched
        return found


def run_job(
    size: int, args: argparse.Namespace, standin_url: str, core: int | None
) -> dict[str, Any]:
    """One fresh service translating a `size`-segment document; its figures."""
    generator = SyntheticTM(seed=31)
    memory = memory_sentences(generator, JOB_MEMORY_UNITS)
    sources = segments(generator, memory, size)
    if args.segment_sentences > 1:
        sources = lengthen(generator, sources, args.segment_sentences)
    data = xliff(sources)
    total, expected_calls = needing_llm(data, set(memory))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "jobs.sqlite3"
        memory_id = asyncio.run(build_job_memory(db, memory))
        port = _free_port()
        env = {
            "ADAPTMT_DATABASE_URL": f"sqlite:///{db}",
            "ADAPTMT_LLM_URL": f"{standin_url}/v1",
            "ADAPTMT_LLM_MODEL": "standin-model",
            "ADAPTMT_LLM_MAX_CONCURRENCY": str(args.concurrency),
            "ADAPTMT_JOB_CONCURRENCY": str(args.concurrency),
            "ADAPTMT_JOB_WORKERS": "1",
            **dict(args.env),
        }
        service = _start(["-m", "service.cli", "serve", "--port", str(port)], core, env)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(f"{url}/healthz", service)
            memory_phases = MemoryPhases(service.pid, total)
            calls_before = stats(standin_url)["chat_requests"]
            with httpx.Client(base_url=url, timeout=120) as api:
                started = time.perf_counter()
                job = (
                    api.post(
                        "/v1/jobs",
                        files={"file": ("guide.xlf", data)},
                        data={"source_lang": "en", "target_lang": "de", "memories": memory_id},
                    )
                    .raise_for_status()
                    .json()
                )
                while job["state"] not in ("done", "failed", "cancelled"):
                    if time.perf_counter() - started > JOB_TIMEOUT_S:
                        raise TimeoutError(f"job still {job['state']} after {JOB_TIMEOUT_S} s")
                    time.sleep(POLL_S)
                    job = api.get(f"/v1/jobs/{job['id']}").raise_for_status().json()
                    memory_phases.poll(job)
                elapsed = time.perf_counter() - started
                if job["state"] != "done":
                    raise RuntimeError(f"job {job['state']}: {job['error']}")
                result = api.get(f"/v1/jobs/{job['id']}/result").raise_for_status().content
            calls = stats(standin_url)["chat_requests"] - calls_before
            rss_mib = memory_phases.figures(peak_rss_mib(service.pid))
        finally:
            service.terminate()
            service.wait()
    return {
        "segments": total,
        "document_bytes": len(data),
        "result_bytes": len(result),
        "elapsed_s": elapsed,
        "segments_per_s": total / elapsed,
        "llm_calls": calls,
        "distinct_segments_needing_llm": expected_calls,
        "llm_segments_per_s": calls / elapsed,
        "origins": job["origins"],
        "leverage": job["leverage"],
        "service_rss_mib": rss_mib,
    }


def memory_growth(runs: dict[str, dict[str, Any]]) -> list[dict[str, float]]:
    """Each job's peak RSS growth over idle, whole and per segment and per document byte,
    and the growth from the next smaller job per added segment and per added byte."""
    rows: list[dict[str, float]] = []
    for run in sorted(runs.values(), key=lambda r: r["segments"]):
        rss = run["service_rss_mib"]
        growth = (rss["peak"] - rss["idle"]) * MIB
        row = {
            "segments": run["segments"],
            "document_bytes": run["document_bytes"],
            "peak_growth_mib": growth / MIB,
            "growth_per_segment_kb": growth / run["segments"] / KB,
            "growth_per_document_byte": growth / run["document_bytes"],
        }
        if rows:
            previous = rows[-1]
            added = (growth / MIB - previous["peak_growth_mib"]) * MIB
            row["added_per_segment_kb"] = added / (run["segments"] - previous["segments"]) / KB
            row["added_per_document_byte"] = added / (
                run["document_bytes"] - previous["document_bytes"]
            )
        rows.append(row)
    return rows


def growth_table(rows: list[dict[str, float]]) -> str:
    """The memory-growth rows as lines for the log."""
    lines = ["segments  document  peak growth  per segment  per doc byte  added/seg  added/byte"]
    for row in rows:
        added = (
            f"{row['added_per_segment_kb']:7.2f} KB  {row['added_per_document_byte']:8.1f}"
            if "added_per_segment_kb" in row
            else ""
        )
        lines.append(
            f"{row['segments']:8,.0f}  {row['document_bytes'] / MIB:5.2f} MiB  "
            f"{row['peak_growth_mib']:7.1f} MiB  {row['growth_per_segment_kb']:8.2f} KB  "
            f"{row['growth_per_document_byte']:10.1f}  {added}"
        )
    return "\n".join(lines)


def start_counted_standin(
    latency_ms: float, core: int | None
) -> tuple[str, subprocess.Popen[bytes]]:
    """`benchmarks.counted_standin` on a free port (pinned to `core`): its URL and process."""
    port = _free_port()
    process = _start(
        ["-m", "benchmarks.counted_standin", "--port", str(port), "--latency-ms", str(latency_ms)],
        core,
    )
    return f"http://127.0.0.1:{port}", process


def translate(args: argparse.Namespace) -> dict[str, Any]:
    pin = (os.cpu_count() or 1) >= 2
    if pin:
        os.sched_setaffinity(0, {1})
    load_before = os.getloadavg()
    standin_url, standin = start_counted_standin(args.latency_ms, 0 if pin else None)
    try:
        _wait_for(f"{standin_url}/health", standin)
        sample = "Bakou dai ferou tsi gaiva lou zaipe ke dounoi."
        prompt = build_translation_prompt(sample, source_lang="en", target_lang="de").messages
        chat = {"model": "standin-model", "messages": prompt, "max_tokens": 128, "temperature": 0}
        chat_url = f"{standin_url}/v1/chat/completions"
        direct = _load(_generator("wrk"), chat_url, chat, args, {"standin": standin})
        log(f"stand-in capacity at {args.concurrency} concurrent: {direct}")
        runs = {}
        for size in sorted({*args.sizes, args.segments}):
            log(f"job of {size:,} segments ...")
            runs[str(size)] = run_job(size, args, standin_url, 1 if pin else None)
            log(json.dumps(runs[str(size)]))
    finally:
        standin.terminate()
        standin.wait()
    big = runs[str(args.segments)]
    return {
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "pinned": pin,
        "service_env": dict(args.env),
        "load_average": {  # 1, 5 and 15 minutes, at the start and at the end
            "start": [round(x, 2) for x in load_before],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "standin_capacity_per_s": direct["items_per_s"],
        "standin_bound_per_s": args.concurrency / (args.latency_ms / 1000),
        "direct": direct,
        "jobs": runs,
        "memory_growth": memory_growth(runs),
        "ratio": big["llm_segments_per_s"] / direct["items_per_s"],
        "calls_equal_distinct": big["llm_calls"] == big["distinct_segments_needing_llm"],
    }


# -- analysis ----------------------------------------------------------------------------------


async def analysis_memory(db: Path, units: int) -> tuple[str, list[str]]:
    """The synthetic memory's id and sources, imported into `db` once."""
    async with open_store(db) as store:
        found = {m.name: m for m in await store.list_memories()}
        if "synthetic" in found:
            memory_id = found["synthetic"].id
            with sqlite3.connect(db) as conn:  # the sources, fast: generating them takes minutes
                rows = conn.execute("SELECT source FROM units WHERE memory_id = ?", (memory_id,))
                return memory_id, [row[0] for row in rows]
        log(f"importing {units:,} synthetic units into {db} ...")
        pairs = list(SyntheticTM(seed=11).units(units))
        started = time.perf_counter()
        memory = await store.create_memory("synthetic")
        await store.add_units(memory.id, (TranslationUnit(s, t, "en", "de") for s, t in pairs))
        log(f"imported in {time.perf_counter() - started:.0f} s")
        return memory.id, [s for s, _ in pairs]


async def analysis(args: argparse.Namespace) -> dict[str, Any]:
    from service.analysis import analyze, translatable
    from service.documents import read_document

    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    db = args.db or DEFAULT_DB / f"analysis-{args.units}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    memory_id, sources = await analysis_memory(db, args.units)
    generator = SyntheticTM(seed=41)
    data = xliff(segments(generator, tag_free(sources), args.analysis_segments))
    del sources
    async with open_store(db) as store:
        started = time.perf_counter()
        await store.match([memory_id], "Warm up the index.", "en", "de", k=1)
        index_s = time.perf_counter() - started

        started = time.perf_counter()
        document = read_document(data, "guide.xlf", source_lang="en", target_lang="de")
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        leverage = await analyze(store, document, [memory_id])
        analyze_s = time.perf_counter() - started
    found = translatable(document)
    return {
        "units": args.units,
        "segments": len(found),
        "distinct_segments": len({s.source for s in found}),
        "document_bytes": len(data),
        "index_load_s": index_s,
        "read_s": read_s,
        "analyze_s": analyze_s,
        "total_s": read_s + analyze_s,
        "bands": {band: (c.segments, c.words) for band, c in leverage.bands.items()},
    }


def env_pair(text: str) -> tuple[str, str]:
    """`NAME=VALUE` from the command line."""
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> None:
    """Run the parts asked for and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jobs")
    parser.add_argument("--only", choices=("translate", "analysis"))
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[2_000, 10_000, 20_000], help="jobs, for RSS"
    )
    parser.add_argument(
        "--env", type=env_pair, action="append", default=[], help="NAME=VALUE for the service"
    )
    parser.add_argument(
        "--segment-sentences",
        type=int,
        default=1,
        help="sentences per segment (longer segments, same count: memory against bytes)",
    )
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10, help="seconds of direct load")
    parser.add_argument("--analysis-segments", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="the analysis memory's store, built or reused")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    if args.only in (None, "translate"):
        figures["translate"] = translate(args)
        t = figures["translate"]
        job = t["jobs"][str(args.segments)]
        log(
            f"job/stand-in: {t['ratio']:.3f} (goal >= 0.85); LLM calls {job['llm_calls']} for "
            f"{job['distinct_segments_needing_llm']} distinct segments needing the LLM"
        )
        log(f"service peak RSS growth over idle (load average {t['load_average']}):")
        log(growth_table(t["memory_growth"]))
    if args.only in (None, "analysis"):
        figures["analysis"] = asyncio.run(analysis(args))
        a = figures["analysis"]
        log(f"analysis of {a['segments']:,} segments: {a['total_s']:.1f} s (goal <= 60 s)")
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
