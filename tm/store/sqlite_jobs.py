"""Document translation jobs in the SQLite store: the `jobs` and `job_segments` tables.

`SQLiteJobs` is mixed into `SQLiteStore`, whose writer thread serialises every write, so a
claim (one `UPDATE ... RETURNING` of the oldest claimable row) cannot hand one job to two
workers of this process; another process's claim waits for the file's write lock. The
PostgreSQL store will claim with `SELECT ... FOR UPDATE SKIP LOCKED` on the same columns.

Times are stored as UTC ISO 8601 to the millisecond, so lease deadlines compare as text.
"""

import json
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from tm.errors import Conflict
from tm.models import DEFAULT_TENANT, Job, JobSegment, JobSpec, JobState
from tm.store.base import DEFAULT_JOB_LIST, JobLeaseLost, UnknownJob
from tm.store.sqlite_schema import Row

T = TypeVar("T")

_JOB_COLUMNS = (
    "id, tenant, state, filename, format, source_lang, target_lang, memories, glossaries,"
    " options, segment_count, done_count, stats, error, created_at, updated_at, started_at,"
    " done_at_start, finished_at, expires_at, lease_owner, lease_until,"
    " result IS NOT NULL AS has_result"
)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _now() -> datetime:
    return datetime.now(UTC)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def job_from_row(row: Row) -> Job:
    """A stored job row (selected with `_JOB_COLUMNS`) as a `Job`."""
    spec = JobSpec(
        filename=row["filename"],
        format=row["format"],
        source_lang=row["source_lang"],
        target_lang=row["target_lang"],
        memories=json.loads(row["memories"]),
        glossaries=json.loads(row["glossaries"]),
        options=json.loads(row["options"]),
    )
    return Job(
        id=row["id"],
        tenant=row["tenant"],
        spec=spec,
        state=JobState(row["state"]),
        segment_count=row["segment_count"],
        done_count=row["done_count"],
        stats=json.loads(row["stats"]),
        error=row["error"],
        created_at=_time(row["created_at"]),
        updated_at=_time(row["updated_at"]),
        started_at=_time(row["started_at"]),
        done_at_start=row["done_at_start"],
        finished_at=_time(row["finished_at"]),
        expires_at=_time(row["expires_at"]),
        lease_owner=row["lease_owner"],
        lease_until=_time(row["lease_until"]),
        has_result=bool(row["has_result"]),
    )


def _fetch(conn: sqlite3.Connection, job_id: str, tenant: str | None) -> Job:
    row = conn.execute(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ? AND (? IS NULL OR tenant = ?)",
        (job_id, tenant, tenant),
    ).fetchone()
    if row is None:
        raise UnknownJob(f"no job with id {job_id!r} (finished jobs expire)")
    return job_from_row(row)


def _held(conn: sqlite3.Connection, job_id: str, worker: str) -> Job:
    """The job, if `worker` holds its lease; `JobLeaseLost` otherwise."""
    job = _fetch(conn, job_id, None)
    if job.state is not JobState.RUNNING or job.lease_owner != worker:
        raise JobLeaseLost(f"job {job_id!r} is {job.state.value} and no longer held by {worker}")
    return job


