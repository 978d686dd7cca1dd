"""The PostgreSQL store: shared memories for several service replicas (psycopg 3, async pool).

Every write is one transaction on a pooled connection. Writes to a memory's units lock its
row (`SELECT ... FOR UPDATE`), so they are serialised per memory, bump its revision and
append what they inserted and deleted to `unit_changes` under that revision (one 'r'eset
row instead when a transaction changed more than `CHANGE_LOG_LIMIT` units).

Fuzzy lookups use the exact in-memory `tm.index.FuzzyIndex`, one per memory and source
family, as a replica-local cache that is never stale: each `match` first reads the
memories' revisions (one indexed query); an index behind its memory replays the logged
changes since its revision (removals, then additions in id order) and is rebuilt from the
units only when the log no longer covers the gap (trimmed after `CHANGE_LOG_KEEP`
revisions, or a reset). So a unit committed by any replica is found by every replica's
very next lookup, and candidates are re-scored exactly as in `tm.fuzzy`.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection, errors
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import AsyncConnectionPool

from tm import langs
from tm.errors import Conflict, NotFound, UnknownGlossary, UnknownKey, UnknownMemory
from tm.fuzzy import DEFAULT_MIN_SCORE, TOKEN_SEPARATOR, Prepared, prepare, surface
from tm.index import FuzzyIndex, IndexHit
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
from tm.store import postgres_schema
from tm.store import sqlite_schema as rows
from tm.store.base import DEFAULT_MATCHES, AddResult, Store
from tm.store.postgres_jobs import PostgresJobs
from tm.store.postgres_units import PostgresUnitWriter
from tm.store.records import (
    EXPORT_BATCH,
    KEY_DISPLAY_CHARS,
    KEY_TOUCH_INTERVAL,
    key_digest,
    new_id,
    new_key_secret,
    whole_seconds,
)
from tm.store.unit_analysis import source_hash, timestamp
from tm.store.unit_identity import same_source

POOL_MIN = 1
POOL_MAX = 10  # connections per store (per replica)
INDEX_LOAD_BATCH = 50_000  # rows a cold index load fetches per round trip
CHANGE_LOG_LIMIT = 20_000  # changes one transaction logs unit by unit; more: one reset
CHANGE_LOG_KEEP = 1_000  # revisions of a memory whose changes stay in the log
# An import this large refreshes the planner's statistics at once: without them, the
# identity lookups of the next writes filter the whole memory instead of seeking its hash.
ANALYZE_AFTER_UNITS = 50_000

IndexKey = tuple[str, str]  # (memory id, source family)
Conn = AsyncConnection[dict[str, Any]]


@dataclass(slots=True)
class _Cached:
    """A loaded index and the memory revision it reflects."""

    index: FuzzyIndex
    revision: int
    tenant: str


class PostgresStore(PostgresJobs, Store):
    """Memories, glossaries, keys and jobs in PostgreSQL, with exact replica-local indexes."""

    def __init__(self, url: str, *, max_connections: int = POOL_MAX) -> None:
        self.url = url
        self._pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            url,
            open=False,
            min_size=POOL_MIN,
            max_size=max_connections,
            kwargs={"autocommit": True, "row_factory": dict_row},
        )
        self._opened = False
        self._open_lock = asyncio.Lock()
        self._indexes: dict[IndexKey, _Cached] = {}
        self._index_locks: dict[IndexKey, asyncio.Lock] = {}
        self._key_touches: dict[str, datetime] = {}

    # -- plumbing ----------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and check the schema (a new database is initialised); idempotent."""
        async with self._open_lock:
            if self._opened:
                return
            await self._pool.open(wait=True)
            try:
                async with self._pool.connection() as conn:
                    await postgres_schema.check(conn)
            except BaseException:
                await self._pool.close()
                raise
            self._opened = True

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[Conn]:
        if not self._opened:
            await self.open()
        async with self._pool.connection() as conn:
            yield conn

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[Conn]:
        async with self._conn() as conn, conn.transaction():
            yield conn

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        async with self._conn() as conn:
            cur = await conn.execute(sql.encode(), params)
            return None if cur.description is None else await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        async with self._conn() as conn:
            cur = await conn.execute(sql.encode(), params)
            return await cur.fetchall()

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> None:
        await self._one("SELECT 1")

    # -- memories ----------------------------------------------------------------------------

    async def create_memory(
        self, name: str, *, tenant: str = DEFAULT_TENANT, description: str = ""
    ) -> Memory:
        created = whole_seconds(datetime.now(UTC))
        memory = Memory(new_id("mem"), name, tenant, description, 0, created)
        try:
            await self._one(
                "INSERT INTO memories (id, tenant, name, description, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (memory.id, tenant, name, description, timestamp(created)),
            )
        except errors.UniqueViolation as exc:
            raise Conflict(f"a memory named {name!r} already exists") from exc
        return memory

    async def get_memory(self, memory_id: str, *, tenant: str = DEFAULT_TENANT) -> Memory:
        row = await self._one(
            "SELECT * FROM memories WHERE id = %s AND tenant = %s", (memory_id, tenant)
        )
        if row is None:
            raise UnknownMemory(f"no memory with id {memory_id!r}")
        return rows.memory(row)

    async def list_memories(self, *, tenant: str = DEFAULT_TENANT) -> list[Memory]:
        found = await self._all(
            'SELECT * FROM memories WHERE tenant = %s ORDER BY name COLLATE "C"', (tenant,)
        )
        return [rows.memory(row) for row in found]

    async def delete_memory(self, memory_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        row = await self._one(
            "DELETE FROM memories WHERE id = %s AND tenant = %s RETURNING id", (memory_id, tenant)
        )
        if row is None:
            raise UnknownMemory(f"no memory with id {memory_id!r}")
        self._forget(memory_id)

    def _forget(self, memory_id: str) -> None:
        """Drop the loaded indexes of a memory (deleted, here or by another replica)."""
        for key in [key for key in self._indexes if key[0] == memory_id]:
            self._indexes.pop(key, None)

    async def _memory_revision(
        self, conn: Conn, memory_id: str, tenant: str, *, lock: bool = False
    ) -> int:
        """The memory's revision (row locked for the transaction with `lock`)."""
        cur = await conn.execute(
            "SELECT revision FROM memories WHERE id = %s AND tenant = %s"
            + (" FOR UPDATE" if lock else ""),
            (memory_id, tenant),
        )
        row = await cur.fetchone()
        if row is None:
            raise UnknownMemory(f"no memory with id {memory_id!r}")
        return int(row["revision"])

    async def _bump_memory(
        self,
        conn: Conn,
        memory_id: str,
        revision: int,
        unit_delta: int,
        added: list[int],
        deleted: list[int],
    ) -> None:
        """Count the units, advance the revision and log the changes, in the caller's tx."""
        revision += 1
        await conn.execute(
            "UPDATE memories SET unit_count = unit_count + %s, revision = %s WHERE id = %s",
            (unit_delta, revision, memory_id),
        )
        log = "INSERT INTO unit_changes (memory_id, revision, op, unit_id) "
        if len(added) + len(deleted) > CHANGE_LOG_LIMIT:
            await conn.execute(log + "VALUES (%s, %s, 'r', NULL)", (memory_id, revision))
        elif not added and not deleted:  # targets changed only: the indexes stay as they are
            await conn.execute(log + "VALUES (%s, %s, 't', NULL)", (memory_id, revision))
        else:
            for op, ids in (("d", deleted), ("a", added)):
                if ids:
                    await conn.execute(
                        log + "SELECT %s, %s, %s, unnest(%s::bigint[])",
                        (memory_id, revision, op, ids),
                    )
        if revision > CHANGE_LOG_KEEP:
            await conn.execute(
                "DELETE FROM unit_changes WHERE memory_id = %s AND revision <= %s",
                (memory_id, revision - CHANGE_LOG_KEEP),
            )

    # -- units -------------------------------------------------------------------------------

    async def add_units(
        self, memory_id: str, units: Iterable[TranslationUnit], *, tenant: str = DEFAULT_TENANT
    ) -> AddResult:
        async with self._tx() as conn:
            revision = await self._memory_revision(conn, memory_id, tenant, lock=True)
            fresh = await PostgresUnitWriter.is_fresh(conn, memory_id)
            writer = PostgresUnitWriter(conn, memory_id, fresh)
            await writer.write(units)
            added = writer.inserted - writer.deleted
            if writer.inserted or writer.updated or writer.deleted:
                await self._bump_memory(
                    conn, memory_id, revision, added, writer.added_ids, writer.deleted_ids
                )
        if writer.inserted >= ANALYZE_AFTER_UNITS:
            await self._one("ANALYZE units")
        return AddResult(added, writer.updated)

    async def get_unit(
        self, memory_id: str, unit_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> TranslationUnit:
        async with self._conn() as conn:
            await self._memory_revision(conn, memory_id, tenant)
            cur = await conn.execute(
                "SELECT * FROM units WHERE id = %s AND memory_id = %s", (unit_id, memory_id)
            )
            row = await cur.fetchone()
        if row is None:
            raise NotFound(f"memory {memory_id!r} has no unit {unit_id}")
        return rows.unit(row)

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
        async with self._conn() as conn:
            await self._memory_revision(conn, memory_id, tenant)
            cur = await conn.execute(
                "SELECT * FROM units WHERE memory_id = %s AND source_lang = %s"
                " AND target_lang = %s AND source_hash = %s ORDER BY id",
                (memory_id, *pair, source_hash(key)),
            )
            row = same_source(await cur.fetchall(), key)
        return None if row is None else rows.unit(row)

    async def delete_unit(
        self, memory_id: str, unit_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        async with self._tx() as conn:
            revision = await self._memory_revision(conn, memory_id, tenant, lock=True)
            cur = await conn.execute(
                "DELETE FROM units WHERE id = %s AND memory_id = %s RETURNING id",
                (unit_id, memory_id),
            )
            if await cur.fetchone() is None:
                raise NotFound(f"memory {memory_id!r} has no unit {unit_id}")
            await self._bump_memory(conn, memory_id, revision, -1, [], [unit_id])

    async def iter_units(
        self, memory_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> AsyncIterator[TranslationUnit]:
        await self.get_memory(memory_id, tenant=tenant)
        last = 0
        while found := await self._all(
            "SELECT * FROM units WHERE memory_id = %s AND id > %s ORDER BY id LIMIT %s",
            (memory_id, last, EXPORT_BATCH),
        ):
            for row in found:
                yield rows.unit(row)
            last = found[-1]["id"]

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
        async with self._conn() as conn:
            cur = await conn.execute(
                "SELECT id, tenant, revision FROM memories WHERE id = ANY(%s)", (list(memory_ids),)
            )
            found = await cur.fetchall()
            revisions = {
                row["id"]: int(row["revision"]) for row in found if row["tenant"] == tenant
            }
            indexes = []
            for memory_id in memory_ids:
                if memory_id not in revisions:
                    if not any(row["id"] == memory_id for row in found):
                        self._forget(memory_id)  # deleted, maybe by another replica
                    raise UnknownMemory(f"no memory with id {memory_id!r}")
                key = (memory_id, source_family)
                indexes.append(await self._current(conn, key, revisions[memory_id], tenant))
            hits = await asyncio.to_thread(_search, indexes, query, k, min_score, target_family)
            if not hits:
                return []
            cur = await conn.execute(
                "SELECT * FROM units WHERE id = ANY(%s)", ([hit.unit_id for hit in hits],)
            )
            by_id = {row["id"]: row for row in await cur.fetchall()}
        return [Match(rows.unit(by_id[h.unit_id]), h.score) for h in hits if h.unit_id in by_id]

    async def _current(self, conn: Conn, key: IndexKey, revision: int, tenant: str) -> FuzzyIndex:
        """The index of `key` at `revision` or later: cached, caught up, or loaded."""
        cached = self._indexes.get(key)
        if cached is not None and cached.revision >= revision and cached.tenant == tenant:
            return cached.index
        lock = self._index_locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._indexes.get(key)
            usable = cached is not None and cached.tenant == tenant
            if (
                cached is not None
                and usable
                and (cached.revision >= revision or await self._catch_up(conn, key, cached))
            ):
                return cached.index
            cached = await self._load(conn, key, tenant)
            self._indexes[key] = cached
            return cached.index

    async def _catch_up(self, conn: Conn, key: IndexKey, cached: _Cached) -> bool:
        """Replay the logged changes since the index's revision; False if the log lacks some."""
        memory_id, family = key
        cur = await conn.execute(
            "SELECT c.revision, c.op, c.unit_id, u.source, u.tokens, u.target_family,"
            " u.source_family FROM unit_changes c LEFT JOIN units u ON u.id = c.unit_id"
            " WHERE c.memory_id = %s AND c.revision > %s ORDER BY c.revision, c.seq",
            (memory_id, cached.revision),
        )
        changes = await cur.fetchall()
        if not changes or changes[0]["revision"] != cached.revision + 1:
            return False
        if any(change["op"] == "r" for change in changes):
            return False
        removed = [c["unit_id"] for c in changes if c["op"] == "d"]
        added = sorted(
            (c["unit_id"], c["source"], c["tokens"].split(TOKEN_SEPARATOR), c["target_family"])
            for c in changes
            if c["op"] == "a" and c["source_family"] == family
        )

        def apply() -> None:
            cached.index.remove(removed)
            cached.index.add(added)

        await asyncio.to_thread(apply)
        cached.revision = changes[-1]["revision"]
        return True

    async def _load(self, conn: Conn, key: IndexKey, tenant: str) -> _Cached:
        """Build an index from the units, in one snapshot with the revision it reflects."""
        memory_id, family = key
        index = FuzzyIndex()
        async with conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            revision = await self._memory_revision(conn, memory_id, tenant)
            async with conn.cursor(name="adaptmt_index_load", row_factory=tuple_row) as cur:
                await cur.execute(
                    "SELECT id, source, tokens, target_family FROM units"
                    " WHERE memory_id = %s AND source_family = %s ORDER BY id",
                    (memory_id, family),
                )
                while batch := await cur.fetchmany(INDEX_LOAD_BATCH):
                    units = [(r[0], r[1], r[2].split(TOKEN_SEPARATOR), r[3]) for r in batch]
                    await asyncio.to_thread(index.add, units)
        await asyncio.to_thread(index.compact)
        return _Cached(index, revision, tenant)

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
        try:
            await self._one(
                "INSERT INTO glossaries (id, tenant, name, source_lang, target_lang,"
                " created_at) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    glossary.id,
                    tenant,
                    name,
                    glossary.source_lang,
                    glossary.target_lang,
                    timestamp(glossary.created_at),
                ),
            )
        except errors.UniqueViolation as exc:
            raise Conflict(f"a glossary named {name!r} already exists") from exc
        return glossary

    async def get_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> Glossary:
        row = await self._one(
            "SELECT * FROM glossaries WHERE id = %s AND tenant = %s", (glossary_id, tenant)
        )
        if row is None:
            raise UnknownGlossary(f"no glossary with id {glossary_id!r}")
        return rows.glossary(row)

    async def list_glossaries(self, *, tenant: str = DEFAULT_TENANT) -> list[Glossary]:
        found = await self._all(
            'SELECT * FROM glossaries WHERE tenant = %s ORDER BY name COLLATE "C"', (tenant,)
        )
        return [rows.glossary(row) for row in found]

    async def delete_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        row = await self._one(
            "DELETE FROM glossaries WHERE id = %s AND tenant = %s RETURNING id",
            (glossary_id, tenant),
        )
        if row is None:
            raise UnknownGlossary(f"no glossary with id {glossary_id!r}")

    async def _check_glossary(
        self, conn: Conn, glossary_id: str, tenant: str, *, lock: bool = False
    ) -> None:
        cur = await conn.execute(
            "SELECT 1 FROM glossaries WHERE id = %s AND tenant = %s"
            + (" FOR UPDATE" if lock else ""),
            (glossary_id, tenant),
        )
        if await cur.fetchone() is None:
            raise UnknownGlossary(f"no glossary with id {glossary_id!r}")

    async def add_entries(
        self,
        glossary_id: str,
        entries: Iterable[GlossaryEntry],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> int:
        async with self._tx() as conn:
            await self._check_glossary(conn, glossary_id, tenant, lock=True)
            values = [
                (
                    glossary_id,
                    entry.source.strip(),
                    json.dumps(entry.targets),
                    json.dumps(entry.forbidden),
                    int(entry.case_sensitive),
                    int(entry.do_not_translate),
                    entry.part_of_speech,
                    entry.note,
                )
                for entry in entries
            ]
            if not values:
                return 0
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO glossary_entries (glossary_id, source, targets, forbidden,"
                    " case_sensitive, do_not_translate, part_of_speech, note)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (glossary_id, source) DO UPDATE SET"
                    " targets = excluded.targets, forbidden = excluded.forbidden,"
                    " case_sensitive = excluded.case_sensitive,"
                    " do_not_translate = excluded.do_not_translate,"
                    " part_of_speech = excluded.part_of_speech, note = excluded.note",
                    values,
                )
            await conn.execute(
                "UPDATE glossaries SET revision = revision + 1, entry_count ="
                " (SELECT COUNT(*) FROM glossary_entries WHERE glossary_id = %s) WHERE id = %s",
                (glossary_id, glossary_id),
            )
            return len(values)

    async def delete_entry(
        self, glossary_id: str, entry_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        async with self._tx() as conn:
            await self._check_glossary(conn, glossary_id, tenant, lock=True)
            cur = await conn.execute(
                "DELETE FROM glossary_entries WHERE id = %s AND glossary_id = %s RETURNING id",
                (entry_id, glossary_id),
            )
            if await cur.fetchone() is None:
                raise NotFound(f"glossary {glossary_id!r} has no entry {entry_id}")
            await conn.execute(
                "UPDATE glossaries SET entry_count = entry_count - 1, revision = revision + 1"
                " WHERE id = %s",
                (glossary_id,),
            )

    async def entries(
        self, glossary_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> list[GlossaryEntry]:
        async with self._conn() as conn:
            await self._check_glossary(conn, glossary_id, tenant)
            cur = await conn.execute(
                "SELECT * FROM glossary_entries WHERE glossary_id = %s ORDER BY id",
                (glossary_id,),
            )
            return [rows.entry(row) for row in await cur.fetchall()]

    # -- API keys ----------------------------------------------------------------------------

    async def create_key(self, tenant: str, *, name: str = "") -> tuple[ApiKey, str]:
        secret = new_key_secret()
        created = whole_seconds(datetime.now(UTC))
        key = ApiKey(new_id("key"), tenant, name, secret[:KEY_DISPLAY_CHARS], created)
        await self._one(
            "INSERT INTO api_keys (id, tenant, name, prefix, digest, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (key.id, tenant, name, key.prefix, key_digest(secret), timestamp(created)),
        )
        return key, secret

    async def find_key(self, secret: str) -> ApiKey | None:
        row = await self._one("SELECT * FROM api_keys WHERE digest = %s", (key_digest(secret),))
        if row is None:
            return None
        key = rows.api_key(row)
        last = max(
            (t for t in (key.last_used_at, self._key_touches.get(key.id)) if t is not None),
            default=None,
        )
        now = whole_seconds(datetime.now(UTC))
        if last is not None and now - last < KEY_TOUCH_INTERVAL:
            key.last_used_at = last
            return key
        key.last_used_at = self._key_touches[key.id] = now
        await self._one(
            "UPDATE api_keys SET last_used_at = %s WHERE id = %s", (timestamp(now), key.id)
        )
        return key

    async def list_keys(self, *, tenant: str | None = None) -> list[ApiKey]:
        found = await self._all(
            "SELECT * FROM api_keys WHERE %s::text IS NULL OR tenant = %s"
            ' ORDER BY tenant COLLATE "C", seq',
            (tenant, tenant),
        )
        return [rows.api_key(row) for row in found]

    async def revoke_key(self, key_id: str) -> None:
        if await self._one("DELETE FROM api_keys WHERE id = %s RETURNING id", (key_id,)) is None:
            raise UnknownKey(f"no API key with id {key_id!r}")
        self._key_touches.pop(key_id, None)

    async def count_keys(self) -> int:
        row = await self._one("SELECT COUNT(*) AS n FROM api_keys")
        return int(row["n"]) if row else 0

    # -- post-editing ------------------------------------------------------------------------

    async def record_edit(self, edit: PostEdit, *, tenant: str = DEFAULT_TENANT) -> None:
        if not 0.0 <= edit.distance <= 1.0:
            raise ValueError(f"an edit distance is between 0 and 1, not {edit.distance}")
        async with self._tx() as conn:
            await self._memory_revision(conn, edit.memory_id, tenant)
            await conn.execute(
                "INSERT INTO post_edits (memory_id, unit_id, source, proposal, final, distance,"
                " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
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

    async def edit_stats(
        self, memory_id: str, *, tenant: str = DEFAULT_TENANT, days: int | None = None
    ) -> list[EditPeriod]:
        if days is not None and days < 1:
            raise ValueError(f"days counts whole days back from today, at least 1, not {days}")
        today = datetime.now(UTC).date()
        since = "" if days is None else (today - timedelta(days=days - 1)).isoformat()
        async with self._conn() as conn:
            await self._memory_revision(conn, memory_id, tenant)
            cur = await conn.execute(
                "SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS count,"
                " AVG(distance) AS mean_distance,"
                " COUNT(*) FILTER (WHERE distance = 0) AS unchanged"
                " FROM post_edits WHERE memory_id = %s AND created_at >= %s"
                " GROUP BY day ORDER BY day",
                (memory_id, since),
            )
            return [rows.edit_period(row) for row in await cur.fetchall()]


def _search(
    indexes: list[FuzzyIndex], query: Prepared, k: int, min_score: int, target_family: str
) -> list[IndexHit]:
    """The top `k` hits over the indexes, best first (in a worker thread: CPU-bound)."""
    return sorted(
        (hit for index in indexes for hit in index.search(query, k, min_score, target_family)),
        key=lambda hit: -hit.score,
    )[:k]
