"""The embedded store: one SQLite file (WAL), fuzzy lookups from in-memory indexes.

One writer thread owns the write connection, so writes are serialised and each
`add_units` call is one transaction; readers use their own connections in a small thread
pool and never block the writer (WAL). Fuzzy indexes (`tm.index.FuzzyIndex`, one per
memory and source-language family) are built on first lookup from the `tokens` column and
kept current by the writer after each commit, so a unit is found by the very next lookup.

Another process may write to the same file (the CLI importing into a memory a server has
loaded). Before a lookup, the reader checks `PRAGMA data_version`, which changes only when
another connection committed; only then does it compare the revision each loaded index
reflects with its memory's revision in the database, and indexes that are behind are
dropped and rebuilt from the database on their next use.
"""

import asyncio
import json
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from tm import langs
from tm.errors import Conflict, NotFound, UnknownGlossary, UnknownKey, UnknownMemory
from tm.fuzzy import DEFAULT_MIN_SCORE, Prepared, prepare, surface
from tm.index import FuzzyIndex
from tm.models import (
    DEFAULT_TENANT,
    ApiKey,
    EditPeriod,
    Glossary,
    GlossaryEntry,
    Match,
    Memory,
    PostEdit,
    TranslationUnit,
)
from tm.store import sqlite_schema as schema
from tm.store.base import DEFAULT_MATCHES, AddResult, Store
from tm.store.records import (
    EXPORT_BATCH,
    KEY_DISPLAY_CHARS,
    KEY_TOUCH_INTERVAL,
    key_digest,
    new_id,
    new_key_secret,
    whole_seconds,
)
from tm.store.sqlite_jobs import SQLiteJobs
from tm.store.sqlite_units import (
    TOKEN_SEPARATOR,
    IndexChanges,
    UnitWriter,
    find_same_source,
    timestamp,
)

T = TypeVar("T")

log = logging.getLogger(__name__)

READER_THREADS = 4
INDEX_LOAD_BATCH = 50_000
SCORE_BATCH = 2_000
"""Sources `best_scores` looks up per reader call: few thread hops, and other requests'
lookups interleave between batches."""

IndexKey = tuple[str, str]  # (memory id, source family)
BestOf = Callable[[FuzzyIndex, Prepared, str], int | None]
"""What `best_scores` and `best_levels` ask each index for one query (and target family)."""
Transaction = Callable[[sqlite3.Connection], tuple[T, IndexChanges | None]]


