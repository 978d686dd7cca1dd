"""Translation-memory benchmark: a 1M-unit memory, fuzzy lookups, recall, imports, real data.

    python -m benchmarks.tm_fuzzy [--units 1000000] [--queries 500] [--json out.json]
    python -m benchmarks.tm_fuzzy --import-only --units 300000   # step 1 alone, to iterate

1. Generates a synthetic memory (`benchmarks.synthetic`: Zipf words, shared phrases, 35%
   near-duplicates), writes it as TMX, and imports the TMX into a fresh SQLite store
   (`FileUnits`: a child process reads the file, so the import uses two cores; every
   later step runs on one).
2. Reopens the store in this process (time to first lookup) and measures top-5 lookup
   latency on one core, index search alone and through `Store.match`.
3. Scores every query exhaustively with rapidfuzz over all units (same score) and reports
   recall@5 for true matches >= 50, and the speed-up.
4. Process RSS with the memory open, and the latency of adding one unit.
5. On the real data in ../shared/data/dev (when present): imports the TICO-19 TMX and
   glossary and reports how many segments have a match >= 50/75/95 in the rest.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from benchmarks.synthetic import SyntheticTM
from tm.formats import read_glossary, read_memory, write_memory
from tm.fuzzy import finalize, prepare
from tm.index import FuzzyIndex
from tm.models import TranslationUnit
from tm.store import open_store
from tm.store.file_import import FileUnits
from tm.store.sqlite import SQLiteStore

K = 5
MIN_SCORE = 50
DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev"


def percentiles(values: list[float]) -> dict[str, float]:
    arr = np.array(values)
    return {f"p{p}": round(float(np.percentile(arr, p)), 3) for p in (50, 90, 99)} | {
        "max": round(float(arr.max()), 3)
    }


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def build(units: int, workdir: Path) -> tuple[dict[str, Any], list[str], str]:
    """Generate, write TMX, import it; returns figures, sources (for queries), memory id."""
    generator = SyntheticTM(seed=11)
    tmx = workdir / "synthetic.tmx"
    started = time.perf_counter()
    pairs = list(generator.units(units))
    generate_s = time.perf_counter() - started
    with tmx.open("wb") as out:
        write_memory(
            (TranslationUnit(s, t, "en", "fr", tuid=str(i)) for i, (s, t) in enumerate(pairs)),
            out,
            "tmx",
            source_lang="en",
        )
        # on disk before the timed import starts: writing it back is not the import's work
        out.flush()
        os.fsync(out.fileno())
    log(f"generated {units:,} units in {generate_s:.1f}s; TMX {tmx.stat().st_size / 1e6:.0f} MB")
    store = SQLiteStore(workdir / "tm.sqlite3")
    memory = await store.create_memory("synthetic")
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = await store.add_units(memory.id, FileUnits(tmx))  # read in a child process
    import_s = time.perf_counter() - started
    import_cpu_s = cpu_seconds() - cpu_started
    await store.close()
    log(f"imported {result.total:,} units in {import_s:.1f}s ({import_cpu_s:.1f}s CPU)")
    sources = [s for s, _ in pairs]
    figures = {
        "units": units,
        "near_duplicate_share": 0.35,
        "tmx_import_units_per_s": round(result.total / import_s),
        "tmx_import_s": round(import_s, 1),
        # CPU time of this process and its reader child: on a busy machine, wall time also
        # counts others' work
        "tmx_import_cpu_s": round(import_cpu_s, 1),
        "tmx_import_units_per_cpu_s": round(result.total / import_cpu_s),
    }
    return figures, sources, memory.id


def exhaustive_top(index: FuzzyIndex, query: str) -> tuple[list[int], float]:
    """Top-5 scores by scoring all units with rapidfuzz (same score), and the time taken."""
    started = time.perf_counter()
    q = prepare(query)
    q_enc = "".join(chr(index._vocab.get(t, 0)) for t in q.tokens)
    sims = process.cdist(
        [q_enc],
        index._encoded,
        scorer=Levenshtein.normalized_similarity,
        dtype=np.float64,
        workers=1,
    )[0]
    candidates = np.flatnonzero(sims >= (MIN_SCORE - 0.5) / 100)
    scores = sorted(
        (finalize(q, prepare(index._sources[row]), float(sims[row])) for row in candidates),
        reverse=True,
    )
    return [s for s in scores if s >= MIN_SCORE][:K], time.perf_counter() - started


async def measure(
    workdir: Path, memory_id: str, sources: list[str], queries: int, exhaustive_queries: int
) -> dict[str, Any]:
    proc = psutil.Process()
    started = time.perf_counter()
    store = SQLiteStore(workdir / "tm.sqlite3")
    await store.match([memory_id], "warm up", "en", "fr")
    open_s = time.perf_counter() - started
    rss_open = proc.memory_info().rss
    index = store._indexes[(memory_id, "en-Latn")]
    log(f"opened in {open_s:.1f}s; RSS {rss_open / 2**20:.0f} MiB")

    generator = SyntheticTM(seed=23)
    generator.rng.seed(23)
    workload = list(generator.queries(sources, queries))
    search_ms, match_ms, results = [], [], []
    for _, query in workload:
        t0 = time.perf_counter()
        hits = index.search(prepare(query), K, MIN_SCORE, "fr-Latn")
        search_ms.append((time.perf_counter() - t0) * 1000)
        results.append([h.score for h in hits])
        t0 = time.perf_counter()
        await store.match([memory_id], query, "en", "fr", k=K)
        match_ms.append((time.perf_counter() - t0) * 1000)

    true_matches = found = 0
    exhaustive_s: list[float] = []
    for (_, query), got in list(zip(workload, results, strict=True))[:exhaustive_queries]:
        expected, seconds = exhaustive_top(index, query)
        exhaustive_s.append(seconds)
        true_matches += len(expected)
        padded = got + [0] * K
        found += sum(1 for i, score in enumerate(expected) if padded[i] >= score)
    recall = found / true_matches if true_matches else 1.0
    speedup = statistics.mean(exhaustive_s) * 1000 / statistics.mean(search_ms)

    add_ms = []
    for i in range(200):
        unit = TranslationUnit(f"A brand new correction number {i}", f"Correction {i}", "en", "fr")
        t0 = time.perf_counter()
        await store.add_units(memory_id, [unit])
        add_ms.append((time.perf_counter() - t0) * 1000)
    found_new = await store.match([memory_id], "A brand new correction number 199", "en", "fr")
    await store.close()
    return {
        "open_to_first_lookup_s": round(open_s, 1),
        "rss_mib_with_memory_open": round(rss_open / 2**20),
        "queries": len(workload),
        "search_ms": percentiles(search_ms),
        "store_match_ms": percentiles(match_ms),
        "exhaustive_queries": len(exhaustive_s),
        "exhaustive_ms_mean": round(statistics.mean(exhaustive_s) * 1000, 1),
        "true_matches_ge_50": true_matches,
        "recall_at_5": round(recall, 4),
        "speedup_vs_exhaustive": round(speedup),
        "add_one_unit_ms": percentiles(add_ms),
        "added_unit_found_next_lookup": bool(found_new and found_new[0].score == 100),
    }


async def real_data(data_dir: Path, workdir: Path) -> dict[str, Any]:
    tmx, glossary_csv = data_dir / "tico19.en-fr.tmx", data_dir / "tico19.en-fr.glossary.csv"
    if not tmx.exists():
        return {"skipped": f"{data_dir} not found"}
    async with open_store(workdir / "tico.sqlite3") as store:
        memory = await store.create_memory("tico19")
        started = time.perf_counter()
        added = await store.add_units(memory.id, read_memory(tmx))
        import_s = time.perf_counter() - started
        glossary = await store.create_glossary("tico19", "en", "fr")
        entries = await store.add_entries(
            glossary.id, read_glossary(glossary_csv, "csv", "en", "fr")
        )
        units = [u async for u in store.iter_units(memory.id)]
        bands = {50: 0, 75: 0, 95: 0}
        for unit in units:
            matches = await store.match([memory.id], unit.source, "en", "fr", k=2)
            best = max((m.score for m in matches if m.unit.id != unit.id), default=0)
            for band in bands:
                bands[band] += best >= band
    return {
        "tico19_units": added.total,
        "tico19_import_s": round(import_s, 2),
        "tico19_glossary_entries": entries,
        "tico19_segments_with_match_in_rest": {f">={b}": n for b, n in bands.items()},
        "tico19_share_with_match_in_rest": {
            f">={b}": round(n / len(units), 3) for b, n in bands.items()
        },
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--exhaustive-queries",
        type=int,
        default=500,
        help="queries also scored exhaustively for recall (slow: ~0.3 s each)",
    )
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="stop after the TMX import (step 1), to measure it alone",
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adaptmt-bench-") as tmp:
        workdir = Path(tmp)
        figures, sources, memory_id = await build(args.units, workdir)  # two processes
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as specified
        if not args.import_only:
            figures |= await measure(
                workdir, memory_id, sources, args.queries, args.exhaustive_queries
            )
            figures |= await real_data(args.data_dir, workdir)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
