"""A job survives `kill -9` and SIGTERM: the restarted service resumes it without repeating
saved work; after a clean stop (SIGTERM) at once, without waiting for the old lease."""

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eval.standin import MARKER, StandIn
from service.prompts import source_of
from tests.service.jobhelpers import submit, wait
from tests.service.processes import free_port, wait_until_up
from tm.models import Job, JobState
from tm.store import open_store

SEGMENTS = 160
LATENCY_S = 0.1
KILL_AFTER = 24  # segments saved before the service is killed
START_S = 60.0  # a loaded machine may take long to import and start the service
LONG_LEASE_S = 120.0  # longer than the test may take: only a released job resumes in time
STOPPING_LATENCY_S = 0.3  # slow enough that the job is not done before SIGTERM takes effect
STOP_S = 20.0


class Service:
    """`python -m service.cli serve` in its own process over one database."""

    def __init__(self, database: Path, llm_url: str, lease_s: float = 1.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "ADAPTMT_DATABASE_URL": f"sqlite:///{database}",
            "ADAPTMT_LLM_URL": llm_url,
            "ADAPTMT_PORT": str(self.port),
            "ADAPTMT_JOB_LEASE_S": str(lease_s),
            "ADAPTMT_JOB_POLL_S": "0.1",
            "ADAPTMT_JOB_BATCH_SEGMENTS": "4",
            "ADAPTMT_JOB_CONCURRENCY": "8",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve"],
            env=env,
            cwd=database.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(self.url, self.process, START_S)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self) -> int:
        """SIGTERM, as a service manager stops it; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_S)


@pytest.fixture
def slow_standin(standin: StandIn) -> Iterator[StandIn]:
    standin.latency_s = LATENCY_S
    yield standin


async def saved_sources(database: Path, job_id: str) -> set[str]:
    async with open_store(f"sqlite:///{database}") as store:
        return {s.source for s in await store.job_segments(job_id)}


async def stored_job(database: Path, job_id: str) -> Job:
    async with open_store(f"sqlite:///{database}") as store:
        return await store.get_job(job_id)


def test_a_killed_service_resumes_its_job_without_retranslating(
    tmp_path: Path, slow_standin: StandIn
) -> None:
    database = tmp_path / "adaptmt.sqlite3"
    sources = [f"Resumable sentence number {n}." for n in range(SEGMENTS)]
    first = Service(database, slow_standin.base_url)
    try:
        with httpx.Client(base_url=first.url, timeout=10) as api:
            job = submit(api, "doc.txt", "\n\n".join(sources).encode()).json()
            wait(api, job["id"], until=lambda j: j["segments_done"] >= KILL_AFTER)
    finally:
        first.kill()
    before = asyncio.run(saved_sources(database, job["id"]))
    assert KILL_AFTER <= len(before) < SEGMENTS

    second = Service(database, slow_standin.base_url)
    try:
        with httpx.Client(base_url=second.url, timeout=10) as api:
            done = wait(api, job["id"])
            assert done["state"] == "done" and done["segments_done"] == SEGMENTS
            result = api.get(f"/v1/jobs/{job['id']}/result").text
    finally:
        second.kill()
    asked = Counter(source_of(r.messages) for r in slow_standin.requests)
    assert all(asked[source] == 1 for source in before)  # saved work was not sent again
    assert set(asked) == set(sources)
    assert result.split("\n\n") == [MARKER + source for source in sources]


def test_a_terminated_service_hands_its_job_back_and_the_next_resumes_it_at_once(
    tmp_path: Path, slow_standin: StandIn
) -> None:
    slow_standin.latency_s = STOPPING_LATENCY_S
    database = tmp_path / "adaptmt.sqlite3"
    sources = [f"Handed-back sentence number {n}." for n in range(SEGMENTS)]
    first = Service(database, slow_standin.base_url, lease_s=LONG_LEASE_S)
    try:
        with httpx.Client(base_url=first.url, timeout=10) as api:
            job = submit(api, "doc.txt", "\n\n".join(sources).encode()).json()
            wait(api, job["id"], until=lambda j: j["segments_done"] >= KILL_AFTER)
    finally:
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert first.terminate() in (0, -signal.SIGTERM)
    stopped = asyncio.run(stored_job(database, job["id"]))
    assert (stopped.state, stopped.lease_owner, stopped.lease_until) == (
        JobState.QUEUED,
        None,
        None,
    )
    before = asyncio.run(saved_sources(database, job["id"]))
    assert KILL_AFTER <= len(before) == stopped.done_count < SEGMENTS

    second = Service(database, slow_standin.base_url, lease_s=LONG_LEASE_S)
    try:
        with httpx.Client(base_url=second.url, timeout=10) as api:
            done = wait(api, job["id"])  # within WAIT_S, far less than the old lease
            assert done["state"] == "done" and done["segments_done"] == SEGMENTS
    finally:
        second.kill()
    asked = Counter(source_of(r.messages) for r in slow_standin.requests)
    assert all(asked[source] == 1 for source in before)
    assert set(asked) == set(sources)
