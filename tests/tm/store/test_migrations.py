"""Schema versions: new databases are initialised, outdated ones upgraded, newer ones refused."""

import asyncio

import pytest

from tests.databases import execute
from tm.store import open_store, postgres_schema
from tm.store.base import SchemaOutdated, SchemaTooNew
from tm.store.migrations import schema_status, upgrade_schema


def set_version(url: str, version: int) -> None:
    if url.startswith("sqlite:"):
        execute(url, f"PRAGMA user_version = {version}")
    else:
        execute(url, "UPDATE adaptmt_schema SET version = ?", (version,))


async def test_a_new_database_is_initialised_on_open(url: str) -> None:
    assert (await schema_status(url)).state == "new"
    async with open_store(url) as store:
        await store.create_memory("client")
    status = await schema_status(url)
    assert (status.state, status.current) == ("current", status.latest)


async def test_upgrading_a_current_database_applies_nothing(url: str) -> None:
    before, after = await upgrade_schema(url)
    assert (before.state, after.state) == ("new", "current")
    again_before, again_after = await upgrade_schema(url)
    assert again_before == again_after == after


async def test_a_database_of_a_newer_release_is_refused(url: str) -> None:
    await upgrade_schema(url)
    latest = (await schema_status(url)).latest
    set_version(url, latest + 1)
    assert (await schema_status(url)).state == "newer"
    with pytest.raises(SchemaTooNew, match=f"version {latest + 1}"):
        async with open_store(url) as store:
            await store.list_memories()
    with pytest.raises(SchemaTooNew):
        await upgrade_schema(url)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_outdated_shared_database_needs_db_upgrade(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with open_store(url) as store:
        memory = await store.create_memory("client")
    next_release = [*postgres_schema.MIGRATIONS, "ALTER TABLE memories ADD COLUMN color TEXT"]
    monkeypatch.setattr(postgres_schema, "MIGRATIONS", next_release)
    monkeypatch.setattr(postgres_schema, "LATEST", len(next_release))
    assert (await schema_status(url)).state == "outdated"
    with pytest.raises(SchemaOutdated, match="run `adaptmt db upgrade`"):
        async with open_store(url) as store:
            await store.list_memories()
    before, after = await upgrade_schema(url)
    assert (before.current, after.current, after.state) == (1, 2, "current")
    async with open_store(url) as store:
        assert [m.id for m in await store.list_memories()] == [memory.id]
    assert execute(url, "SELECT color FROM memories") == [(None,)]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_replicas_starting_together_initialise_once(url: str) -> None:
    stores = [open_store(url) for _ in range(4)]
    try:
        await asyncio.gather(*(store.ping() for store in stores))
    finally:
        await asyncio.gather(*(store.close() for store in stores))
    assert execute(url, "SELECT version FROM adaptmt_schema") == [(postgres_schema.LATEST,)]
