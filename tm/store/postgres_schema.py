"""The PostgreSQL store's schema: versioned migrations, applied under an advisory lock.

`adaptmt_schema.version` holds the number of migrations applied. A new, empty database is
initialised when a store first opens it (the two-command start works on PostgreSQL too);
a database behind the code must be upgraded with `adaptmt db upgrade` before a server
uses it, and a database ahead of the code (a newer release migrated it) is refused, so a
rollout never runs two schema versions against one database unsafely. Migrations run
under a transaction-scoped advisory lock, so replicas starting together apply them once.

Times are stored as UTC ISO 8601 text exactly as the SQLite store keeps them, so both
stores return identical values and lease deadlines compare as text.
"""

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import tuple_row

from tm.store.base import SchemaOutdated, SchemaTooNew

MIGRATION_LOCK = 0x61646D74  # advisory lock key ("admt") held while migrating

MIGRATIONS: list[str] = [
    # 1: everything the SQLite store had at its fifth migration, plus the unit change log
    """
    CREATE TABLE memories (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        unit_count BIGINT NOT NULL DEFAULT 0,
        revision BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE (tenant, name)
    );
    CREATE TABLE units (
        id BIGSERIAL PRIMARY KEY,
        memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        source_lang TEXT NOT NULL,
        target_lang TEXT NOT NULL,
        source_family TEXT NOT NULL,
        target_family TEXT NOT NULL,
        source_hash BIGINT NOT NULL,
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
    -- every revision of a memory logs its inserted and deleted units (or one 'reset'), so
    -- a replica's in-memory index catches up by replaying them instead of rebuilding
    CREATE TABLE unit_changes (
        memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
        revision BIGINT NOT NULL,
        seq BIGSERIAL,
        op CHAR(1) NOT NULL,
        unit_id BIGINT,
        source_family TEXT,
        PRIMARY KEY (memory_id, revision, seq)
    );
    CREATE TABLE glossaries (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        source_lang TEXT NOT NULL,
        target_lang TEXT NOT NULL,
        revision BIGINT NOT NULL DEFAULT 0,
        entry_count BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE (tenant, name)
    );
    CREATE TABLE glossary_entries (
        id BIGSERIAL PRIMARY KEY,
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
    CREATE TABLE api_keys (
        seq BIGSERIAL,
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        prefix TEXT NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used_at TEXT
    );
    CREATE INDEX api_keys_by_tenant ON api_keys (tenant);
    CREATE TABLE post_edits (
        id BIGSERIAL PRIMARY KEY,
        memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
        unit_id BIGINT,
        source TEXT NOT NULL,
        proposal TEXT NOT NULL,
        final TEXT NOT NULL,
        distance DOUBLE PRECISION NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX post_edits_by_memory ON post_edits (memory_id, created_at);
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        state TEXT NOT NULL,
        filename TEXT NOT NULL,
        format TEXT NOT NULL,
        source_lang TEXT NOT NULL,
        target_lang TEXT NOT NULL,
        memories TEXT NOT NULL DEFAULT '[]',
        glossaries TEXT NOT NULL DEFAULT '[]',
        options TEXT NOT NULL DEFAULT '{}',
        segment_count INTEGER NOT NULL,
        done_count INTEGER NOT NULL DEFAULT 0,
        stats TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        started_at TEXT,
        done_at_start INTEGER NOT NULL DEFAULT 0,
        finished_at TEXT,
        expires_at TEXT,
        lease_owner TEXT,
        lease_until TEXT,
        document BYTEA NOT NULL,
        result BYTEA
    );
    CREATE INDEX jobs_by_tenant ON jobs (tenant, created_at);
    CREATE INDEX jobs_claimable ON jobs (state, created_at);
    CREATE INDEX jobs_by_expiry ON jobs (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE job_segments (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        segment_id TEXT NOT NULL,
        source TEXT NOT NULL,
        text TEXT NOT NULL,
        origin TEXT NOT NULL,
        report TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (job_id, segment_id)
    );
    """,
]
LATEST = len(MIGRATIONS)


async def version(conn: AsyncConnection[Any]) -> int:
    """The number of migrations the database has applied (0: a new database)."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute("SELECT to_regclass('adaptmt_schema') IS NOT NULL")
        row = await cur.fetchone()
        if row is None or not row[0]:
            return 0
        await cur.execute("SELECT version FROM adaptmt_schema")
        row = await cur.fetchone()
    return 0 if row is None else int(row[0])


async def upgrade(conn: AsyncConnection[Any], *, only_if_new: bool = False) -> int:
    """Apply the missing migrations in one transaction; returns how many were applied.

    `only_if_new`: initialise an empty database, but leave an outdated one as it is.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        current = await version(conn)
        check_not_newer(current)
        if current == LATEST or (only_if_new and current > 0):
            return 0
        if current == 0:
            await conn.execute("CREATE TABLE IF NOT EXISTS adaptmt_schema (version INTEGER)")
            await conn.execute("INSERT INTO adaptmt_schema VALUES (0)")
        for script in MIGRATIONS[current:]:
            await conn.execute(script.encode())
        await conn.execute("UPDATE adaptmt_schema SET version = %s", (LATEST,))
        return LATEST - current


def check_not_newer(current: int) -> None:
    """Refuse a database that a newer release has migrated."""
    if current > LATEST:
        raise SchemaTooNew(
            f"the database schema is at version {current}, newer than this adaptmt's "
            f"{LATEST}: run the adaptmt release that migrated it"
        )


async def check(conn: AsyncConnection[Any]) -> None:
    """At open: initialise a new database; refuse an outdated or newer one."""
    await upgrade(conn, only_if_new=True)
    current = await version(conn)
    if current < LATEST:
        raise SchemaOutdated(
            f"the database schema is at version {current}, this adaptmt needs {LATEST}: "
            "run `adaptmt db upgrade` first"
        )
