"""Document jobs benchmark: a large document through the service, and leverage analysis.

    python -m benchmarks.jobs [--only translate|analysis] [--segments 10000] [--small 2000]
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
2. The job, from the upload to `done`, for `--small` and `--segments` segments (a fresh
   service each): LLM-translated segments per second of the whole job against that
   capacity (goal >= 0.85), document segments/s, the LLM calls counted at the stand-in
   against the distinct segments that need the LLM (no TM exact match: goal equal), and
   the service's peak RSS (VmHWM) at both sizes.

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

from benchmarks.documents import memory_sentences, segments, tag_free, xliff
from benchmarks.service_throughput import _free_port, _generator, _load, _start, _wait_for
from benchmarks.synthetic import SyntheticTM
from service.prompts import build_translation_prompt
from tm.models import TranslationUnit
from tm.store import open_store

DEFAULT_DB = Path("/tmp/adaptmt-bench")
JOB_MEMORY_UNITS = 20_000
POLL_S = 0.25
JOB_TIMEOUT_S = 600.0


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


def run_job(
    size: int, args: argparse.Namespace, standin_url: str, core: int | None
) -> dict[str, Any]:
    """One fresh service translating a `size`-segment document; its figures."""
    generator = SyntheticTM(seed=31)
    memory = memory_sentences(generator, JOB_MEMORY_UNITS)
    data = xliff(segments(generator, memory, size))
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
        }
        service = _start(["-m", "service.cli", "serve", "--port", str(port)], core, env)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(f"{url}/healthz", service)
            idle_rss, _ = peak_rss_mib(service.pid)
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
                elapsed = time.perf_counter() - started
                if job["state"] != "done":
                    raise RuntimeError(f"job {job['state']}: {job['error']}")
                result = api.get(f"/v1/jobs/{job['id']}/result").raise_for_status().content
            calls = stats(standin_url)["chat_requests"] - calls_before
            rss, peak = peak_rss_mib(service.pid)
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
        "service_rss_mib": {"idle": idle_rss, "after": rss, "peak": peak},
    }


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
        for size in dict.fromkeys((args.small, args.segments)):
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
        "standin_capacity_per_s": direct["items_per_s"],
        "standin_bound_per_s": args.concurrency / (args.latency_ms / 1000),
        "direct": direct,
        "jobs": runs,
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


def main(argv: list[str] | None = None) -> None:
    """Run the parts asked for and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jobs")
    parser.add_argument("--only", choices=("translate", "analysis"))
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_000, help="a smaller job, for RSS")
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
    if args.only in (None, "analysis"):
        figures["analysis"] = asyncio.run(analysis(args))
        a = figures["analysis"]
        log(f"analysis of {a['segments']:,} segments: {a['total_s']:.1f} s (goal <= 60 s)")
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
