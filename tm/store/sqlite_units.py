"""Batched unit writes for the SQLite store, keeping the identity rules of `tm.store.base`.

Units are written in chunks of `WRITE_CHUNK`. For each chunk, the stored units it may
collide with (same tuid, or same source surface, in the same language pair) are fetched
with one query per language pair and kind; the chunk is then replayed unit by unit
against that small in-memory view, so duplicates inside one import follow exactly the
rules of units added one at a time (the newest wins, a tuid whose source changed moves),
and only each row's final state is written, with `executemany`.

When the memory held no units as the import began, only keys this import has already
written can collide, so the hashes of those keys decide which keys need a query at all: a
fresh import of distinct units makes no lookups.
"""

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import NamedTuple

from tm import langs
from tm.fuzzy import prepare, surface
from tm.index import Unit
from tm.models import TranslationUnit

WRITE_CHUNK = 5_000  # units resolved and written per batch (also bounds the `IN` lists)
IMPORT_CACHE_KIB = 65_536  # page cache during a large import: it updates pages all over
TOKEN_SEPARATOR = "\x1f"  # the `tokens` column joins a unit's tokens with this

Pair = tuple[str, str]  # (source language, target language), normalised tags

_UNIT_COLUMNS = "id, source, tuid, source_family"
_INSERT = (
    "INSERT INTO units (id, memory_id, source, target, source_lang, target_lang,"
    " source_family, target_family, source_hash, tokens, tuid, origin, attributes,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE units SET target = ?, tuid = ?, origin = ?, attributes = ?, updated_at = ? WHERE id = ?"
)


