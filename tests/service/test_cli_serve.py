"""`adaptmt serve` in its own process: several workers over one database."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil

from eval.standin import MARKER, StandIn
from tests.service.processes import free_port, wait_until_up

START_S = 30.0
WORKERS = 2
REQUESTS = 12  # each on a new connection, so the kernel spreads them over the workers


def worker_processes(pid: int) -> list[psutil.Process]:
    children = psutil.Process(pid).children()
    return [c for c in children if "multiprocessing.spawn" in " ".join(c.cmdline())]


def test_workers_share_the_port_and_the_database(tmp_path: Path, standin: StandIn) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'adaptmt.sqlite3'}",
        "ADAPTMT_LLM_URL": standin.base_url,
        "ADAPTMT_PORT": str(port),
    }
    command = [sys.executable, "-m", "service.cli", "serve", "--workers", str(WORKERS)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(url, process, START_S)
        assert len(worker_processes(process.pid)) == WORKERS
        created = httpx.post(f"{url}/v1/memories", json={"name": "shared"}, timeout=10)
        assert created.status_code == 201, created.text
        for n in range(REQUESTS):
            listed = httpx.get(f"{url}/v1/memories", timeout=10).json()["memories"]
            assert [m["name"] for m in listed] == ["shared"]
            body = {"source_lang": "en", "target_lang": "fr", "segments": [f"Line {n}."]}
            translated = httpx.post(f"{url}/v1/translate", json=body, timeout=10)
            assert translated.json()["segments"][0]["text"] == f"{MARKER}Line {n}."
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=START_S) == 0