class SQLiteStore(SQLiteJobs, Store):
    """The embedded default store: a SQLite file with in-memory fuzzy indexes (and jobs)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="adaptmt-sqlite-writer")
        self._readers = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="adaptmt-sqlite")
        self._local = threading.local()
        self._write_conn = schema.connect(self.path, writer=True)
        schema.migrate(self._write_conn)
        # owned by the writer thread; readers only take snapshots
        self._indexes: dict[IndexKey, FuzzyIndex] = {}
        self._revisions: dict[IndexKey, int] = {}  # the memory revision each index reflects
        self._tenants: dict[str, str] = {}  # memory id -> tenant, for loaded indexes
        self._key_touches: dict[str, datetime] = {}  # key id -> last `last_used_at` written

    # -- plumbing ----------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = schema.connect(self.path)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, lambda: fn(self._reader()))

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one write transaction on the writer thread."""
        return await self._write_indexed(lambda conn: (fn(conn), None))

    async def _write_indexed(self, fn: Transaction[T]) -> T:
        """Run a write transaction that changes units; its index changes follow the commit."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, self._transaction, fn)

    def _transaction(self, fn: Transaction[T]) -> T:
        """In the writer thread: run `fn` in a transaction, then apply its index changes."""
        conn = self._write_conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result, changes = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        if changes is not None:
            self._apply(changes)
        return result

    def _apply(self, changes: IndexChanges) -> None:
        for key, removed in changes.removed_by_index().items():
            if (index := self._indexes.get(key)) is not None:
                index.remove(removed)
        for key, added in changes.added_by_index().items():
            if (index := self._indexes.get(key)) is not None:
                index.add(added)
        if changes.revision is None:
            return
        for key, revision in self._revisions.items():
            # an index that missed another process's commit stays behind and is rebuilt
            if key[0] == changes.memory_id and revision == changes.revision - 1:
                self._revisions[key] = changes.revision

    async def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self._write_conn.close()

    async def ping(self) -> None:
        await self._read(lambda conn: conn.execute("SELECT 1").fetchone())

    # -- memories ----------------------------------------------------------------------------

    async def create_memory(
        self, name: str, *, tenant: str = DEFAULT_TENANT, description: str = ""
    ) -> Memory:
        created = whole_seconds(datetime.now(UTC))
        memory = Memory(new_id("mem"), name, tenant, description, 0, created)

        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO memories (id, tenant, name, description, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (memory.id, tenant, name, description, timestamp(created)),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"a memory named {name!r} already exists") from exc

        await self._write(insert)
        return memory

    async def get_memory(self, memory_id: str, *, tenant: str = DEFAULT_TENANT) -> Memory:
        row = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM memories WHERE id = ? AND tenant = ?", (memory_id, tenant)
            ).fetchone()
        )
        if row is None:
            raise UnknownMemory(f"no memory with id {memory_id!r}")
        return schema.memory(row)

    async def list_memories(self, *, tenant: str = DEFAULT_TENANT) -> list[Memory]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM memories WHERE tenant = ? ORDER BY name", (tenant,)
            ).fetchall()
        )
        return [schema.memory(row) for row in rows]

    async def delete_memory(self, memory_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "DELETE FROM memories WHERE id = ? AND tenant = ?", (memory_id, tenant)
            )
            if cur.rowcount == 0:
                raise UnknownMemory(f"no memory with id {memory_id!r}")
            self._forget([key for key in self._indexes if key[0] == memory_id])

        await self._write(delete)

    def _check_memory(self, conn: sqlite3.Connection, memory_id: str, tenant: str) -> None:
        row = conn.execute(
            "SELECT 1 FROM memories WHERE id = ? AND tenant = ?", (memory_id, tenant)
        ).fetchone()
        if row is None:
            raise UnknownMemory(f"no memory with id {memory_id!r}")

    def _bump_memory(self, conn: sqlite3.Connection, memory_id: str, unit_delta: int) -> int:
        """Count the units added (or removed) and return the memory's new revision."""
        revision: int = conn.execute(
            "UPDATE memories SET unit_count = unit_count + ?, revision = revision + 1"
            " WHERE id = ? RETURNING revision",
            (unit_delta, memory_id),
        ).fetchone()[0]
        return revision

    # -- units -------------------------------------------------------------------------------

    async def add_units(
        self, memory_id: str, units: Iterable[TranslationUnit], *, tenant: str = DEFAULT_TENANT
    ) -> AddResult:
        def add(conn: sqlite3.Connection) -> tuple[AddResult, IndexChanges]:
            self._check_memory(conn, memory_id, tenant)
            indexed = {family for m, family in self._indexes if m == memory_id}
            writer = UnitWriter(conn, memory_id, indexed)
            writer.write(units)
            added = writer.inserted - writer.deleted
            if writer.inserted or writer.updated or writer.deleted:
                writer.changes.revision = self._bump_memory(conn, memory_id, added)
            return AddResult(added, writer.updated), writer.changes

        return await self._write_indexed(add)

    async def get_unit(
        self, memory_id: str, unit_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> TranslationUnit:
        def fetch(conn: sqlite3.Connection) -> sqlite3.Row | None:
            self._check_memory(conn, memory_id, tenant)
            row: sqlite3.Row | None = conn.execute(
                "SELECT * FROM units WHERE id = ? AND memory_id = ?", (unit_id, memory_id)
            ).fetchone()
            return row

        row = await self._read(fetch)
        if row is None:
            raise NotFound(f"memory {memory_id!r} has no unit {unit_id}")
        return schema.unit(row)

    async def unit_by_source(
        self,
        memory_id: str,
        source: str,
        source_lang: str,
        target_lang: str,
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> TranslationUnit | None:
        pair = (langs.normalize_tag(source_lang), langs.normalize_tag(target_lang))
        key = surface(source)

        def fetch(conn: sqlite3.Connection) -> sqlite3.Row | None:
            self._check_memory(conn, memory_id, tenant)
            return find_same_source(conn, memory_id, pair, key)

        row = await self._read(fetch)
        return None if row is None else schema.unit(row)

    async def delete_unit(
        self, memory_id: str, unit_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        def delete(conn: sqlite3.Connection) -> tuple[None, IndexChanges]:
            self._check_memory(conn, memory_id, tenant)
            row = conn.execute(
                "DELETE FROM units WHERE id = ? AND memory_id = ? RETURNING source_family",
                (unit_id, memory_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"memory {memory_id!r} has no unit {unit_id}")
            changes = IndexChanges(memory_id)
            changes.removed.append((row["source_family"], unit_id))
            changes.revision = self._bump_memory(conn, memory_id, -1)
            return None, changes

        await self._write_indexed(delete)

    async def iter_units(
        self, memory_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> AsyncIterator[TranslationUnit]:
        await self.get_memory(memory_id, tenant=tenant)

        def batch_after(last: int) -> Callable[[sqlite3.Connection], list[sqlite3.Row]]:
            return lambda conn: conn.execute(
                "SELECT * FROM units WHERE memory_id = ? AND id > ? ORDER BY id LIMIT ?",
                (memory_id, last, EXPORT_BATCH),
            ).fetchall()

        last = 0
        while rows := await self._read(batch_after(last)):
            for row in rows:
                yield schema.unit(row)
            last = rows[-1]["id"]

    # -- matching ----------------------------------------------------------------------------

    async def match(
        self,
        memory_ids: Sequence[str],
        source: str,
        source_lang: str,
        target_lang: str,
        *,
        k: int = DEFAULT_MATCHES,
        min_score: int = DEFAULT_MIN_SCORE,
        tenant: str = DEFAULT_TENANT,
    ) -> list[Match]:
        source_family = langs.family(source_lang)
        target_family = langs.family(target_lang)
        query = prepare(source)
        indexes = [await self._index(m, source_family, tenant) for m in memory_ids]
        found = await self._read(
            lambda conn: (
                None
                if self._behind(conn)
                else self._search(conn, indexes, query, k, min_score, target_family)
            )
        )
        if found is not None:
            return found
        await self._drop_stale()  # another process changed a loaded memory
        indexes = [await self._index(m, source_family, tenant) for m in memory_ids]
        return await self._read(
            lambda conn: self._search(conn, indexes, query, k, min_score, target_family)
        )

    async def best_scores(
        self,
        memory_ids: Sequence[str],
        sources: Sequence[str],
        source_lang: str,
        target_lang: str,
        *,
        min_score: int = DEFAULT_MIN_SCORE,
        tenant: str = DEFAULT_TENANT,
    ) -> list[int | None]:
        def best(index: FuzzyIndex, query: Prepared, target_family: str) -> int | None:
            hits = index.search(query, 1, min_score, target_family)
            return hits[0].score if hits else None

        return await self._best_of(memory_ids, sources, source_lang, target_lang, tenant, best)

    async def best_levels(
        self,
        memory_ids: Sequence[str],
        sources: Sequence[str],
        source_lang: str,
        target_lang: str,
        levels: Sequence[int],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> list[int | None]:
        def best(index: FuzzyIndex, query: Prepared, target_family: str) -> int | None:
            return index.best_level(query, levels, target_family)

        return await self._best_of(memory_ids, sources, source_lang, target_lang, tenant, best)

    async def _best_of(
        self,
        memory_ids: Sequence[str],
        sources: Sequence[str],
        source_lang: str,
        target_lang: str,
        tenant: str,
        best: BestOf,
    ) -> list[int | None]:
        """Each source's best value over the memories' indexes, `SCORE_BATCH` sources per
        reader call (no unit is fetched)."""
        families = langs.family(source_lang), langs.family(target_lang)
        found: list[int | None] = []
        for start in range(0, len(sources), SCORE_BATCH):
            queries = [prepare(source) for source in sources[start : start + SCORE_BATCH]]
            found += await self._best_batch(memory_ids, queries, families, tenant, best)
        return found

    async def _best_batch(
        self,
        memory_ids: Sequence[str],
        queries: list[Prepared],
        families: tuple[str, str],
        tenant: str,
        best: BestOf,
    ) -> list[int | None]:
        source_family, target_family = families
        indexes = [await self._index(m, source_family, tenant) for m in memory_ids]
        found = await self._read(
            lambda conn: (
                None if self._behind(conn) else _best(indexes, queries, target_family, best)
            )
        )
        if found is not None:
            return found
        await self._drop_stale()  # another process changed a loaded memory
        indexes = [await self._index(m, source_family, tenant) for m in memory_ids]
        return await self._read(lambda conn: _best(indexes, queries, target_family, best))

    def _search(
        self,
        conn: sqlite3.Connection,
        indexes: list[FuzzyIndex],
        query: Prepared,
        k: int,
        min_score: int,
        target_family: str,
    ) -> list[Match]:
        hits = sorted(
            (hit for index in indexes for hit in index.search(query, k, min_score, target_family)),
            key=lambda hit: -hit.score,
        )[:k]
        if not hits:
            return []
        marks = ",".join("?" * len(hits))
        rows = conn.execute(
            f"SELECT * FROM units WHERE id IN ({marks})", [hit.unit_id for hit in hits]
        ).fetchall()
        by_id = {row["id"]: row for row in rows}
        return [Match(schema.unit(by_id[h.unit_id]), h.score) for h in hits if h.unit_id in by_id]

    def _behind(self, conn: sqlite3.Connection) -> bool:
        """In a reader: whether another connection committed changes to a loaded memory."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == getattr(self._local, "data_version", None):
            return False
        behind = bool(self._stale_keys(conn, dict(self._revisions)))
        if not behind:
            self._local.data_version = version
        return behind

    def _stale_keys(self, conn: sqlite3.Connection, loaded: dict[IndexKey, int]) -> list[IndexKey]:
        """The loaded indexes whose memory's revision differs from the one they reflect."""
        memory_ids = list({memory_id for memory_id, _ in loaded})
        if not memory_ids:
            return []
        marks = ",".join("?" * len(memory_ids))
        current = dict(
            conn.execute(
                f"SELECT id, revision FROM memories WHERE id IN ({marks})", memory_ids
            ).fetchall()
        )
        return [key for key, revision in loaded.items() if current.get(key[0]) != revision]

    async def _drop_stale(self) -> None:
        def drop() -> None:
            self._forget(self._stale_keys(self._write_conn, self._revisions))

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, drop)

    def _forget(self, keys: Iterable[IndexKey]) -> None:
        """In the writer thread: drop loaded indexes (rebuilt on their next use)."""
        for key in keys:
            self._indexes.pop(key, None)
            self._revisions.pop(key, None)
        loaded = {memory_id for memory_id, _ in self._indexes}
        self._tenants = {m: t for m, t in self._tenants.items() if m in loaded}

    async def _index(self, memory_id: str, family: str, tenant: str) -> FuzzyIndex:
        """The memory's index for a source family, loaded from the database on first use."""
        index = self._indexes.get((memory_id, family))
        if index is not None and self._tenants.get(memory_id) == tenant:
            return index

        def load() -> FuzzyIndex:
            conn = self._write_conn
            conn.execute("BEGIN")  # one snapshot for the revision and the units
            try:
                row = conn.execute(
                    "SELECT revision FROM memories WHERE id = ? AND tenant = ?",
                    (memory_id, tenant),
                ).fetchone()
                if row is None:
                    raise UnknownMemory(f"no memory with id {memory_id!r}")
                found = self._indexes.get((memory_id, family))
                if found is not None:
                    return found
                index = FuzzyIndex()
                cursor = conn.execute(
                    "SELECT id, source, tokens, target_family FROM units"
                    " WHERE memory_id = ? AND source_family = ? ORDER BY id",
                    (memory_id, family),
                )
                while rows := cursor.fetchmany(INDEX_LOAD_BATCH):
                    index.add((r[0], r[1], r[2].split(TOKEN_SEPARATOR), r[3]) for r in rows)
                index.compact()
            finally:
                conn.execute("COMMIT")
            self._indexes[(memory_id, family)] = index
            self._revisions[(memory_id, family)] = row[0]
            self._tenants[memory_id] = tenant
            return index

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, load)

    # -- glossaries --------------------------------------------------------------------------

    async def create_glossary(
        self, name: str, source_lang: str, target_lang: str, *, tenant: str = DEFAULT_TENANT
    ) -> Glossary:
        glossary = Glossary(
            new_id("glo"),
            name,
            langs.normalize_tag(source_lang),
            langs.normalize_tag(target_lang),
            tenant,
            0,
            whole_seconds(datetime.now(UTC)),
        )

        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO glossaries (id, tenant, name, source_lang, target_lang,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        glossary.id,
                        tenant,
                        name,
                        glossary.source_lang,
                        glossary.target_lang,
                        timestamp(glossary.created_at),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"a glossary named {name!r} already exists") from exc

        await self._write(insert)
        return glossary

    async def get_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> Glossary:
        row = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM glossaries WHERE id = ? AND tenant = ?", (glossary_id, tenant)
            ).fetchone()
        )
        if row is None:
            raise UnknownGlossary(f"no glossary with id {glossary_id!r}")
        return schema.glossary(row)

    async def list_glossaries(self, *, tenant: str = DEFAULT_TENANT) -> list[Glossary]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM glossaries WHERE tenant = ? ORDER BY name", (tenant,)
            ).fetchall()
        )
        return [schema.glossary(row) for row in rows]

    async def delete_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "DELETE FROM glossaries WHERE id = ? AND tenant = ?", (glossary_id, tenant)
            )
            if cur.rowcount == 0:
                raise UnknownGlossary(f"no glossary with id {glossary_id!r}")

        await self._write(delete)

    def _check_glossary(self, conn: sqlite3.Connection, glossary_id: str, tenant: str) -> None:
        row = conn.execute(
            "SELECT 1 FROM glossaries WHERE id = ? AND tenant = ?", (glossary_id, tenant)
        ).fetchone()
        if row is None:
            raise UnknownGlossary(f"no glossary with id {glossary_id!r}")

    async def add_entries(
        self,
        glossary_id: str,
        entries: Iterable[GlossaryEntry],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> int:
        def add(conn: sqlite3.Connection) -> int:
            self._check_glossary(conn, glossary_id, tenant)
            written = 0
            for entry in entries:
                conn.execute(
                    "INSERT INTO glossary_entries (glossary_id, source, targets, forbidden,"
                    " case_sensitive, do_not_translate, part_of_speech, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (glossary_id, source) DO UPDATE SET"
                    " targets = excluded.targets, forbidden = excluded.forbidden,"
                    " case_sensitive = excluded.case_sensitive,"
                    " do_not_translate = excluded.do_not_translate,"
                    " part_of_speech = excluded.part_of_speech, note = excluded.note",
                    (
                        glossary_id,
                        entry.source.strip(),
                        json.dumps(entry.targets),
                        json.dumps(entry.forbidden),
                        int(entry.case_sensitive),
                        int(entry.do_not_translate),
                        entry.part_of_speech,
                        entry.note,
                    ),
                )
                written += 1
            if written:
                conn.execute(
                    "UPDATE glossaries SET revision = revision + 1, entry_count ="
                    " (SELECT COUNT(*) FROM glossary_entries WHERE glossary_id = ?) WHERE id = ?",
                    (glossary_id, glossary_id),
                )
            return written

        return await self._write(add)

    async def delete_entry(
        self, glossary_id: str, entry_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            self._check_glossary(conn, glossary_id, tenant)
            cur = conn.execute(
                "DELETE FROM glossary_entries WHERE id = ? AND glossary_id = ?",
                (entry_id, glossary_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"glossary {glossary_id!r} has no entry {entry_id}")
            conn.execute(
                "UPDATE glossaries SET entry_count = entry_count - 1, revision = revision + 1"
                " WHERE id = ?",
                (glossary_id,),
            )

        await self._write(delete)

    async def entries(
        self, glossary_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> list[GlossaryEntry]:
        def fetch(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            self._check_glossary(conn, glossary_id, tenant)
            return conn.execute(
                "SELECT * FROM glossary_entries WHERE glossary_id = ? ORDER BY id",
                (glossary_id,),
            ).fetchall()

        return [schema.entry(row) for row in await self._read(fetch)]

    # -- API keys ----------------------------------------------------------------------------

    async def create_key(self, tenant: str, *, name: str = "") -> tuple[ApiKey, str]:
        secret = new_key_secret()
        created = whole_seconds(datetime.now(UTC))
        key = ApiKey(new_id("key"), tenant, name, secret[:KEY_DISPLAY_CHARS], created)
        await self._write(
            lambda conn: conn.execute(
                "INSERT INTO api_keys (id, tenant, name, prefix, digest, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key.id, tenant, name, key.prefix, key_digest(secret), timestamp(created)),
            )
        )
        return key, secret

    async def find_key(self, secret: str) -> ApiKey | None:
        row = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM api_keys WHERE digest = ?", (key_digest(secret),)
            ).fetchone()
        )
        if row is None:
            return None
        key = schema.api_key(row)
        last = max(
            (t for t in (key.last_used_at, self._key_touches.get(key.id)) if t is not None),
            default=None,
        )
        now = whole_seconds(datetime.now(UTC))
        if last is not None and now - last < KEY_TOUCH_INTERVAL:
            key.last_used_at = last
            return key
        key.last_used_at = self._key_touches[key.id] = now

        def touch(conn: sqlite3.Connection) -> tuple[None, None]:
            conn.execute(
                "UPDATE api_keys SET last_used_at = ? WHERE id = ?", (timestamp(now), key.id)
            )
            return None, None

        # not awaited: a request must not wait for the writer (an import may hold it)
        self._writer.submit(self._transaction, touch).add_done_callback(_log_failure)
        return key

    async def list_keys(self, *, tenant: str | None = None) -> list[ApiKey]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM api_keys WHERE ? IS NULL OR tenant = ? ORDER BY tenant, rowid",
                (tenant, tenant),
            ).fetchall()
        )
        return [schema.api_key(row) for row in rows]

    async def revoke_key(self, key_id: str) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            if conn.execute("DELETE FROM api_keys WHERE id = ?", (key_id,)).rowcount == 0:
                raise UnknownKey(f"no API key with id {key_id!r}")

        await self._write(delete)
        self._key_touches.pop(key_id, None)

    async def count_keys(self) -> int:
        count: int = await self._read(
            lambda conn: conn.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0]
        )
        return count

    # -- post-editing ------------------------------------------------------------------------

    async def record_edit(self, edit: PostEdit, *, tenant: str = DEFAULT_TENANT) -> None:
        if not 0.0 <= edit.distance <= 1.0:
            raise ValueError(f"an edit distance is between 0 and 1, not {edit.distance}")

        def insert(conn: sqlite3.Connection) -> None:
            self._check_memory(conn, edit.memory_id, tenant)
            conn.execute(
                "INSERT INTO post_edits (memory_id, unit_id, source, proposal, final, distance,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    edit.memory_id,
                    edit.unit_id,
                    edit.source,
                    edit.proposal,
                    edit.final,
                    edit.distance,
                    timestamp(edit.created_at),
                ),
            )

        await self._write(insert)

    async def edit_stats(
        self, memory_id: str, *, tenant: str = DEFAULT_TENANT, days: int | None = None
    ) -> list[EditPeriod]:
        if days is not None and days < 1:
            raise ValueError(f"days counts whole days back from today, at least 1, not {days}")
        today = datetime.now(UTC).date()
        since = "" if days is None else (today - timedelta(days=days - 1)).isoformat()

        def fetch(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            self._check_memory(conn, memory_id, tenant)
            return conn.execute(
                "SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS count,"
                " AVG(distance) AS mean_distance, SUM(distance = 0) AS unchanged"
                " FROM post_edits WHERE memory_id = ? AND created_at >= ?"
                " GROUP BY day ORDER BY day",
                (memory_id, since),
            ).fetchall()

        return [schema.edit_period(row) for row in await self._read(fetch)]


def _log_failure(future: "Future[None]") -> None:
    if (exc := future.exception()) is not None:
        log.warning("could not record when an API key was last used: %s", exc)


def _best(
    indexes: Sequence[FuzzyIndex], queries: Sequence[Prepared], target_family: str, best: BestOf
) -> list[int | None]:
    """In a reader: for each query, the highest of `best` over the indexes (None: none)."""
    found: list[int | None] = []
    for query in queries:
        values = [v for index in indexes if (v := best(index, query, target_family)) is not None]
        found.append(max(values, default=None))
    return found
