"""Service overhead benchmark: the pipeline's own time per segment, the LLM's excluded.

    python -m benchmarks.service_overhead [--units 1000000] [--glossary 50000]
                                          [--queries 500] [--db PATH] [--json out.json]

1. Builds (or reuses, at `--db`) a SQLite store with a synthetic memory of `--units` units
   (`benchmarks.synthetic`, 35% near-duplicates) and a `--glossary`-entry glossary of n-grams
   of those units (`benchmarks.tm_terms.synthetic_glossary`).
2. Starts the LLM stand-in in its own process (answering at once), and runs the real
   pipeline (`service.pipeline.Translator`, store, term index, prompts, checks, APE, the
   httpx client) in this process on one core, one segment at a time, over `--queries`
   queries of varied similarity (exact, light/medium/heavy edits, novel).
3. Reports, per segment: the pipeline's steps (TM lookup, term recognition, prompt
   building, checks: `SegmentResult.timings`, which exclude the LLM call) as p50/p90/p99,
   and the process CPU time per segment over the whole run (everything this process did,
   HTTP client included; the stand-in's CPU is in its own process).
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.service_throughput import _free_port, _wait_for
from benchmarks.synthetic import SyntheticTM
from benchmarks.tm_terms import synthetic_glossary
from service.llm import LLMClient, LLMConfig
from service.pipeline import Options, TranslationRequest, Translator
from tm.models import TranslationUnit
from tm.store import open_store

DEFAULT_DB = Path("/tmp/adaptmt-bench")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def prepare(db: Path, units: int, glossary_size: int) -> tuple[str, str, list[str]]:
    """The memory id, glossary id and the memory's sources (for queries), built if absent."""
    generator = SyntheticTM(seed=11)
    pairs = list(generator.units(units))
    sources = [s for s, _ in pairs]
    async with open_store(db) as store:
        memories = {m.name: m for m in await store.list_memories()}
        glossaries = {g.name: g for g in await store.list_glossaries()}
        if "synthetic" not in memories:
            log(f"importing {units:,} synthetic units into {db} ...")
            memory = await store.create_memory("synthetic")
            await store.add_units(memory.id, (TranslationUnit(s, t, "en", "fr") for s, t in pairs))
            memories["synthetic"] = memory
        if "terms" not in glossaries:
            log(f"building a {glossary_size:,}-entry glossary ...")
            glossary = await store.create_glossary("terms", "en", "fr")
            entries = synthetic_glossary(sources[::7], [t for _, t in pairs[::7]], glossary_size)
            await store.add_entries(glossary.id, entries)
            glossaries["terms"] = glossary
    return memories["synthetic"].id, glossaries["terms"].id, sources


def quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50": statistics.median(ordered),
        "p90": pick(0.9),
        "p99": pick(0.99),
        "mean": statistics.fmean(ordered),
    }


async def run(args: argparse.Namespace, llm_url: str) -> dict[str, Any]:
    db = args.db or DEFAULT_DB / f"overhead-{args.units}-{args.glossary}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    memory_id, glossary_id, sources = await prepare(db, args.units, args.glossary)
    queries = [q for _, q in SyntheticTM(seed=23).queries(sources, args.queries)]
    async with open_store(db) as store, LLMClient(LLMConfig(base_url=llm_url)) as llm:
        translator = Translator(store, llm)
        started = time.perf_counter()
        warm = TranslationRequest([queries[0]], "en", "fr", [memory_id], [glossary_id], Options())
        await translator.translate(warm)
        first_s = time.perf_counter() - started
        log(f"index and glossary loaded in {first_s:.1f}s")

        steps: dict[str, list[float]] = {"tm": [], "terms": [], "prompt": [], "checks": []}
        overhead: list[float] = []
        origins: dict[str, int] = {}
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        for query in queries:
            request = TranslationRequest([query], "en", "fr", [memory_id], [glossary_id])
            segment = (await translator.translate(request)).segments[0]
            t = segment.timings
            for name, value in (
                ("tm", t.tm_ms),
                ("terms", t.terms_ms),
                ("prompt", t.prompt_ms),
                ("checks", t.checks_ms),
            ):
                steps[name].append(value)
            overhead.append(t.tm_ms + t.terms_ms + t.prompt_ms + t.checks_ms)
            origin = str(segment.origin or "error")
            origins[origin] = origins.get(origin, 0) + 1
        cpu_ms = 1000 * (time.process_time() - cpu_started) / len(queries)
        wall_ms = 1000 * (time.perf_counter() - wall_started) / len(queries)
    return {
        "units": args.units,
        "glossary_entries": args.glossary,
        "queries": len(queries),
        "origins": origins,
        "first_request_s": first_s,
        "overhead_ms": quantiles(overhead),
        "steps_ms": {name: quantiles(values) for name, values in steps.items()},
        "process_cpu_ms_per_segment": cpu_ms,
        "wall_ms_per_segment": wall_ms,
    }


def main(argv: list[str] | None = None) -> None:
    """Build or reuse the data, run the queries and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_overhead")
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--glossary", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--db", type=Path, help="the store to build or reuse")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})  # one core for the pipeline; the stand-in gets core 0
    port = _free_port()
    command = ["taskset", "-c", "0", sys.executable, "-m", "eval.standin", "--port", str(port)]
    standin = subprocess.Popen(command)
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", standin)
        figures = asyncio.run(run(args, f"http://127.0.0.1:{port}/v1"))
    finally:
        standin.terminate()
        standin.wait()
    print(json.dumps(figures, indent=2))
    p50 = figures["overhead_ms"]["p50"]
    print(f"pipeline overhead per segment: p50 {p50:.2f} ms (goal <= 2 ms)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
