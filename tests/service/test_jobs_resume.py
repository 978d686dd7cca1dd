"""A job survives `kill -9`: the restarted service resumes it without repeating saved work."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eval.standin import MARKER, StandIn
from service.prompts import source_of
from tests.service.jobhelpers import submit, wait
from tm.store import open_store

SEGMENTS = 160
LATENCY_S = 0.1
KILL_AFTER = 24  # segments saved before the service is killed
START_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service:
    """`python -m service.cli serve` in its own process over one database."""

    def __init__(self, database: Path, llm_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "ADAPTMT_DATABASE_URL": f"sqlite:///{database}",
            "ADAPTMT_LLM_URL": llm_url,
            "ADAPTMT_PORT": str(self.port),
            "ADAPTMT_JOB_LEASE_S": "1",
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
        deadline = time.monotonic() + START_S
        while True:
            try:
                httpx.get(f"{self.url}/healthz", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                assert self.process.poll() is None, "the service exited"
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def slow_standin(standin: StandIn) -> Iterator[StandIn]:
    standin.latency_s = LATENCY_S
    yield standin


async def saved_sources(database: Path, job_id: str) -> set[str]:
    async with open_store(f"sqlite:///{database}") as store:
        return {s.source for s in await store.job_segments(job_id)}


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
