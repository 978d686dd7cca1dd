"""The identity rules of `tm.store.base` for batched unit writes, shared by both stores.

Units are written in chunks of `WRITE_CHUNK`. For each chunk, the stored units it may
collide with (same tuid, or same source surface, in the same language pair) are fetched
by the store with one query per language pair and kind (`UnitResolver.wanted`); the chunk
is then replayed unit by unit against that small in-memory view (`UnitResolver.plan`), so
duplicates inside one import follow exactly the rules of units added one at a time (the
newest wins, a tuid whose source changed moves), and only each row's final state is
written: a `ChunkPlan` of deletes, updates and inserts that the store executes in that
order.

When the memory held no units as the import began, only keys this import has already
written can collide, so the hashes of those keys decide which keys need a query at all: a
fresh import of distinct units makes no lookups.
"""

import hashlib
import json
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, NamedTuple, Protocol

from tm import langs
from tm.fuzzy import prepare, surface
from tm.index import Unit
from tm.models import TranslationUnit

WRITE_CHUNK = 5_000  # units resolved and written per batch (also bounds the `IN` lists)
TOKEN_SEPARATOR = "\x1f"  # the `tokens` column joins a unit's tokens with this

Pair = tuple[str, str]  # (source language, target language), normalised tags


class StoredRow(Protocol):
    """A stored row by column name: a `sqlite3.Row` or a psycopg dict row."""

    def __getitem__(self, key: str, /) -> Any: ...


UNIT_COLUMNS = (
    "id, memory_id, source, target, source_lang, target_lang, source_family, target_family,"
    " source_hash, tokens, tuid, origin, attributes, created_at, updated_at"
)
"""The columns of an `insert` row of a `ChunkPlan`, in order."""
COLLISION_COLUMNS = "id, source, tuid, source_family"
"""The columns `UnitResolver.plan` needs of the stored rows a chunk may collide with."""


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


@dataclass(slots=True)
class ChunkPlan:
    """The writes one chunk resolves to, executed in order: deletes, updates, inserts."""

    deletes: list[int] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)  # target, tuid, origin, ...
    inserts: list[tuple[Any, ...]] = field(default_factory=list)  # `UNIT_COLUMNS` values


class Incoming(NamedTuple):
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
    first: Incoming | None = None  # a new row: the unit that created it (source side)
    latest: Incoming | None = None  # a new or changed row: the unit whose target wins
    created_at: str = ""
    updated_at: str = ""
    deleted: bool = False

    @property
    def pair(self) -> Pair:
        return self.source_key[0]


Wanted = tuple[dict[Pair, set[int]], dict[Pair, set[str]]]
"""Per language pair, the source hashes and the tuids whose stored rows a chunk needs."""


