"""PostgreSQL store benchmark: a 1M-unit memory, top-5 lookups, recall, replicas, pg_trgm.

    python -m benchmarks.pg_fuzzy [--units 1000000] [--queries 500] [--json out.json]

Runs against `ADAPTMT_BENCH_POSTGRES` (default postgresql://postgres@127.0.0.1:5432/test)
in a database of its own, created and dropped here.

1. Generates a synthetic memory (`benchmarks.synthetic`, as `benchmarks.tm_fuzzy`) and
   imports it through `PostgresStore.add_units` (units resolved in memory, written by COPY).
2. Cold index load: a fresh store's first lookup (server-side cursor of id + tokens).
3. Top-5 lookup latency through `Store.match` (revision check, index search, unit fetch)
   over the queries, and recall@5 against exhaustive rapidfuzz scoring for matches >= 50.
4. Replicas: store A adds a unit, store B's very next lookup must find it (its latency).
5. For comparison, Weblate's approach: a pg_trgm GIN index on the source and a
   `similarity()` top-5 query with the `%` operator, on the same table.
"""

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from benchmarks.synthetic import SyntheticTM
from benchmarks.tm_fuzzy import exhaustive_top, percentiles
from tm.models import TranslationUnit
from tm.store.postgres import PostgresStore

K = 5
MIN_SCORE = 50
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
TRGM_THRESHOLD = 0.5  # pg_trgm.similarity_threshold for the `%` operator (Weblate-like)
TRGM_TIMEOUT_S = 60  # a pg_trgm query cancelled after this counts as this long (a lower bound)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def load(url: str, units: int) -> tuple[dict[str, Any], list[str], str]:
    generator = SyntheticTM(seed=11)
    started = time.perf_counter()
    pairs = list(generator.units(units))
    log(f"generated {units:,} units in {time.perf_counter() - started:.1f}s")
    async with PostgresStore(url) as store:
        memory = await store.create_memory("synthetic")
        started = time.perf_counter()
        result = await store.add_units(
            memory.id,
            (TranslationUnit(s, t, "en", "fr", tuid=str(i)) for i, (s, t) in enumerate(pairs)),
        )
        import_s = time.perf_counter() - started
    log(f"imported {result.total:,} units in {import_s:.1f}s")
    figures = {
        "units": units,
        "import_s": round(import_s, 1),
        "import_units_per_s": round(result.total / import_s),
    }
    return figures, [s for s, _ in pairs], memory.id


async def lookups(
    url: str, memory_id: str, sources: list[str], queries: int, exhaustive_queries: int
) -> tuple[dict[str, Any], list[str]]:
    async with PostgresStore(url) as store:
        await store.ping()
        started = time.perf_counter()
        await store.match([memory_id], "warm up", "en", "fr")
        cold_s = time.perf_counter() - started
        log(f"cold index load to first lookup: {cold_s:.1f}s")
        index = store._indexes[(memory_id, "en-Latn")].index
        generator = SyntheticTM(seed=23)
        generator.rng.seed(23)
        workload = [query for _, query in generator.queries(sources, queries)]
        match_ms, results = [], []
        for query in workload:
            t0 = time.perf_counter()
            found = await store.match([memory_id], query, "en", "fr", k=K)
            match_ms.append((time.perf_counter() - t0) * 1000)
            results.append([m.score for m in found])
        true_matches = hits = 0
        exhaustive_s = []
        for query, got in list(zip(workload, results, strict=True))[:exhaustive_queries]:
            expected, seconds = exhaustive_top(index, query)
            exhaustive_s.append(seconds)
            true_matches += len(expected)
            padded = got + [0] * K
            hits += sum(1 for i, score in enumerate(expected) if padded[i] >= score)
    figures = {
        "cold_index_load_s": round(cold_s, 1),
        "queries": len(workload),
        "match_ms": percentiles(match_ms),
        "exhaustive_queries": len(exhaustive_s),
        "exhaustive_ms_mean": round(statistics.mean(exhaustive_s) * 1000, 1),
        "true_matches_ge_50": true_matches,
        "recall_at_5": round(hits / true_matches, 4) if true_matches else 1.0,
    }
    return figures, workload


async def replicas(url: str, memory_id: str, rounds: int) -> dict[str, Any]:
    """A unit added through store A, looked up at once through store B (both warm)."""
    async with PostgresStore(url) as a, PostgresStore(url) as b:
        await b.match([memory_id], "warm up", "en", "fr")
        next_ms, found = [], 0
        for i in range(rounds):
            source = f"Replica correction {secrets.token_hex(4)} number {i}"
            await a.add_units(memory_id, [TranslationUnit(source, f"Correction {i}", "en", "fr")])
            t0 = time.perf_counter()
            matches = await b.match([memory_id], source, "en", "fr", k=K)
            next_ms.append((time.perf_counter() - t0) * 1000)
            found += bool(matches and matches[0].unit.source == source)
    return {"replica_next_lookup_ms": percentiles(next_ms), "replica_found": f"{found}/{rounds}"}


def trigram(url: str, memory_id: str, workload: list[str], queries: int) -> dict[str, Any]:
    """Weblate's way: pg_trgm GIN index, `%` filter, ORDER BY similarity, top 5."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        started = time.perf_counter()
        conn.execute("CREATE INDEX units_trgm ON units USING gin (source gin_trgm_ops)")
        build_s = time.perf_counter() - started
        log(f"pg_trgm GIN index built in {build_s:.1f}s")
        conn.execute(f"SET pg_trgm.similarity_threshold = {TRGM_THRESHOLD}")
        conn.execute("ANALYZE units")
        conn.execute(f"SET statement_timeout = '{TRGM_TIMEOUT_S}s'")
        ms, timeouts = [], 0
        for query in workload[:queries]:
            t0 = time.perf_counter()
            try:
                conn.execute(
                    "SELECT id, similarity(source, %s) AS s FROM units"
                    " WHERE memory_id = %s AND source %% %s ORDER BY s DESC LIMIT 5",
                    (query, memory_id, query),
                ).fetchall()
                ms.append((time.perf_counter() - t0) * 1000)
            except psycopg.errors.QueryCanceled:
                ms.append(TRGM_TIMEOUT_S * 1000.0)
                timeouts += 1
    return {
        "trgm_index_build_s": round(build_s, 1),
        "trgm_queries": len(ms),
        "trgm_timeouts": timeouts,
        "trgm_ms": percentiles(ms),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--exhaustive-queries", type=int, default=100)
    parser.add_argument("--replica-rounds", type=int, default=100)
    parser.add_argument("--trgm-queries", type=int, default=10, help="0: skip pg_trgm")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--one-core", action="store_true", help="pin this process to one core")
    args = parser.parse_args()
    if args.one_core and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    server = os.environ.get("ADAPTMT_BENCH_POSTGRES", DEFAULT_SERVER)
    name = f"adaptmt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = with_database(server, name)
    try:
        figures, sources, memory_id = await load(url, args.units)
        measured, workload = await lookups(
            url, memory_id, sources, args.queries, args.exhaustive_queries
        )
        figures |= measured
        figures |= await replicas(url, memory_id, args.replica_rounds)
        if args.trgm_queries:
            figures |= trigram(url, memory_id, workload, args.trgm_queries)
            ratio = figures["trgm_ms"]["p50"] / figures["match_ms"]["p50"]
            figures["adaptmt_vs_trgm_p50_speedup"] = round(ratio)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    asyncio.run(main())
