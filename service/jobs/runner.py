"""The job runner: workers that claim queued jobs from the store and translate them.

Started in the app's lifespan (`start`) and stopped with it (`stop`). Each of `job_workers`
workers loops: claim a job (the oldest queued one, or one whose worker died and let its
lease run out), translate it (`JobWork`), claim the next; an idle worker waits for `wake`
(a job was submitted) or `job_poll_s`. At start the workers resume unfinished jobs; a
janitor deletes finished jobs whose retention has passed. Several processes may run
runners over one database: the store's leases keep each job with one worker. A worker
stopped in the middle of a job (shutdown, SIGTERM) hands it back, so another process, or
this one restarted, resumes it at once rather than after the lease.
"""

import asyncio
import contextlib
import logging
import os
import socket
import uuid

from service.allocator import trim
from service.jobs.work import JobLimits, JobWork
from service.logs import REQUEST_ID
from service.pipeline import Options, Translator
from service.settings import Settings
from tm.models import Job
from tm.store import JobLeaseLost, Store

log = logging.getLogger(__name__)

PURGE_INTERVAL_S = 60.0
"""How often expired jobs are deleted."""

SECONDS_PER_HOUR = 3600


def job_limits(settings: Settings) -> JobLimits:
    """How workers pace jobs, from the settings."""
    return JobLimits(
        concurrency=settings.job_concurrency,
        batch_segments=settings.job_batch_segments,
        lease_s=settings.job_lease_s,
        retention_s=settings.job_retention_hours * SECONDS_PER_HOUR,
    )


def worker_name() -> str:
    """A name unique to this process's runner: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobRunner:
    """Translates the store's queued jobs in the background."""

    def __init__(
        self,
        store: Store,
        translator: Translator,
        defaults: Options,
        limits: JobLimits,
        *,
        workers: int = 1,
        poll_s: float = 1.0,
    ) -> None:
        self.store = store
        self.translator = translator
        self.defaults = defaults
        self.limits = limits
        self.workers = workers
        self.poll_s = poll_s
        self.name = worker_name()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start the workers and the janitor; unfinished jobs resume."""
        self._tasks = [
            asyncio.create_task(self._worker(f"{self.name}-{n}")) for n in range(self.workers)
        ]
        self._tasks.append(asyncio.create_task(self._janitor()))

    async def stop(self) -> None:
        """Stop working; a job in progress is released and resumes from its saved batches."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def wake(self) -> None:
        """Tell idle workers a job is waiting."""
        self._wake.set()

    async def run_one(self, job_id: str) -> Job:
        """Translate one job in the foreground (the CLI); returns it finished."""
        job = await self.store.claim_job(self.name, lease_s=self.limits.lease_s, job_id=job_id)
        if job is None:
            return await self.store.get_job(job_id)
        return await self._work(job, self.name)

    async def _worker(self, worker: str) -> None:
        while True:
            try:
                job = await self.store.claim_job(worker, lease_s=self.limits.lease_s)
            except Exception:
                log.exception("could not claim a job")
                job = None
            if job is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                continue
            await self._work(job, worker)

    async def _work(self, job: Job, worker: str) -> Job:
        work = JobWork(job, worker, self.store, self.translator, self.defaults, self.limits)
        token = REQUEST_ID.set(job.id)  # its log lines carry the job id, as its LLM calls do
        try:
            await work.run()
        except JobLeaseLost as exc:
            log.info("job %s stopped: %s", job.id, exc)
        except asyncio.CancelledError:
            await self._release(job, worker)
            raise
        except Exception:
            log.exception("job %s: could not record its outcome", job.id)
        finally:
            REQUEST_ID.reset(token)
        await asyncio.to_thread(trim)  # what the job freed goes back to the system
        return await self.store.get_job(job.id, tenant=job.tenant)

    async def _release(self, job: Job, worker: str) -> None:
        """Hand a job back when its worker is stopped; the saved batches stay."""
        try:
            await self.store.release_job(job.id, worker)
            log.info("job %s released for another worker", job.id)
        except JobLeaseLost:
            pass  # finished, cancelled or taken over meanwhile: nothing to hand back
        except Exception:
            log.exception("job %s: could not release it; it resumes after its lease", job.id)

    async def _janitor(self) -> None:
        while True:
            try:
                if deleted := await self.store.delete_expired_jobs():
                    log.info("deleted %d expired job(s)", deleted)
            except Exception:
                log.exception("could not delete expired jobs")
            await asyncio.sleep(PURGE_INTERVAL_S)