def timestamp(value: datetime | None = None) -> str:
    """The stored form of a time: UTC ISO 8601 to the second (now when `value` is None)."""
    if value is None:
        value = datetime.now(UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # naive times are taken as UTC
    return value.astimezone(UTC).isoformat(timespec="seconds")


def source_hash(text: str) -> int:
    """A signed 64-bit hash of the surface form; equal texts are confirmed by comparison."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def find_same_source(
    conn: sqlite3.Connection, memory_id: str, pair: Pair, key: str
) -> sqlite3.Row | None:
    """The stored unit of the pair whose source surface is `key`, if any."""
    rows = conn.execute(
        "SELECT * FROM units WHERE memory_id = ? AND source_lang = ? AND target_lang = ?"
        " AND source_hash = ?",
        (memory_id, *pair, source_hash(key)),
    ).fetchall()
    return next((row for row in rows if surface(row["source"]) == key), None)


@dataclass(slots=True)
class IndexChanges:
    """Index updates of one transaction, applied only after it commits."""

    memory_id: str
    added: list[tuple[str, Unit]] = field(default_factory=list)  # (source family, unit)
    removed: list[tuple[str, int]] = field(default_factory=list)  # (source family, unit id)
    revision: int | None = None  # the memory's revision after the transaction

    def added_by_index(self) -> dict[tuple[str, str], list[Unit]]:
        """Units to index per (memory, family), without those removed again later."""
        gone = {unit_id for _, unit_id in self.removed}
        grouped: dict[tuple[str, str], list[Unit]] = {}
        for family, unit in self.added:
            if unit[0] not in gone:
                grouped.setdefault((self.memory_id, family), []).append(unit)
        return grouped

    def removed_by_index(self) -> dict[tuple[str, str], list[int]]:
        """Unit ids to forget per (memory, family)."""
        grouped: dict[tuple[str, str], list[int]] = {}
        for family, unit_id in self.removed:
            grouped.setdefault((self.memory_id, family), []).append(unit_id)
        return grouped


class _Incoming(NamedTuple):
    """A unit to write, analysed once.

    Plain values only: the garbage collector stops tracking such a tuple, so a chunk of
    them costs nothing in the full collections a long import triggers.
    """

    source_key: tuple[Pair, str]  # (language pair, source surface)
    hash: int  # `source_hash` of the surface
    source: str
    target: str
    tuid: str | None
    origin: str
    attributes: str
    tokens: tuple[str, ...]
    source_family: str
    target_family: str
    salt: int  # of the language pair, mixed into key hashes so that two pairs' keys differ
    created_at: str | None
    updated_at: str | None


@dataclass(slots=True)
class _Row:
    """A unit row as one chunk sees it: stored before, or new in this chunk."""

    id: int | None  # None until a new row is written
    source_key: tuple[Pair, str]
    tuid: str | None
    source_family: str
    first: _Incoming | None = None  # a new row: the unit that created it (source side)
    latest: _Incoming | None = None  # a new or changed row: the unit whose target wins
    created_at: str = ""
    updated_at: str = ""
    deleted: bool = False

    @property
    def pair(self) -> Pair:
        return self.source_key[0]


class UnitWriter:
    """Writes units in chunks inside the caller's transaction, keeping the identity rules.

    `indexed` names the source families whose index is loaded: only their changes are
    collected in `changes` (an import into a memory nobody searched keeps no tokens).
    """

    def __init__(self, conn: sqlite3.Connection, memory_id: str, indexed: set[str]) -> None:
        self.conn = conn
        self.memory_id = memory_id
        self.changes = IndexChanges(memory_id)
        self.inserted = 0
        self.updated = 0
        self.deleted = 0
        self._indexed = indexed
        # (source tag, target tag) -> (pair, source family, target family, salt)
        self._languages: dict[tuple[str, str], tuple[Pair, str, str, int]] = {}
        self._fresh = (
            conn.execute("SELECT 1 FROM units WHERE memory_id = ? LIMIT 1", (memory_id,)).fetchone()
            is None
        )
        # salted hashes of the keys this import wrote (consulted only when `_fresh`); dicts,
        # not sets: a dict of ints is untracked by the garbage collector, while every full
        # collection would walk a set of a million entries
        self._written_sources: dict[int, None] = {}
        self._written_tuids: dict[int, None] = {}
        self._next_id = conn.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'units'), 0),"
            " COALESCE((SELECT MAX(id) FROM units), 0)) + 1"
        ).fetchone()[0]

    def write(self, units: Iterable[TranslationUnit]) -> None:
        """Write all `units`, in order, chunk by chunk."""
        iterator = iter(units)
        chunk = [self._analyse(unit) for unit in islice(iterator, WRITE_CHUNK)]
        self._write_chunk(chunk)
        if len(chunk) < WRITE_CHUNK:
            return
        # a large import: the indexes' pages stay cached for as long as it runs
        usual = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        try:
            while chunk := [self._analyse(unit) for unit in islice(iterator, WRITE_CHUNK)]:
                self._write_chunk(chunk)
        finally:
            self.conn.execute(f"PRAGMA cache_size = {usual}")

    def _language(self, source_tag: str, target_tag: str) -> tuple[Pair, str, str, int]:
        known = self._languages.get((source_tag, target_tag))
        if known is None:
            pair = (langs.normalize_tag(source_tag), langs.normalize_tag(target_tag))
            known = (pair, langs.family(pair[0]), langs.family(pair[1]), hash(pair))
            self._languages[(source_tag, target_tag)] = known
        return known

    def _analyse(self, unit: TranslationUnit) -> _Incoming:
        pair, source_family, target_family, salt = self._language(
            unit.source_lang, unit.target_lang
        )
        prepared = prepare(unit.source)
        return _Incoming(
            (pair, prepared.surface),
            source_hash(prepared.surface),
            unit.source,
            unit.target,
            unit.tuid,
            str(unit.origin),
            json.dumps(unit.attributes, ensure_ascii=False, sort_keys=True)
            if unit.attributes
            else "{}",
            prepared.tokens,
            source_family,
            target_family,
            salt,
            timestamp(unit.created_at) if unit.created_at else None,
            timestamp(unit.updated_at) if unit.updated_at else None,
        )

    # -- one chunk ---------------------------------------------------------------------------

    def _write_chunk(self, chunk: list[_Incoming]) -> None:
        """Replay the chunk unit by unit on a view of the rows it touches, then write it."""
        by_source, by_tuid = self._stored_collisions(chunk)
        touched: list[_Row] = []  # rows to insert or update, in the order first touched
        now = timestamp()
        updated = 0
        for item in chunk:
            tuid = item.tuid
            if tuid is not None:
                old = by_tuid.get((item.source_key[0], tuid))
                if old is not None and old.source_key != item.source_key:
                    self._delete(old, by_source, by_tuid)
            same = by_source.get(item.source_key)
            if same is None:
                row = by_source[item.source_key] = _Row(
                    None,
                    item.source_key,
                    tuid,
                    item.source_family,
                    item,
                    item,
                    item.created_at or now,
                    item.updated_at or now,
                )
                if tuid is not None:
                    by_tuid[(item.source_key[0], tuid)] = row
                touched.append(row)
                continue
            if tuid is not None and tuid != same.tuid:
                if same.tuid is not None:
                    by_tuid.pop((same.pair, same.tuid), None)
                same.tuid = tuid
                by_tuid[(same.pair, tuid)] = same
            if same.latest is None:  # a stored row, first changed now
                touched.append(same)
            same.latest = item
            same.updated_at = now
            updated += 1
        self.inserted += len(chunk) - updated
        self.updated += updated
        self._flush(touched)

    def _stored_collisions(
        self, chunk: list[_Incoming]
    ) -> tuple[dict[tuple[Pair, str], _Row], dict[tuple[Pair, str], _Row]]:
        """The stored rows the chunk may collide with, by (pair, surface) and (pair, tuid)."""
        hashes: dict[Pair, set[int]] = {}
        tuids: dict[Pair, set[str]] = {}
        everything = not self._fresh
        for item in chunk:
            pair = item.source_key[0]
            if everything or item.hash ^ item.salt in self._written_sources:
                hashes.setdefault(pair, set()).add(item.hash)
            tuid = item.tuid
            if tuid is not None and (everything or hash(tuid) ^ item.salt in self._written_tuids):
                tuids.setdefault(pair, set()).add(tuid)
        found: dict[int, tuple[Pair, sqlite3.Row]] = {}
        for pair, wanted_hashes in hashes.items():
            for row in self._select(pair, "source_hash", wanted_hashes):
                found[row["id"]] = (pair, row)
        for pair, wanted_tuids in tuids.items():
            for row in self._select(pair, "tuid", wanted_tuids):
                found[row["id"]] = (pair, row)
        by_source: dict[tuple[Pair, str], _Row] = {}
        by_tuid: dict[tuple[Pair, str], _Row] = {}
        for pair, stored in found.values():
            key = (pair, surface(stored["source"]))
            view = by_source[key] = _Row(stored["id"], key, stored["tuid"], stored["source_family"])
            if view.tuid is not None:
                by_tuid[(pair, view.tuid)] = view
        return by_source, by_tuid

    def _select(self, pair: Pair, column: str, values: set[int] | set[str]) -> list[sqlite3.Row]:
        marks = ",".join("?" * len(values))
        return self.conn.execute(
            f"SELECT {_UNIT_COLUMNS} FROM units WHERE memory_id = ? AND source_lang = ?"
            f" AND target_lang = ? AND {column} IN ({marks})",
            (self.memory_id, *pair, *values),
        ).fetchall()

    def _delete(
        self,
        row: _Row,
        by_source: dict[tuple[Pair, str], _Row],
        by_tuid: dict[tuple[Pair, str], _Row],
    ) -> None:
        """A tuid moved away from `row`'s source: the row goes (at once when stored)."""
        row.deleted = True
        by_source.pop(row.source_key, None)
        if row.tuid is not None:
            by_tuid.pop((row.pair, row.tuid), None)
        self.deleted += 1
        if row.first is None:
            self.conn.execute("DELETE FROM units WHERE id = ?", (row.id,))
            if row.source_family in self._indexed:
                self.changes.removed.append((row.source_family, row.id or 0))

    def _flush(self, touched: list[_Row]) -> None:
        """Write the chunk's final updates and inserts (deletes were written as they came)."""
        updates = []
        inserts = []
        memory_id = self.memory_id
        next_id = self._next_id
        for row in touched:
            latest = row.latest
            if row.deleted or latest is None:
                continue
            first = row.first
            if first is None:
                values = (latest.target, row.tuid, latest.origin, latest.attributes)
                updates.append((*values, row.updated_at, row.id))
                continue
            row.id = next_id
            next_id += 1
            inserts.append(
                (
                    row.id,
                    memory_id,
                    first.source,
                    latest.target,
                    *first.source_key[0],
                    first.source_family,
                    first.target_family,
                    first.hash,
                    TOKEN_SEPARATOR.join(first.tokens),
                    row.tuid,
                    latest.origin,
                    latest.attributes,
                    row.created_at,
                    row.updated_at,
                )
            )
        self._next_id = next_id
        if updates:
            self.conn.executemany(_UPDATE, updates)
        if inserts:
            self.conn.executemany(_INSERT, inserts)
        if self._indexed:
            self._collect_index_changes(touched)
        if self._fresh:
            self._remember(touched)

    def _collect_index_changes(self, touched: list[_Row]) -> None:
        """Note the new rows that a loaded index must learn after the commit."""
        for row in touched:
            first = row.first
            if row.deleted or first is None or row.id is None:
                continue
            if first.source_family in self._indexed:
                unit = (row.id, first.source, first.tokens, first.target_family)
                self.changes.added.append((first.source_family, unit))

    def _remember(self, touched: list[_Row]) -> None:
        """Note the keys now stored, so that later chunks look them up."""
        for row in touched:
            if row.deleted or row.latest is None:
                continue
            salt = row.latest.salt
            if row.first is not None:
                self._written_sources[row.first.hash ^ salt] = None
            if row.tuid is not None:  # new rows, and stored rows that took a new tuid
                self._written_tuids[hash(row.tuid) ^ salt] = None
