"""The identity rules of `tm.store.base` for batched unit writes, shared by both stores.

Units are analysed (`tm.store.unit_analysis`) and written in chunks of `WRITE_CHUNK`, held
column by column (`AnalysedChunk`). For each chunk, the stored units it may collide with (same tuid,
or same source surface, in the same language pair) are fetched by the store with one query
per language pair and kind (`UnitResolver.wanted`). Then (`UnitResolver.plan`) the units
that share no key with another unit of the chunk or with a stored row become new rows,
column by column; the others are replayed unit by unit against a small in-memory view of
the rows they touch, so duplicates inside one import follow exactly the rules of units
added one at a time (the newest wins, a tuid whose source changed moves). Only each row's
final state is written: a `ChunkPlan` of deletes, updates and inserts that the store
executes in that order.

When the memory held no units as the import began, only keys this import has already
written can collide, so the hashes of those keys decide which keys need a query at all: a
fresh import of distinct units makes no lookups."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from typing import Any, Protocol

from tm.fuzzy import TOKEN_SEPARATOR, surface
from tm.index import Unit
from tm.store.unit_analysis import (
    AnalysedChunk,
    Incoming,
    Pair,
    UnitAnalyser,
    timestamp,
)

WRITE_CHUNK = 5_000  # units resolved and written per batch (also bounds the `IN` lists)


class StoredRow(Protocol):
    """A stored row by column name: a `sqlite3.Row` or a psycopg dict row."""

    def __getitem__(self, key: str, /) -> Any: ...


UNIT_COLUMNS = (
    "id, memory_id, source, target, source_lang, target_lang, source_family, target_family,"
    " source_hash, tokens, tuid, origin, attributes, created_at, updated_at"
)
"""The columns of an `insert` row of a `ChunkPlan`, in order."""
COLLISION_COLUMNS = "id, source, source_hash, tuid, source_family"
"""The columns `UnitResolver.plan` needs of the stored rows a chunk may collide with."""


@dataclass(slots=True)
class IndexChanges:
    """Index updates of one transaction, applied only after it commits."""

    memory_id: str
    added: list[tuple[str, Unit]] = field(default_factory=list)  # (source family, unit)
    removed: list[tuple[str, int]] = field(default_factory=list)  # (source family, unit id)
    revision: int | None = None  # the memory's revision after the transaction

    def added_by_index(self) -> dict[tuple[str, str], list[Unit]]:
        """Units to index per (memory, family), ids ascending (as an index takes them),
        without those removed again later."""
        gone = {unit_id for _, unit_id in self.removed}
        grouped: dict[tuple[str, str], list[Unit]] = {}
        for family, unit in sorted(self.added, key=lambda added: added[1][0]):
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


class UnitResolver:
    """Resolves chunks of units into writes, keeping the identity rules; no I/O of its own.

    `fresh`: the memory held no units as the write began. `indexed` names the source
    families whose in-memory index is loaded: only their changes are collected in
    `changes`.
    """

    def __init__(self, memory_id: str, *, fresh: bool, indexed: set[str] | None = None) -> None:
        self.memory_id = memory_id
        self.changes = IndexChanges(memory_id)
        self.inserted = 0
        self.updated = 0
        self.deleted = 0
        self._fresh = fresh
        self._indexed = indexed or set()
        self.analyser = UnitAnalyser()
        # salted hashes of the keys this write stored (consulted only when `_fresh`); dicts,
        # not sets: a dict of ints is untracked by the garbage collector, while every full
        # collection would walk a set of a million entries
        self._written_sources: dict[int, None] = {}
        self._written_tuids: dict[int, None] = {}
        self._last_keys: _SaltedKeys | None = None

    def _keys(self, chunk: AnalysedChunk) -> "_SaltedKeys":
        """The chunk's salted keys, computed once for `wanted` and `plan`."""
        if self._last_keys is None or self._last_keys.chunk is not chunk:
            self._last_keys = _SaltedKeys(chunk)
        return self._last_keys

    def wanted(self, chunk: AnalysedChunk) -> Wanted:
        """The stored rows the chunk may collide with: hashes and tuids per language pair."""
        hashes: dict[Pair, set[int]] = {}
        tuids: dict[Pair, set[str]] = {}
        if not self._fresh:
            for language, source_hash, tuid in zip(
                chunk.languages, chunk.hashes, chunk.tuids, strict=True
            ):
                hashes.setdefault(language[0], set()).add(source_hash)
                if tuid is not None:
                    tuids.setdefault(language[0], set()).add(tuid)
            return hashes, tuids
        # a fresh memory: only keys this write already stored can be in the table
        keys = self._keys(chunk)
        sources = self._written_sources.keys() & keys.sources
        tuid_keys = self._written_tuids.keys() & keys.tuid_set
        if not sources and not tuid_keys:
            return hashes, tuids
        for position, (source_key, tuid_key) in enumerate(
            zip(keys.sources, keys.tuids, strict=True)
        ):
            if source_key in sources:
                hashes.setdefault(chunk.languages[position][0], set()).add(chunk.hashes[position])
            tuid = chunk.tuids[position]
            if tuid is not None and tuid_key in tuid_keys:
                tuids.setdefault(chunk.languages[position][0], set()).add(tuid)
        return hashes, tuids

    def plan(
        self, chunk: AnalysedChunk, stored: list[tuple[Pair, StoredRow]], ids: Sequence[int]
    ) -> ChunkPlan:
        """The chunk's writes; `ids[i]` is the id of the row the `i`th unit may create.

        Units that share no key (source or tuid, in their language pair) with another unit
        of the chunk or with a `stored` row each become a new row at once; the others are
        replayed one by one on a view of the stored rows they touch (`_replay`), so that
        the result is that of adding the units one at a time. Rows are created in the order
        of their first unit, so the ids a chunk uses grow with the position in it (an id
        not used by a unit that updates a row is left unused).
        """
        keys = self._keys(chunk)
        colliding = keys.colliding(stored)
        plan = ChunkPlan()
        now = timestamp()
        alone: list[bool] | None = None  # all of them
        if colliding:
            self._replay([chunk.incoming(i, ids[i]) for i in colliding], stored, plan, now)
            replayed = set(colliding)
            alone = [i not in replayed for i in range(len(chunk))]
        self._insert_alone(chunk, keys, ids, plan, now, alone)
        return plan

    def _insert_alone(
        self,
        chunk: AnalysedChunk,
        keys: "_SaltedKeys",
        ids: Sequence[int],
        plan: ChunkPlan,
        now: str,
        selected: list[bool] | None,
    ) -> None:
        """Insert the units that collide with nothing (those `selected`, or all) as new rows.

        Column by column: no Python step per unit but building the row tuples.
        """

        def column(values: Sequence[Any]) -> Iterable[Any]:
            return values if selected is None else compress(values, selected)

        languages = list(column(chunk.languages))
        row_ids = list(column(ids))
        sources, tokens = list(column(chunk.sources)), list(column(chunk.tokens))
        rows = list(
            zip(
                row_ids,
                [self.memory_id] * len(row_ids),
                sources,
                column(chunk.targets),
                [language[0][0] for language in languages],
                [language[0][1] for language in languages],
                [language[1] for language in languages],
                [language[2] for language in languages],
                column(chunk.hashes),
                tokens,
                column(chunk.tuids),
                column(chunk.origins),
                column(chunk.attributes),
                [value or now for value in column(chunk.created)],
                [value or now for value in column(chunk.updated)],
                strict=True,
            )
        )
        plan.inserts.extend(rows)
        self.inserted += len(rows)
        if self._indexed:
            for row_id, source, joined, (_, family, target_family, _) in zip(
                row_ids, sources, tokens, languages, strict=True
            ):
                if family in self._indexed:
                    unit = (row_id, source, joined.split(TOKEN_SEPARATOR), target_family)
                    self.changes.added.append((family, unit))
        if self._fresh:
            self._written_sources.update(dict.fromkeys(column(keys.sources)))
            self._written_tuids.update(
                dict.fromkeys(key for key in column(keys.tuids) if key is not None)
            )
        # the rows of the replay and these were appended apart: insert in id order
        if selected is not None:
            plan.inserts.sort(key=itemgetter(0))

    def _replay(
        self,
        chunk: list[Incoming],
        stored: list[tuple[Pair, StoredRow]],
        plan: ChunkPlan,
        now: str,
    ) -> None:
        """Replay units one by one on a view of the `stored` rows they touch."""
        by_source, by_tuid = _views(stored)
        touched: list[_Row] = []  # rows to insert or update, in the order first touched
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

    def _insert(self, row: _Row, first: Incoming, latest: Incoming) -> tuple[Any, ...]:
        """The values of a new row (source and keys from `first`, target from `latest`);
        its unit is collected for the loaded index of its source family."""
        row_id = first.row_id
        if first.source_family in self._indexed:
            unit = (row_id, first.source, first.tokens.split(TOKEN_SEPARATOR), first.target_family)
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
            first.tokens,
            row.tuid,
            latest.origin,
            latest.attributes,
            row.created_at,
            row.updated_at,
        )

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
        """The replay's final updates and inserts; into a fresh memory, the keys they store
        are noted, so that later chunks look them up."""
        for row in touched:
            latest = row.latest
            if row.deleted or latest is None:
                continue
            first = row.first
            if first is None:
                values = (latest.target, row.tuid, latest.origin, latest.attributes)
                plan.updates.append((*values, row.updated_at, row.id))
            else:
                row.id = first.row_id
                plan.inserts.append(self._insert(row, first, latest))
                if self._fresh:
                    self._written_sources[first.hash ^ first.salt] = None
            if self._fresh and row.tuid is not None:
                self._written_tuids[hash(row.tuid) ^ latest.salt] = None


