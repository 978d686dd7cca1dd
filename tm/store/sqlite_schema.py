"""The SQLite store's schema: versioned migrations, connections, and rows to models.

`PRAGMA user_version` holds the number of migrations applied; opening a store applies the
missing ones in order, each in its own transaction, so an existing file upgrades in place.
"""

import json
import sqlite3
import time
from datetime import date, datetime

from tm.models import (
    ApiKey,
    EditPeriod,
    Glossary,
    GlossaryEntry,
    Memory,
    Origin,
    TranslationUnit,
)
from tm.store.base import SchemaTooNew
from tm.store.unit_identity import StoredRow as Row

BUSY_TIMEOUT_MS = 30_000
WAL_SWITCH_RETRY_S = 0.01

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
    # 2: revisions for caches; a stored entry count so that reading a glossary is one row
    """
    ALTER TABLE memories ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE glossaries ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE glossaries ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0;
    UPDATE glossaries SET entry_count =
        (SELECT COUNT(*) FROM glossary_entries e WHERE e.glossary_id = glossaries.id);
    """,
    # 3: API keys (only the SHA-256 of the secret is kept)
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        prefix TEXT NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used_at TEXT
    );
    CREATE INDEX api_keys_by_tenant ON api_keys (tenant);
    """,
    # 4: post-editing records (unit_id is informational: the unit may be gone later)
    """
    CREATE TABLE post_edits (
        id INTEGER PRIMARY KEY,
        memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
        unit_id INTEGER,
        source TEXT NOT NULL,
        proposal TEXT NOT NULL,
        final TEXT NOT NULL,
        distance REAL NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX post_edits_by_memory ON post_edits (memory_id, created_at);
    """,
    # 5: document translation jobs, their documents and per-segment results
    """
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
        document BLOB NOT NULL,
        result BLOB
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
    ) WITHOUT ROWID;
    """,
]


def connect(path: str, *, writer: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the store's pragmas."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    if writer:
        _use_wal(conn)
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    # switching a new file to WAL fails at once, without the busy handler, while another
    # connection opens it: wait as a busy write would
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_SWITCH_RETRY_S)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations the database has not seen yet; refuse a newer database."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise SchemaTooNew(
            f"the database schema is at version {version}, newer than this adaptmt's "
            f"{len(MIGRATIONS)}: run the adaptmt release that migrated it"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;"
            )
        except sqlite3.OperationalError:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # another process opening the same file may have applied it first
            if conn.execute("PRAGMA user_version").fetchone()[0] < number:
                raise


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def memory(row: Row) -> Memory:
    return Memory(
        row["id"],
        row["name"],
        row["tenant"],
        row["description"],
        row["unit_count"],
        _ts(row["created_at"]),
        row["revision"],
    )


def unit(row: Row) -> TranslationUnit:
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


def glossary(row: Row) -> Glossary:
    return Glossary(
        row["id"],
        row["name"],
        row["source_lang"],
        row["target_lang"],
        row["tenant"],
        row["entry_count"],
        _ts(row["created_at"]),
        row["revision"],
    )


def entry(row: Row) -> GlossaryEntry:
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


def api_key(row: Row) -> ApiKey:
    return ApiKey(
        row["id"],
        row["tenant"],
        row["name"],
        row["prefix"],
        _ts(row["created_at"]),
        _ts(row["last_used_at"]),
    )


def edit_period(row: Row) -> EditPeriod:
    return EditPeriod(
        date.fromisoformat(row["day"]), row["count"], row["mean_distance"], row["unchanged"]
    )
