"""The embedded store: one SQLite file (WAL), fuzzy lookups from in-memory indexes.

One writer thread owns the write connection, so writes are serialised and each
`add_units` call is one transaction; readers use their own connections in a small thread
pool and never block the writer (WAL). Fuzzy indexes (`tm.index.FuzzyIndex`, one per
memory and source-language family) are built on first lookup from the `tokens` column and
kept current by the writer after each commit, so a unit is found by the very next lookup.
"""

import asyncio
import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tm import langs
from tm.errors import Conflict, NotFound, UnknownGlossary, UnknownMemory
from tm.fuzzy import DEFAULT_MIN_SCORE, prepare, surface
from tm.index import FuzzyIndex
from tm.models import (
    DEFAULT_TENANT,
    Glossary,
    GlossaryEntry,
    Match,
    Memory,
    Origin,
    TranslationUnit,
)
from tm.store.base import DEFAULT_MATCHES, AddResult, Store

T = TypeVar("T")

READER_THREADS = 4
EXPORT_BATCH = 2_000
INDEX_LOAD_BATCH = 50_000
TOKEN_SEPARATOR = "\x1f"  # the `tokens` column joins a unit's tokens with this
BUSY_TIMEOUT_MS = 30_000

MIGRATIONS: list[str] = [
    # 1: memories, units, glossaries
    """
    CREATE TABLE memories (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        unit_count INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE (tenant, name)
    );
    CREATE TABLE units (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        source_lang TEXT NOT NULL,
        target_lang TEXT NOT NULL,
        source_family TEXT NOT NULL,
        target_family TEXT NOT NULL,
        source_hash INTEGER NOT NULL,
        tokens TEXT NOT NULL,
        tuid TEXT,
        origin TEXT NOT NULL,
        attributes TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX units_by_source ON units (memory_id, source_lang, target_lang, source_hash);
    CREATE INDEX units_by_tuid ON units (memory_id, tuid, source_lang, target_lang)
        WHERE tuid IS NOT NULL;
    CREATE INDEX units_by_family ON units (memory_id, source_family, id);
    CREATE TABLE glossaries (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        source_lang TEXT NOT NULL,
        target_lang TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (tenant, name)
    );
    CREATE TABLE glossary_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        glossary_id TEXT NOT NULL REFERENCES glossaries(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        targets TEXT NOT NULL,
        forbidden TEXT NOT NULL DEFAULT '[]',
        case_sensitive INTEGER NOT NULL DEFAULT 0,
        do_not_translate INTEGER NOT NULL DEFAULT 0,
        part_of_speech TEXT,
        note TEXT,
        UNIQUE (glossary_id, source)
    );
    """,
]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _source_hash(text: str) -> int:
    """A signed 64-bit hash of the surface form; equal texts are confirmed by comparison."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class SQLiteStore(Store):
    """The embedded default store: a SQLite file with in-memory fuzzy indexes."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="adaptmt-sqlite-writer")
        self._readers = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="adaptmt-sqlite")
        self._local = threading.local()
        self._write_conn = _connect(self.path)
        self._write_conn.execute("PRAGMA journal_mode = WAL")
        self._migrate()
        self._indexes: dict[tuple[str, str], FuzzyIndex] = {}

    # -- plumbing ----------------------------------------------------------------------------

    def _migrate(self) -> None:
        conn = self._write_conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(self.path)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, lambda: fn(self._reader()))

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one write transaction on the writer thread."""
        result, _ = await self._write_then_index(lambda conn: (fn(conn), _IndexChanges("")))
        return result

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
        memory = Memory(_new_id("mem"), name, tenant, description, 0, datetime.now(UTC))

        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO memories (id, tenant, name, description, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (memory.id, tenant, name, description, _now()),
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
        return _memory(row)

    async def list_memories(self, *, tenant: str = DEFAULT_TENANT) -> list[Memory]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM memories WHERE tenant = ? ORDER BY name", (tenant,)
            ).fetchall()
        )
        return [_memory(row) for row in rows]

    async def delete_memory(self, memory_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "DELETE FROM memories WHERE id = ? AND tenant = ?", (memory_id, tenant)
            )
            if cur.rowcount == 0:
                raise UnknownMemory(f"no memory with id {memory_id!r}")
            for key in [key for key in self._indexes if key[0] == memory_id]:
                del self._indexes[key]

        await self._write(delete)

    def _check_memory(self, conn: sqlite3.Connection, memory_id: str, tenant: str) -> None:
        row = conn.execute(
            "SELECT 1 FROM memories WHERE id = ? AND tenant = ?", (memory_id, tenant)
        ).fetchone()
        if row is None:
            raise UnknownMemory(f"no memory with id {memory_id!r}")

    # -- units -------------------------------------------------------------------------------

    async def add_units(
        self, memory_id: str, units: Iterable[TranslationUnit], *, tenant: str = DEFAULT_TENANT
    ) -> AddResult:
        def add(conn: sqlite3.Connection) -> tuple[AddResult, _IndexChanges]:
            self._check_memory(conn, memory_id, tenant)
            writer = _UnitWriter(conn, memory_id)
            for unit in units:
                writer.put(unit)
            conn.execute(
                "UPDATE memories SET unit_count = unit_count + ? WHERE id = ?",
                (writer.added - len(writer.changes.removed), memory_id),
            )
            return AddResult(writer.added - len(writer.changes.removed), writer.updated), (
                writer.changes
            )

        result, _ = await self._write_then_index(add)
        return result

    async def _write_then_index(
        self, fn: Callable[[sqlite3.Connection], tuple[T, "_IndexChanges"]]
    ) -> tuple[T, "_IndexChanges"]:
        """Run a write transaction, then apply its index changes in the writer thread."""

        def run() -> tuple[T, _IndexChanges]:
            conn = self._write_conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                result, changes = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._apply(changes)
            return result, changes

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, run)

    def _apply(self, changes: "_IndexChanges") -> None:
        for (memory_id, family), removed in changes.removed_by_index().items():
            index = self._indexes.get((memory_id, family))
            if index is not None:
                index.remove(removed)
        for (memory_id, family), added in changes.added_by_index().items():
            index = self._indexes.get((memory_id, family))
            if index is not None:
                index.add(added)

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
        return _unit(row)

    async def delete_unit(
        self, memory_id: str, unit_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        def delete(conn: sqlite3.Connection) -> tuple[None, _IndexChanges]:
            self._check_memory(conn, memory_id, tenant)
            row = conn.execute(
                "DELETE FROM units WHERE id = ? AND memory_id = ? RETURNING source_family",
                (unit_id, memory_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"memory {memory_id!r} has no unit {unit_id}")
            conn.execute(
                "UPDATE memories SET unit_count = unit_count - 1 WHERE id = ?", (memory_id,)
            )
            changes = _IndexChanges(memory_id)
            changes.removed.append((row["source_family"], unit_id))
            return None, changes

        await self._write_then_index(delete)

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
                yield _unit(row)
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
        indexes = [await self._index(m, source_family, tenant) for m in memory_ids]
        query = prepare(source)

        def search_and_fetch(conn: sqlite3.Connection) -> list[Match]:
            hits = sorted(
                (
                    hit
                    for index in indexes
                    for hit in index.search(query, k, min_score, target_family)
                ),
                key=lambda hit: -hit.score,
            )[:k]
            if not hits:
                return []
            marks = ",".join("?" * len(hits))
            rows = conn.execute(
                f"SELECT * FROM units WHERE id IN ({marks})", [hit.unit_id for hit in hits]
            ).fetchall()
            by_id = {row["id"]: row for row in rows}
            return [Match(_unit(by_id[h.unit_id]), h.score) for h in hits if h.unit_id in by_id]

        return await self._read(search_and_fetch)

    async def _index(self, memory_id: str, family: str, tenant: str) -> FuzzyIndex:
        """The memory's index for a source family, loaded from the database on first use."""
        index = self._indexes.get((memory_id, family))
        if index is not None:
            return index

        def load(conn: sqlite3.Connection) -> FuzzyIndex:
            self._check_memory(conn, memory_id, tenant)
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
                index.add((row[0], row[1], row[2].split(TOKEN_SEPARATOR), row[3]) for row in rows)
            self._indexes[(memory_id, family)] = index
            return index

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: load(self._write_conn))

    # -- glossaries --------------------------------------------------------------------------

    async def create_glossary(
        self, name: str, source_lang: str, target_lang: str, *, tenant: str = DEFAULT_TENANT
    ) -> Glossary:
        glossary = Glossary(
            _new_id("glo"),
            name,
            langs.normalize_tag(source_lang),
            langs.normalize_tag(target_lang),
            tenant,
            0,
            datetime.now(UTC),
        )

        def insert(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO glossaries (id, tenant, name, source_lang, target_lang,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (glossary.id, tenant, name, glossary.source_lang, glossary.target_lang, _now()),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"a glossary named {name!r} already exists") from exc

        await self._write(insert)
        return glossary

    async def get_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> Glossary:
        row = await self._read(
            lambda conn: conn.execute(
                "SELECT g.*, (SELECT COUNT(*) FROM glossary_entries e"
                " WHERE e.glossary_id = g.id) AS entry_count"
                " FROM glossaries g WHERE id = ? AND tenant = ?",
                (glossary_id, tenant),
            ).fetchone()
        )
        if row is None:
            raise UnknownGlossary(f"no glossary with id {glossary_id!r}")
        return _glossary(row)

    async def list_glossaries(self, *, tenant: str = DEFAULT_TENANT) -> list[Glossary]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT g.*, (SELECT COUNT(*) FROM glossary_entries e"
                " WHERE e.glossary_id = g.id) AS entry_count"
                " FROM glossaries g WHERE tenant = ? ORDER BY name",
                (tenant,),
            ).fetchall()
        )
        return [_glossary(row) for row in rows]

    async def delete_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "DELETE FROM glossaries WHERE id = ? AND tenant = ?", (glossary_id, tenant)
            )
            if cur.rowcount == 0:
                raise UnknownGlossary(f"no glossary with id {glossary_id!r}")

        await self._write(delete)

    async def add_entries(
        self,
        glossary_id: str,
        entries: Iterable[GlossaryEntry],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> int:
        def add(conn: sqlite3.Connection) -> int:
            if (
                conn.execute(
                    "SELECT 1 FROM glossaries WHERE id = ? AND tenant = ?", (glossary_id, tenant)
                ).fetchone()
                is None
            ):
                raise UnknownGlossary(f"no glossary with id {glossary_id!r}")
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
            return written

        return await self._write(add)

    async def entries(
        self, glossary_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> list[GlossaryEntry]:
        await self.get_glossary(glossary_id, tenant=tenant)
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT * FROM glossary_entries WHERE glossary_id = ? ORDER BY id",
                (glossary_id,),
            ).fetchall()
        )
        return [_entry(row) for row in rows]