class UnitAnalyser:
    """Analyses units for writing: keys, tokens and stored values, each computed once.

    Needs no store, so a child process can analyse while the parent writes
    (`tm.store.file_import`). Salts come from `hash`, which differs between processes: the
    units of one write must all come from one analyser.
    """

    def __init__(self) -> None:
        # (source tag, target tag) -> (pair, source family, target family, salt)
        self._languages: dict[tuple[str, str], tuple[Pair, str, str, int]] = {}

    def _language(self, source_tag: str, target_tag: str) -> tuple[Pair, str, str, int]:
        known = self._languages.get((source_tag, target_tag))
        if known is None:
            pair = (langs.normalize_tag(source_tag), langs.normalize_tag(target_tag))
            known = (pair, langs.family(pair[0]), langs.family(pair[1]), hash(pair))
            self._languages[(source_tag, target_tag)] = known
        return known

    def chunks(self, units: Iterable[TranslationUnit], size: int) -> Generator[list[Incoming]]:
        """`units` analysed, in chunks of `size` (the last may be shorter)."""
        iterator = iter(units)
        while chunk := [self.analyse(unit) for unit in islice(iterator, size)]:
            yield chunk

    def analyse(self, unit: TranslationUnit) -> Incoming:
        """A unit's keys, tokens and stored values, computed once."""
        pair, source_family, target_family, salt = self._language(
            unit.source_lang, unit.target_lang
        )
        prepared = prepare(unit.source)
        return Incoming(
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


class UnitResolver:
    """Resolves chunks of units into writes, keeping the identity rules; no I/O of its own.

    `fresh`: the memory held no units as the write began. `ids` hands out the ids of new
    rows, ascending. `indexed` names the source families whose in-memory index is loaded:
    only their changes are collected in `changes`.
    """

    def __init__(
        self,
        memory_id: str,
        *,
        fresh: bool,
        ids: Iterator[int],
        indexed: set[str] | None = None,
    ) -> None:
        self.memory_id = memory_id
        self.changes = IndexChanges(memory_id)
        self.inserted = 0
        self.updated = 0
        self.deleted = 0
        self.ids = ids
        self._fresh = fresh
        self._indexed = indexed or set()
        self.analyser = UnitAnalyser()
        # salted hashes of the keys this write stored (consulted only when `_fresh`); dicts,
        # not sets: a dict of ints is untracked by the garbage collector, while every full
        # collection would walk a set of a million entries
        self._written_sources: dict[int, None] = {}
        self._written_tuids: dict[int, None] = {}

    def wanted(self, chunk: list[Incoming]) -> Wanted:
        """The stored rows the chunk may collide with: hashes and tuids per language pair."""
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
        return hashes, tuids

    def plan(self, chunk: list[Incoming], stored: list[tuple[Pair, StoredRow]]) -> ChunkPlan:
        """Replay the chunk unit by unit on a view of the `stored` rows it touches."""
        if not stored and _all_distinct(chunk):
            return self._insert_all(chunk)
        by_source, by_tuid = _views(stored)
        plan = ChunkPlan()
        touched: list[_Row] = []  # rows to insert or update, in the order first touched
        now = timestamp()
        updated = 0
        for item in chunk:
            tuid = item.tuid
            if tuid is not None:
                old = by_tuid.get((item.source_key[0], tuid))
                if old is not None and old.source_key != item.source_key:
                    self._delete(old, by_source, by_tuid, plan)
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
        self._rows(touched, plan)
        return plan

    def _insert_all(self, chunk: list[Incoming]) -> ChunkPlan:
        """The plan of a chunk that collides with nothing: each unit is a new row.

        The same rows the replay would give, without its bookkeeping (most chunks of an
        import into a new memory).
        """
        now = timestamp()
        inserts = []
        for item in chunk:
            row_id = next(self.ids)
            created, updated = item.created_at or now, item.updated_at or now
            inserts.append(self._insert(row_id, item, item, item.tuid, created, updated))
        self.inserted += len(chunk)
        if self._fresh:
            for item in chunk:
                self._note_stored(item.salt, item.hash, item.tuid)
        return ChunkPlan(inserts=inserts)

    def _insert(
        self,
        row_id: int,
        first: Incoming,
        latest: Incoming,
        tuid: str | None,
        created_at: str,
        updated_at: str,
    ) -> tuple[Any, ...]:
        """The values of a new row (source and keys from `first`, target from `latest`);
        its unit is collected for the loaded index of its source family."""
        if first.source_family in self._indexed:
            unit = (row_id, first.source, first.tokens, first.target_family)
            self.changes.added.append((first.source_family, unit))
        return (
            row_id,
            self.memory_id,
            first.source,
            latest.target,
            *first.source_key[0],
            first.source_family,
            first.target_family,
            first.hash,
            TOKEN_SEPARATOR.join(first.tokens),
            tuid,
            latest.origin,
            latest.attributes,
            created_at,
            updated_at,
        )

    def _note_stored(self, salt: int, source_hash: int | None, tuid: str | None) -> None:
        """Remember keys this write stored (a source's hash, a tuid), for later chunks."""
        if source_hash is not None:
            self._written_sources[source_hash ^ salt] = None
        if tuid is not None:
            self._written_tuids[hash(tuid) ^ salt] = None

    def _delete(
        self,
        row: _Row,
        by_source: dict[tuple[Pair, str], _Row],
        by_tuid: dict[tuple[Pair, str], _Row],
        plan: ChunkPlan,
    ) -> None:
        """A tuid moved away from `row`'s source: the row goes (from the table if stored)."""
        row.deleted = True
        by_source.pop(row.source_key, None)
        if row.tuid is not None:
            by_tuid.pop((row.pair, row.tuid), None)
        self.deleted += 1
        if row.first is None and row.id is not None:
            plan.deletes.append(row.id)
            if row.source_family in self._indexed:
                self.changes.removed.append((row.source_family, row.id))

    def _rows(self, touched: list[_Row], plan: ChunkPlan) -> None:
        """The chunk's final updates and inserts."""
        for row in touched:
            latest = row.latest
            if row.deleted or latest is None:
                continue
            first = row.first
            if first is None:
                values = (latest.target, row.tuid, latest.origin, latest.attributes)
                plan.updates.append((*values, row.updated_at, row.id))
                continue
            row.id = next(self.ids)
            values = self._insert(row.id, first, latest, row.tuid, row.created_at, row.updated_at)
            plan.inserts.append(values)
        if self._fresh:
            self._remember(touched)

    def _remember(self, touched: list[_Row]) -> None:
        """Note the keys now stored, so that later chunks look them up."""
        for row in touched:
            if row.deleted or row.latest is None:
                continue
            # new rows' sources; the tuids of new rows and of stored rows that took a new one
            source_hash = row.first.hash if row.first is not None else None
            self._note_stored(row.latest.salt, source_hash, row.tuid)


def _all_distinct(chunk: list[Incoming]) -> bool:
    """Whether no two units of the chunk can share a source or a tuid (by salted hash).

    Equal hashes of different keys only make this say False, which costs the replay.
    """
    sources = {item.hash ^ item.salt for item in chunk}
    if len(sources) < len(chunk):
        return False
    tuids = [hash(item.tuid) ^ item.salt for item in chunk if item.tuid is not None]
    return len(set(tuids)) == len(tuids)


def _views(
    stored: list[tuple[Pair, StoredRow]],
) -> tuple[dict[tuple[Pair, str], _Row], dict[tuple[Pair, str], _Row]]:
    """The stored rows by (pair, surface) and (pair, tuid)."""
    by_source: dict[tuple[Pair, str], _Row] = {}
    by_tuid: dict[tuple[Pair, str], _Row] = {}
    for pair, row in stored:
        key = (pair, surface(row["source"]))
        view = by_source[key] = _Row(row["id"], key, row["tuid"], row["source_family"])
        if view.tuid is not None:
            by_tuid[(pair, view.tuid)] = view
    return by_source, by_tuid


def same_source(rows: Sequence[StoredRow], key: str) -> StoredRow | None:
    """The first of the rows whose source surface is `key` (rows share its hash)."""
    return next((row for row in rows if surface(row["source"]) == key), None)