class _SaltedKeys:
    """A chunk's keys salted with their language pair, to compare across pairs at once."""

    __slots__ = ("chunk", "sources", "tuid_set", "tuids")

    def __init__(self, chunk: AnalysedChunk) -> None:
        self.chunk = chunk
        salts = [language[3] for language in chunk.languages]
        self.sources = [h ^ salt for h, salt in zip(chunk.hashes, salts, strict=True)]
        self.tuids: list[int | None] = [
            None if tuid is None else hash(tuid) ^ salt
            for tuid, salt in zip(chunk.tuids, salts, strict=True)
        ]
        self.tuid_set = {key for key in self.tuids if key is not None}

    def colliding(self, stored: list[tuple[Pair, StoredRow]]) -> list[int]:
        """Positions of the units that share a key with another unit or a stored row.

        Equal salted hashes of different keys only add units to the replay, which compares
        the keys themselves.
        """
        shared_sources = _repeated(self.sources)
        shared_tuids = _repeated(key for key in self.tuids if key is not None)
        if stored:
            salt_of = {language[0]: language[3] for language in self.chunk.languages}
            for pair, row in stored:
                salt = salt_of[pair]
                shared_sources.add(row["source_hash"] ^ salt)
                if row["tuid"] is not None:
                    shared_tuids.add(hash(row["tuid"]) ^ salt)
        if not shared_sources and not shared_tuids:
            return []
        return [
            i
            for i, (source, tuid) in enumerate(zip(self.sources, self.tuids, strict=True))
            if source in shared_sources or tuid in shared_tuids
        ]


def _repeated(keys: Iterable[int]) -> set[int]:
    """The keys that occur more than once."""
    return {key for key, count in Counter(keys).items() if count > 1}


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
