"""Document translation jobs in the PostgreSQL store: the `jobs` and `job_segments` tables.

`PostgresJobs` is mixed into `PostgresStore`. Several replicas share the queue: a claim
takes the oldest claimable row with `SELECT ... FOR UPDATE SKIP LOCKED`, so two workers
never take one job and neither waits for the other; a job whose lease ran out (its
replica died) is claimable again. Every write by a worker first locks the job's row and
checks that the worker still holds the lease.

Times are UTC ISO 8601 text to the millisecond, as in the SQLite store.
"""

import json
import secrets
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection

from tm.errors import Conflict
from tm.models import DEFAULT_TENANT, Job, JobSegment, JobSpec, JobState
from tm.store.base import DEFAULT_JOB_LIST, JobLeaseLost, UnknownJob
from tm.store.sqlite_jobs import _JOB_COLUMNS, _now, _stamp, job_from_row

Conn = AsyncConnection[dict[str, Any]]


async def _fetch(conn: Conn, job_id: str, tenant: str | None, *, lock: bool = False) -> Job:
    cur = await conn.execute(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = %s AND (%s::text IS NULL OR tenant = %s)"
        + (" FOR UPDATE" if lock else ""),
        (job_id, tenant, tenant),
    )
    row = await cur.fetchone()
    if row is None:
        raise UnknownJob(f"no job with id {job_id!r} (finished jobs expire)")
    return job_from_row(row)


async def _held(conn: Conn, job_id: str, worker: str) -> Job:
    """The job, locked, if `worker` holds its lease; `JobLeaseLost` otherwise."""
    job = await _fetch(conn, job_id, None, lock=True)
    if job.state is not JobState.RUNNING or job.lease_owner != worker:
        raise JobLeaseLost(f"job {job_id!r} is {job.state.value} and no longer held by {worker}")
    return job


async def _extend(conn: Conn, job_id: str, lease_s: float) -> None:
    now = _now()
    await conn.execute(
        "UPDATE jobs SET lease_until = %s, updated_at = %s WHERE id = %s",
        (_stamp(now + timedelta(seconds=lease_s)), _stamp(now), job_id),
    )


