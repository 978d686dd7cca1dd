"""Batched unit writes for the SQLite store (the rules live in `tm.store.unit_identity`).

Each chunk's possible collisions are fetched with one query per language pair and kind,
the chunk is resolved in memory, and its final rows are written with `executemany`.
"""

import itertools
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from tm.fuzzy import TOKEN_SEPARATOR
from tm.models import TranslationUnit
from tm.store import unit_identity
from tm.store.file_import import FileUnits
from tm.store.unit_analysis import AnalysedChunk, Pair, source_hash, timestamp
from tm.store.unit_identity import (
    COLLISION_COLUMNS,
    UNIT_COLUMNS,
    IndexChanges,
    StoredRow,
    UnitResolver,
    same_source,
)

__all__ = ["TOKEN_SEPARATOR", "IndexChanges", "UnitWriter", "find_same_source", "timestamp"]

IMPORT_CACHE_KIB = 65_536  # page cache during a large import: it updates pages all over

_INSERT = f"INSERT INTO units ({UNIT_COLUMNS}) VALUES ({', '.join('?' * 15)})"
_UPDATE = (
    "UPDATE units SET target = ?, tuid = ?, origin = ?, attributes = ?, updated_at = ? WHERE id = ?"
)


def find_same_source(
    conn: sqlite3.Connection, memory_id: str, pair: Pair, key: str
) -> sqlite3.Row | None:
    """The stored unit of the pair whose source surface is `key`, if any."""
    rows = conn.execute(
        "SELECT * FROM units WHERE memory_id = ? AND source_lang = ? AND target_lang = ?"
        " AND source_hash = ?",
        (memory_id, *pair, source_hash(key)),
    ).fetchall()
    found: sqlite3.Row | None = same_source(rows, key)  # type: ignore[assignment]
    return found


class UnitWriter(UnitResolver):
    """Writes units in chunks inside the caller's transaction, keeping the identity rules.

    `indexed` names the source families whose index is loaded: only their changes are
    collected in `changes` (an import into a memory nobody searched keeps no tokens).
    """

    def __init__(self, conn: sqlite3.Connection, memory_id: str, indexed: set[str]) -> None:
        fresh = (
            conn.execute("SELECT 1 FROM units WHERE memory_id = ? LIMIT 1", (memory_id,)).fetchone()
            is None
        )
        next_id = conn.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'units'), 0),"
            " COALESCE((SELECT MAX(id) FROM units), 0)) + 1"
        ).fetchone()[0]
        super().__init__(memory_id, fresh=fresh, indexed=indexed)
        self.conn = conn
        self._next_id = next_id

    def write(self, units: Iterable[TranslationUnit]) -> None:
        """Write all `units`, in order, chunk by chunk (a `FileUnits` analysed in a child)."""
        chunks = (
            units.analysed_chunks(unit_identity.WRITE_CHUNK)
            if isinstance(units, FileUnits)
            else self.analyser.chunks(units, unit_identity.WRITE_CHUNK)
        )
        try:
            first = next(chunks, None)
            if first is None:
                return
            with self._import_cache(large=len(first) == unit_identity.WRITE_CHUNK):
                for chunk in itertools.chain([first], chunks):
                    self._write_chunk(chunk)
        finally:
            chunks.close()  # a child reading the file stops with the write

    @contextmanager
    def _import_cache(self, *, large: bool) -> Iterator[None]:
        """For a large import, a page cache that keeps the indexes' pages while it runs."""
        if not large:
            yield
            return
        usual = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {usual}")

    def _write_chunk(self, chunk: AnalysedChunk) -> None:
        hashes, tuids = self.wanted(chunk)
        found: dict[int, tuple[Pair, StoredRow]] = {}
        for pair, wanted_hashes in hashes.items():
            for row in self._select(pair, "source_hash", wanted_hashes):
                found[row["id"]] = (pair, row)
        for pair, wanted_tuids in tuids.items():
            for row in self._select(pair, "tuid", wanted_tuids):
                found[row["id"]] = (pair, row)
        ids = range(self._next_id, self._next_id + len(chunk))
        self._next_id = ids.stop
        plan = self.plan(chunk, list(found.values()), ids)
        if plan.deletes:
            self.conn.executemany("DELETE FROM units WHERE id = ?", [(i,) for i in plan.deletes])
        if plan.updates:
            self.conn.executemany(_UPDATE, plan.updates)
        if plan.inserts:
            self.conn.executemany(_INSERT, plan.inserts)

    def _select(self, pair: Pair, column: str, values: set[int] | set[str]) -> list[sqlite3.Row]:
        marks = ",".join("?" * len(values))
        return self.conn.execute(
            f"SELECT {COLLISION_COLUMNS} FROM units WHERE memory_id = ? AND source_lang = ?"
            f" AND target_lang = ? AND {column} IN ({marks})",
            (self.memory_id, *pair, *values),
        ).fetchall()
