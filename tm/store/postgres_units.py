"""Batched unit writes for the PostgreSQL store (the rules live in `tm.store.unit_identity`).

Each chunk's possible collisions are fetched with one `= ANY(array)` query per language
pair and kind, the chunk is resolved in memory, and its final rows are written: deletes
by id array, updates with `executemany`, inserts with `COPY`. Ids of new rows are drawn
from the `units` sequence per chunk while the caller holds the memory's row lock, so a
memory's unit ids grow with its revisions (the in-memory indexes add ids in order).
"""

from collections.abc import Iterable
from typing import Any

from psycopg import AsyncConnection

from tm.models import TranslationUnit
from tm.store import unit_identity
from tm.store.unit_analysis import AnalysedChunk, Pair
from tm.store.unit_identity import COLLISION_COLUMNS, UNIT_COLUMNS, StoredRow, UnitResolver

_UPDATE = (
    "UPDATE units SET target = %s, tuid = %s, origin = %s, attributes = %s, updated_at = %s"
    " WHERE id = %s"
)


class PostgresUnitWriter(UnitResolver):
    """Writes units in chunks inside the caller's transaction; notes ids added and deleted."""

    def __init__(self, conn: AsyncConnection[dict[str, Any]], memory_id: str, fresh: bool) -> None:
        super().__init__(memory_id, fresh=fresh)
        self.conn = conn
        self.added_ids: list[int] = []
        self.deleted_ids: list[int] = []

    @staticmethod
    async def is_fresh(conn: AsyncConnection[dict[str, Any]], memory_id: str) -> bool:
        """Whether the memory holds no units."""
        cur = await conn.execute("SELECT 1 FROM units WHERE memory_id = %s LIMIT 1", (memory_id,))
        return await cur.fetchone() is None

    async def write(self, units: Iterable[TranslationUnit]) -> None:
        """Write all `units`, in order, chunk by chunk."""
        for chunk in self.analyser.chunks(units, unit_identity.WRITE_CHUNK):
            await self._write_chunk(chunk)

    async def _write_chunk(self, chunk: AnalysedChunk) -> None:
        hashes, tuids = self.wanted(chunk)
        found: dict[int, tuple[Pair, StoredRow]] = {}
        for pair, wanted_hashes in hashes.items():
            for row in await self._select(pair, "source_hash", list(wanted_hashes)):
                found[row["id"]] = (pair, row)
        for pair, wanted_tuids in tuids.items():
            for row in await self._select(pair, "tuid", list(wanted_tuids)):
                found[row["id"]] = (pair, row)
        cur = await self.conn.execute(
            "SELECT nextval(pg_get_serial_sequence('units', 'id')) AS id"
            " FROM generate_series(1, %s)",
            (len(chunk),),
        )
        ids = sorted(row["id"] for row in await cur.fetchall())
        plan = self.plan(chunk, list(found.values()), ids)
        if plan.deletes:
            await self.conn.execute("DELETE FROM units WHERE id = ANY(%s)", (plan.deletes,))
            self.deleted_ids.extend(plan.deletes)
        if plan.updates:
            async with self.conn.cursor() as cursor:
                await cursor.executemany(_UPDATE, plan.updates)
        if plan.inserts:
            copy_sql = f"COPY units ({UNIT_COLUMNS}) FROM STDIN"
            async with self.conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for values in plan.inserts:
                    await copy.write_row(values)
            self.added_ids.extend(values[0] for values in plan.inserts)

    async def _select(self, pair: Pair, column: str, values: list[Any]) -> list[dict[str, Any]]:
        cur = await self.conn.execute(
            f"SELECT {COLLISION_COLUMNS} FROM units WHERE memory_id = %s AND source_lang = %s"
            f" AND target_lang = %s AND {column} = ANY(%s)",
            (self.memory_id, *pair, values),
        )
        return await cur.fetchall()