class PostgresJobs:
    """The job methods of `PostgresStore` (which provides `_conn` and `_tx`)."""

    def _conn(self) -> AbstractAsyncContextManager[Conn]:
        raise NotImplementedError

    def _tx(self) -> AbstractAsyncContextManager[Conn]:
        raise NotImplementedError

    async def create_job(
        self, spec: JobSpec, document: bytes, segment_count: int, *, tenant: str = DEFAULT_TENANT
    ) -> Job:
        job_id = f"job_{secrets.token_hex(8)}"
        now = _stamp(_now())
        async with self._tx() as conn:
            await conn.execute(
                "INSERT INTO jobs (id, tenant, state, filename, format, source_lang,"
                " target_lang, memories, glossaries, options, segment_count, created_at,"
                " updated_at, document)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
            return await _fetch(conn, job_id, tenant)

    async def get_job(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> Job:
        async with self._conn() as conn:
            return await _fetch(conn, job_id, tenant)

    async def list_jobs(
        self, *, tenant: str = DEFAULT_TENANT, limit: int = DEFAULT_JOB_LIST
    ) -> list[Job]:
        async with self._conn() as conn:
            cur = await conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE tenant = %s"
                ' ORDER BY created_at DESC, id COLLATE "C" LIMIT %s',
                (tenant, limit),
            )
            return [job_from_row(row) for row in await cur.fetchall()]

    async def _blob(self, job_id: str, tenant: str, column: str) -> bytes | None:
        async with self._conn() as conn:
            cur = await conn.execute(
                f"SELECT {column} AS blob FROM jobs WHERE id = %s AND tenant = %s",
                (job_id, tenant),
            )
            row = await cur.fetchone()
        if row is None:
            raise UnknownJob(f"no job with id {job_id!r} (finished jobs expire)")
        return None if row["blob"] is None else bytes(row["blob"])

    async def job_document(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> bytes:
        return await self._blob(job_id, tenant, "document") or b""

    async def job_result(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> bytes | None:
        return await self._blob(job_id, tenant, "result")

    async def job_segments(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> list[JobSegment]:
        async with self._conn() as conn:
            await _fetch(conn, job_id, tenant)
            cur = await conn.execute(
                "SELECT segment_id, source, text, origin, report FROM job_segments"
                " WHERE job_id = %s",
                (job_id,),
            )
            found = await cur.fetchall()
        return [
            JobSegment(
                r["segment_id"], r["source"], r["text"], r["origin"], json.loads(r["report"])
            )
            for r in found
        ]

    async def claim_job(
        self, worker: str, *, lease_s: float, job_id: str | None = None
    ) -> Job | None:
        now = _now()
        async with self._tx() as conn:
            cur = await conn.execute(
                "UPDATE jobs SET state = %s, lease_owner = %s, lease_until = %s,"
                " started_at = %s, updated_at = %s, done_at_start = done_count WHERE id = ("
                " SELECT id FROM jobs WHERE (state = %s OR (state = %s AND lease_until < %s))"
                ' AND (%s::text IS NULL OR id = %s) ORDER BY created_at, id COLLATE "C"'
                " LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id",
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
            )
            row = await cur.fetchone()
            return None if row is None else await _fetch(conn, row["id"], None)

    async def renew_job_lease(self, job_id: str, worker: str, *, lease_s: float) -> Job:
        async with self._tx() as conn:
            await _held(conn, job_id, worker)
            await _extend(conn, job_id, lease_s)
            return await _fetch(conn, job_id, None)

    async def release_job(self, job_id: str, worker: str) -> Job:
        async with self._tx() as conn:
            await _held(conn, job_id, worker)
            await conn.execute(
                "UPDATE jobs SET state = %s, lease_owner = NULL, lease_until = NULL,"
                " updated_at = %s WHERE id = %s",
                (JobState.QUEUED.value, _stamp(_now()), job_id),
            )
            return await _fetch(conn, job_id, None)

    async def save_job_segments(
        self,
        job_id: str,
        worker: str,
        segments: Sequence[JobSegment],
        stats: dict[str, int],
        *,
        lease_s: float,
    ) -> Job:
        async with self._tx() as conn:
            job = await _held(conn, job_id, worker)
            cur = await conn.execute(
                "INSERT INTO job_segments (job_id, segment_id, source, text, origin, report)"
                " SELECT %s, * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[],"
                " %s::text[]) ON CONFLICT DO NOTHING RETURNING 1",
                (
                    job_id,
                    [s.segment_id for s in segments],
                    [s.source for s in segments],
                    [s.text for s in segments],
                    [s.origin for s in segments],
                    [json.dumps(s.report) for s in segments],
                ),
            )
            added = len(await cur.fetchall())
            totals = dict(job.stats)
            for name, value in stats.items():
                totals[name] = totals.get(name, 0) + value
            await conn.execute(
                "UPDATE jobs SET done_count = done_count + %s, stats = %s WHERE id = %s",
                (added, json.dumps(totals), job_id),
            )
            await _extend(conn, job_id, lease_s)
            return await _fetch(conn, job_id, None)

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
        async with self._tx() as conn:
            await _held(conn, job_id, worker)
            now = _now()
            await conn.execute(
                "UPDATE jobs SET state = %s, result = %s, error = %s, finished_at = %s,"
                " updated_at = %s, expires_at = %s, lease_owner = NULL, lease_until = NULL"
                " WHERE id = %s",
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
            return await _fetch(conn, job_id, None)

    async def cancel_job(
        self, job_id: str, *, tenant: str = DEFAULT_TENANT, retention_s: float
    ) -> Job:
        async with self._tx() as conn:
            job = await _fetch(conn, job_id, tenant, lock=True)
            if job.state.finished:
                raise Conflict(f"job {job_id!r} is already {job.state.value}")
            now = _now()
            await conn.execute(
                "UPDATE jobs SET state = %s, finished_at = %s, updated_at = %s,"
                " expires_at = %s, lease_owner = NULL, lease_until = NULL WHERE id = %s",
                (
                    JobState.CANCELLED.value,
                    _stamp(now),
                    _stamp(now),
                    _stamp(now + timedelta(seconds=retention_s)),
                    job_id,
                ),
            )
            return await _fetch(conn, job_id, tenant)

    async def delete_job(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        async with self._conn() as conn:
            cur = await conn.execute(
                "DELETE FROM jobs WHERE id = %s AND tenant = %s RETURNING id", (job_id, tenant)
            )
            if await cur.fetchone() is None:
                raise UnknownJob(f"no job with id {job_id!r} (finished jobs expire)")

    async def delete_expired_jobs(self) -> int:
        async with self._conn() as conn:
            cur = await conn.execute(
                "DELETE FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= %s RETURNING 1",
                (_stamp(_now()),),
            )
            return len(await cur.fetchall())

    async def count_jobs(self) -> dict[JobState, tuple[int, int]]:
        async with self._conn() as conn:
            cur = await conn.execute(
                "SELECT state, COUNT(*) AS jobs,"
                " COALESCE(SUM(segment_count - done_count), 0) AS pending"
                " FROM jobs GROUP BY state"
            )
            rows = await cur.fetchall()
        return {JobState(row["state"]): (int(row["jobs"]), int(row["pending"])) for row in rows}
