"""The PostgreSQL store's replica-local indexes and shared job queue: two stores, one database."""

import asyncio

import pytest

from tests.databases import execute
from tests.tm.store.conftest import tu
from tests.tm.store.test_sqlite_jobs import LEASE_S, spec
from tm.store import open_store, postgres
from tm.store.postgres import PostgresStore

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def pair(url: str) -> tuple[PostgresStore, PostgresStore]:
    """Two stores on one database, as two replicas would have."""
    a, b = open_store(url), open_store(url)
    assert isinstance(a, PostgresStore) and isinstance(b, PostgresStore)
    return a, b


async def sources(store: PostgresStore, memory_id: str, text: str) -> list[tuple[str, int]]:
    found = await store.match([memory_id], text, "en", "fr")
    return sorted((m.unit.source, m.score) for m in found)


async def test_a_replica_catches_up_from_the_change_log_without_rebuilding(url: str) -> None:
    a, b = pair(url)
    async with a, b:
        mem = await a.create_memory("client")
        await a.add_units(mem.id, [tu("Open the file", "Ouvrir le fichier", tuid="t1")])
        assert await sources(b, mem.id, "Open the file") == [("Open the file", 100)]
        loaded = b._indexes[(mem.id, "en-Latn")].index

        await a.add_units(mem.id, [tu("Open the folder", "Ouvrir le dossier", tuid="t1")])
        await a.add_units(mem.id, [tu("Close the file", "Fermer le fichier")])
        assert await sources(b, mem.id, "Open the file") == [
            ("Close the file", 66),
            ("Open the folder", 66),
        ]
        (unit,) = [m.unit for m in await b.match([mem.id], "Close the file", "en", "fr")]
        await a.delete_unit(mem.id, unit.id or 0)
        assert await sources(b, mem.id, "Open the file") == [("Open the folder", 66)]
        assert b._indexes[(mem.id, "en-Latn")].index is loaded  # replayed, not rebuilt


@pytest.mark.parametrize(("keep", "limit"), [(1, 10_000), (1_000, 0)])
async def test_a_replica_rebuilds_when_the_log_no_longer_covers_its_gap(
    url: str, monkeypatch: pytest.MonkeyPatch, keep: int, limit: int
) -> None:
    monkeypatch.setattr(postgres, "CHANGE_LOG_KEEP", keep)  # trimmed after each revision
    monkeypatch.setattr(postgres, "CHANGE_LOG_LIMIT", limit)  # or one reset per import
    a, b = pair(url)
    async with a, b:
        mem = await a.create_memory("client")
        await a.add_units(mem.id, [tu("Open the file", "Ouvrir le fichier")])
        assert await sources(b, mem.id, "Open the file") == [("Open the file", 100)]
        loaded = b._indexes[(mem.id, "en-Latn")].index
        await a.add_units(mem.id, [tu("Open the files", "Ouvrir les fichiers")])
        await a.add_units(mem.id, [tu("Close the file", "Fermer le fichier")])
        assert await sources(b, mem.id, "Open the file") == [
            ("Close the file", 66),
            ("Open the file", 100),
            ("Open the files", 66),
        ]
        assert b._indexes[(mem.id, "en-Latn")].index is not loaded


async def test_replicas_share_the_job_queue_without_taking_one_job_twice(url: str) -> None:
    a, b = pair(url)
    async with a, b:
        jobs = {(await a.create_job(spec(), b"x", 1)).id for _ in range(6)}
        claims = await asyncio.gather(
            *(store.claim_job(f"w{i}", lease_s=LEASE_S) for i, store in enumerate([a, b] * 4))
        )
        claimed = [job.id for job in claims if job is not None]
        assert sorted(claimed) == sorted(jobs)  # each job once; two claims found nothing
        assert claims.count(None) == 2


async def test_a_large_import_refreshes_the_planner_statistics(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "ANALYZE_AFTER_UNITS", 2)
    analyzed = (  # this test's own schema: other tests' schemas may hold a `units` table too
        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables"
        " WHERE relname = 'units' AND schemaname = current_schema()"
    )
    async with open_store(url) as store:
        mem = await store.create_memory("client")
        await store.add_units(mem.id, [tu("Open the file", "Ouvrir le fichier")])
        assert execute(url, analyzed) == [(False,)]
        await store.add_units(mem.id, [tu("Close it", "Fermez-le"), tu("Save it", "Gardez-le")])
        assert execute(url, analyzed) == [(True,)]
