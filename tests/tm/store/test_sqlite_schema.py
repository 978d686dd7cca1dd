"""Versioned migrations: a database written by an older version upgrades in place."""

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.tm.store.conftest import tu
from tm.models import GlossaryEntry
from tm.store import open_store
from tm.store.sqlite import SQLiteStore
from tm.store.sqlite_schema import MIGRATIONS


def version_1_database(path: Path) -> None:
    """A file as the first release of the store left it: a memory, a glossary of two terms."""
    with sqlite3.connect(path) as conn:
        conn.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
        conn.execute(
            "INSERT INTO memories (id, tenant, name, created_at)"
            " VALUES ('mem_old', 'local', 'old', '2024-05-01T10:00:00+00:00')"
        )
        conn.execute(
            "INSERT INTO glossaries (id, tenant, name, source_lang, target_lang, created_at)"
            " VALUES ('glo_old', 'local', 'terms', 'en', 'fr', '2024-05-01T10:00:00+00:00')"
        )
        conn.executemany(
            "INSERT INTO glossary_entries (glossary_id, source, targets) VALUES ('glo_old', ?, ?)",
            [("file", '["fichier"]'), ("folder", '["dossier"]')],
        )


async def test_a_version_1_database_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version_1_database(path)
    async with open_store(path) as store:
        memory = await store.get_memory("mem_old")
        glossary = await store.get_glossary("glo_old")
        assert (memory.revision, glossary.revision, glossary.entry_count) == (0, 0, 2)
        await store.add_units("mem_old", [tu("Open the file", "Ouvrir le fichier")])
        await store.add_entries("glo_old", [GlossaryEntry("window", ["fenêtre"])])
        _, secret = await store.create_key("acme")
    async with open_store(path) as reopened:  # nothing left to migrate
        assert (await reopened.get_memory("mem_old")).revision == 1
        assert (await reopened.get_glossary("glo_old")).entry_count == 3
        assert await reopened.find_key(secret) is not None
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_stores_opened_at_once_on_a_new_file_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    start = threading.Barrier(4)

    def open_and_close() -> int:
        start.wait()
        store = SQLiteStore(path)
        asyncio.run(store.close())
        return 1

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(lambda _: open_and_close(), range(4))) == 4
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