class SQLiteJobs:
    """The job methods of `SQLiteStore` (which provides `_read` and `_write`)."""

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def create_job(
        self, spec: JobSpec, document: bytes, segment_count: int, *, tenant: str = DEFAULT_TENANT
    ) -> Job:
        job_id = f"job_{secrets.token_hex(8)}"
        now = _stamp(_now())

        def insert(conn: sqlite3.Connection) -> Job:
            conn.execute(
                "INSERT INTO jobs (id, tenant, state, filename, format, source_lang,"
                " target_lang, memories, glossaries, options, segment_count, created_at,"
                " updated_at, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    tenant,
                    JobState.QUEUED.value,
                    spec.filename,
                    spec.format,
                    spec.source_lang,
                    spec.target_lang,
                    json.dumps(spec.memories),
                    json.dumps(spec.glossaries),
                    json.dumps(spec.options),
                    segment_count,
                    now,
                    now,
                    document,
                ),
            )
            return _fetch(conn, job_id, tenant)

        return await self._write(insert)

    async def get_job(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> Job:
        return await self._read(lambda conn: _fetch(conn, job_id, tenant))

    async def list_jobs(
        self, *, tenant: str = DEFAULT_TENANT, limit: int = DEFAULT_JOB_LIST
    ) -> list[Job]:
        rows = await self._read(
            lambda conn: conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE tenant = ?"
                " ORDER BY created_at DESC, id LIMIT ?",
                (tenant, limit),
            ).fetchall()
        )
        return [job_from_row(row) for row in rows]

    async def _blob(self, job_id: str, tenant: str, column: str) -> bytes | None:
        def fetch(conn: sqlite3.Connection) -> bytes | None:
            row = conn.execute(
                f"SELECT {column} FROM jobs WHERE id = ? AND tenant = ?", (job_id, tenant)
            ).fetchone()
            if row is None:
                raise UnknownJob(f"no job with id {job_id!r} (finished jobs expire)")
            value: bytes | None = row[0]
            return value

        return await self._read(fetch)

    async def job_document(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> bytes:
        return await self._blob(job_id, tenant, "document") or b""

    async def job_result(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> bytes | None:
        return await self._blob(job_id, tenant, "result")

    async def job_segments(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> list[JobSegment]:
        def fetch(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            _fetch(conn, job_id, tenant)
            return conn.execute(
                "SELECT segment_id, source, text, origin, report FROM job_segments"
                " WHERE job_id = ?",
                (job_id,),
            ).fetchall()

        return [
            JobSegment(row[0], row[1], row[2], row[3], json.loads(row[4]))
            for row in await self._read(fetch)
        ]

    async def claim_job(
        self, worker: str, *, lease_s: float, job_id: str | None = None
    ) -> Job | None:
        def claim(conn: sqlite3.Connection) -> Job | None:
            now = _now()
            row = conn.execute(
                "UPDATE jobs SET state = ?, lease_owner = ?, lease_until = ?, started_at = ?,"
                " updated_at = ?, done_at_start = done_count WHERE id = ("
                " SELECT id FROM jobs WHERE (state = ? OR (state = ? AND lease_until < ?))"
                " AND (? IS NULL OR id = ?) ORDER BY created_at, id LIMIT 1) RETURNING id",
                (
                    JobState.RUNNING.value,
                    worker,
                    _stamp(now + timedelta(seconds=lease_s)),
                    _stamp(now),
                    _stamp(now),
                    JobState.QUEUED.value,
                    JobState.RUNNING.value,
                    _stamp(now),
                    job_id,
                    job_id,
                ),
            ).fetchone()
            return None if row is None else _fetch(conn, row[0], None)

        return await self._write(claim)

    async def renew_job_lease(self, job_id: str, worker: str, *, lease_s: float) -> Job:
        def renew(conn: sqlite3.Connection) -> Job:
            _held(conn, job_id, worker)
            _extend(conn, job_id, lease_s)
            return _fetch(conn, job_id, None)

        return await self._write(renew)

    async def save_job_segments(
        self,
        job_id: str,
        worker: str,
        segments: Sequence[JobSegment],
        stats: dict[str, int],
        *,
        lease_s: float,
    ) -> Job:
        rows = [
            (job_id, s.segment_id, s.source, s.text, s.origin, json.dumps(s.report))
            for s in segments
        ]

        def save(conn: sqlite3.Connection) -> Job:
            job = _held(conn, job_id, worker)
            added = conn.executemany(
                "INSERT OR IGNORE INTO job_segments (job_id, segment_id, source, text, origin,"
                " report) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            ).rowcount
            totals = dict(job.stats)
            for name, value in stats.items():
                totals[name] = totals.get(name, 0) + value
            conn.execute(
                "UPDATE jobs SET done_count = done_count + ?, stats = ? WHERE id = ?",
                (max(added, 0), json.dumps(totals), job_id),
            )
            _extend(conn, job_id, lease_s)
            return _fetch(conn, job_id, None)

        return await self._write(save)

    async def finish_job(
        self,
        job_id: str,
        worker: str,
        *,
        result: bytes | None,
        error: str | None = None,
        retention_s: float,
    ) -> Job:
        state = JobState.FAILED if error is not None else JobState.DONE

        def finish(conn: sqlite3.Connection) -> Job:
            _held(conn, job_id, worker)
            now = _now()
            conn.execute(
                "UPDATE jobs SET state = ?, result = ?, error = ?, finished_at = ?,"
                " updated_at = ?, expires_at = ?, lease_owner = NULL, lease_until = NULL"
                " WHERE id = ?",
                (
                    state.value,
                    result,
                    error,
                    _stamp(now),
                    _stamp(now),
                    _stamp(now + timedelta(seconds=retention_s)),
                    job_id,
                ),
            )
            return _fetch(conn, job_id, None)

        return await self._write(finish)

    async def release_job(self, job_id: str, worker: str) -> Job:
        def release(conn: sqlite3.Connection) -> Job:
            _held(conn, job_id, worker)
            conn.execute(
                "UPDATE jobs SET state = ?, lease_owner = NULL, lease_until = NULL,"
                " updated_at = ? WHERE id = ?",
                (JobState.QUEUED.value, _stamp(_now()), job_id),
            )
            return _fetch(conn, job_id, None)

        return await self._write(release)

    async def cancel_job(
        self, job_id: str, *, tenant: str = DEFAULT_TENANT, retention_s: float
    ) -> Job:
        def cancel(conn: sqlite3.Connection) -> Job:
            job = _fetch(conn, job_id, tenant)
            if job.state.finished:
                raise Conflict(f"job {job_id!r} is already {job.state.value}")
            now = _now()
            conn.execute(
                "UPDATE jobs SET state = ?, finished_at = ?, updated_at = ?, expires_at = ?,"
                " lease_owner = NULL, lease_until = NULL WHERE id = ?",
                (
                    JobState.CANCELLED.value,
                    _stamp(now),
                    _stamp(now),
                    _stamp(now + timedelta(seconds=retention_s)),
                    job_id,
                ),
            )
            return _fetch(conn, job_id, tenant)

        return await self._write(cancel)

    async def delete_job(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        def delete(conn: sqlite3.Connection) -> None:
            deleted = conn.execute(
                "DELETE FROM jobs WHERE id = ? AND tenant = ?", (job_id, tenant)
            ).rowcount
            if not deleted:
                raise UnknownJob(f"no job with id {job_id!r} (finished jobs expire)")

        await self._write(delete)

    async def delete_expired_jobs(self) -> int:
        def delete(conn: sqlite3.Connection) -> int:
            count: int = conn.execute(
                "DELETE FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (_stamp(_now()),),
            ).rowcount
            return count

        return await self._write(delete)

    async def count_jobs(self) -> dict[JobState, tuple[int, int]]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT state, COUNT(*), COALESCE(SUM(segment_count - done_count), 0)"
                " FROM jobs GROUP BY state"
            ).fetchall()
        )
        return {JobState(row[0]): (int(row[1]), int(row[2])) for row in rows}


def _extend(conn: sqlite3.Connection, job_id: str, lease_s: float) -> None:
    now = _now()
    conn.execute(
        "UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ?",
        (_stamp(now + timedelta(seconds=lease_s)), _stamp(now), job_id),
    )
