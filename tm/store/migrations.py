"""Schema versions of a database, and upgrading them: `adaptmt db status` and `db upgrade`.

Both stores keep a count of the migrations applied (SQLite: `PRAGMA user_version`;
PostgreSQL: the `adaptmt_schema` table). Opening a store initialises a new database and
refuses one migrated by a newer release; an outdated PostgreSQL database is refused too
(replicas must not migrate a shared database behind each other's back: `adaptmt db
upgrade` does it once, e.g. as a deployment's migration job), while the embedded SQLite
file is upgraded in place on open, as it always was.
"""

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database's schema stands against this release's."""

    backend: str
    current: int  # migrations the database has applied (0: none, a new database)
    latest: int  # migrations this release knows

    @property
    def state(self) -> str:
        """`new`, `outdated`, `current` or `newer` (migrated by a newer release)."""
        if self.current == 0:
            return "new"
        if self.current < self.latest:
            return "outdated"
        return "current" if self.current == self.latest else "newer"


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///").removeprefix("sqlite://")


async def schema_status(url: str | Path) -> SchemaStatus:
    """The schema version of the database `url` names, changing nothing."""
    text = str(url)
    if _is_postgres(text):
        from psycopg import AsyncConnection

        from tm.store import postgres_schema

        async with await AsyncConnection.connect(text, autocommit=True) as conn:
            current = await postgres_schema.version(conn)
        return SchemaStatus("postgresql", current, postgres_schema.LATEST)
    from tm.store import sqlite_schema

    path = _sqlite_path(text)
    current = 0
    if path == ":memory:" or Path(path).exists():
        with sqlite3.connect(path) as conn:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
    return SchemaStatus("sqlite", current, len(sqlite_schema.MIGRATIONS))


async def upgrade_schema(url: str | Path) -> tuple[SchemaStatus, SchemaStatus]:
    """Apply the missing migrations; the status before and after."""
    text = str(url)
    before = await schema_status(text)
    if _is_postgres(text):
        from psycopg import AsyncConnection

        from tm.store import postgres_schema

        async with await AsyncConnection.connect(text, autocommit=True) as pg:
            await postgres_schema.upgrade(pg)
    else:
        from tm.store import sqlite_schema

        path = _sqlite_path(text)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite_schema.connect(path, writer=True)
        try:
            sqlite_schema.migrate(conn)
        finally:
            conn.close()
    return before, await schema_status(text)