class _IndexChanges:
    """Index updates of one transaction, applied only after it commits."""

    def __init__(self, memory_id: str) -> None:
        self.memory_id = memory_id
        self.added: list[tuple[str, tuple[int, str, list[str], str]]] = []
        self.removed: list[tuple[str, int]] = []

    def added_by_index(self) -> dict[tuple[str, str], list[tuple[int, str, list[str], str]]]:
        grouped: dict[tuple[str, str], list[tuple[int, str, list[str], str]]] = {}
        for family, unit in self.added:
            grouped.setdefault((self.memory_id, family), []).append(unit)
        return grouped

    def removed_by_index(self) -> dict[tuple[str, str], list[int]]:
        grouped: dict[tuple[str, str], list[int]] = {}
        for family, unit_id in self.removed:
            grouped.setdefault((self.memory_id, family), []).append(unit_id)
        return grouped


class _UnitWriter:
    """Writes units one by one inside a transaction, keeping the identity rules."""

    def __init__(self, conn: sqlite3.Connection, memory_id: str) -> None:
        self.conn = conn
        self.memory_id = memory_id
        self.changes = _IndexChanges(memory_id)
        self.added = 0
        self.updated = 0
        self._langs: dict[str, tuple[str, str]] = {}

    def _lang(self, tag: str) -> tuple[str, str]:
        known = self._langs.get(tag)
        if known is None:
            normalized = langs.normalize_tag(tag)
            known = self._langs[tag] = (normalized, langs.family(normalized))
        return known

    def put(self, unit: TranslationUnit) -> None:
        source_lang, source_family = self._lang(unit.source_lang)
        target_lang, target_family = self._lang(unit.target_lang)
        prepared = prepare(unit.source)
        key = prepared.surface
        source_hash = _source_hash(key)
        now = _now()
        attributes = json.dumps(unit.attributes, ensure_ascii=False, sort_keys=True)
        conn = self.conn
        if unit.tuid is not None:
            old = conn.execute(
                "SELECT id, source, source_family FROM units WHERE memory_id = ? AND tuid = ?"
                " AND source_lang = ? AND target_lang = ?",
                (self.memory_id, unit.tuid, source_lang, target_lang),
            ).fetchone()
            if old is not None and surface(old["source"]) != key:
                conn.execute("DELETE FROM units WHERE id = ?", (old["id"],))
                self.changes.removed.append((old["source_family"], old["id"]))
        same = conn.execute(
            "SELECT id, source FROM units WHERE memory_id = ? AND source_lang = ?"
            " AND target_lang = ? AND source_hash = ?",
            (self.memory_id, source_lang, target_lang, source_hash),
        ).fetchall()
        existing = next((row["id"] for row in same if surface(row["source"]) == key), None)
        if existing is not None:
            conn.execute(
                "UPDATE units SET target = ?, tuid = COALESCE(?, tuid), origin = ?,"
                " attributes = ?, updated_at = ? WHERE id = ?",
                (unit.target, unit.tuid, str(unit.origin), attributes, now, existing),
            )
            self.updated += 1
            return
        created = unit.created_at.isoformat(timespec="seconds") if unit.created_at else now
        updated = unit.updated_at.isoformat(timespec="seconds") if unit.updated_at else now
        row = conn.execute(
            "INSERT INTO units (memory_id, source, target, source_lang, target_lang,"
            " source_family, target_family, source_hash, tokens, tuid, origin, attributes,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (
                self.memory_id,
                unit.source,
                unit.target,
                source_lang,
                target_lang,
                source_family,
                target_family,
                source_hash,
                TOKEN_SEPARATOR.join(prepared.tokens),
                unit.tuid,
                str(unit.origin),
                attributes,
                created,
                updated,
            ),
        ).fetchone()
        self.changes.added.append(
            (source_family, (row[0], unit.source, list(prepared.tokens), target_family))
        )
        self.added += 1


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _memory(row: sqlite3.Row) -> Memory:
    return Memory(
        row["id"],
        row["name"],
        row["tenant"],
        row["description"],
        row["unit_count"],
        _ts(row["created_at"]),
    )


def _unit(row: sqlite3.Row) -> TranslationUnit:
    return TranslationUnit(
        source=row["source"],
        target=row["target"],
        source_lang=row["source_lang"],
        target_lang=row["target_lang"],
        tuid=row["tuid"],
        origin=Origin(row["origin"]),
        attributes=json.loads(row["attributes"]),
        id=row["id"],
        memory_id=row["memory_id"],
        created_at=_ts(row["created_at"]),
        updated_at=_ts(row["updated_at"]),
    )


def _glossary(row: sqlite3.Row) -> Glossary:
    return Glossary(
        row["id"],
        row["name"],
        row["source_lang"],
        row["target_lang"],
        row["tenant"],
        row["entry_count"],
        _ts(row["created_at"]),
    )


def _entry(row: sqlite3.Row) -> GlossaryEntry:
    return GlossaryEntry(
        source=row["source"],
        targets=json.loads(row["targets"]),
        forbidden=json.loads(row["forbidden"]),
        case_sensitive=bool(row["case_sensitive"]),
        do_not_translate=bool(row["do_not_translate"]),
        part_of_speech=row["part_of_speech"],
        note=row["note"],
        id=row["id"],
    )
