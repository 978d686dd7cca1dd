"""`adaptmt serve`: what it refuses to start on (in-process); in its own process, several
workers over one database, each logging as configured."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from typer.testing import CliRunner

from eval.standin import MARKER, StandIn
from service.cli import app
from tests.databases import database_url
from tests.service.processes import free_port, wait_until_up
from tm.store import postgres_schema

START_S = 30.0
WORKERS = 2
REQUESTS = 12  # each on a new connection, so the kernel spreads them over the workers


def test_serve_refuses_a_public_address_without_keys(adaptmt) -> None:  # type: ignore[no-untyped-def]
    result = adaptmt("serve", "--host", "0.0.0.0", ok=False)

    assert result.exit_code == 1
    assert "adaptmt keys create" in result.stderr and "--insecure-no-auth" in result.stderr


def test_serve_refuses_an_outdated_shared_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    with database_url("postgresql", tmp_path) as url:
        env = {"ADAPTMT_DATABASE_URL": url}
        assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
        next_release = [*postgres_schema.MIGRATIONS, "CREATE TABLE later (id INTEGER)"]
        monkeypatch.setattr(postgres_schema, "MIGRATIONS", next_release)
        monkeypatch.setattr(postgres_schema, "LATEST", len(next_release))
        refused = runner.invoke(app, ["serve"], env=env)
        upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert refused.exit_code == 1
    assert "run `adaptmt db upgrade` first" in refused.stderr
    assert "schema version 2 of 2: current (1 migration(s) applied)" in upgraded.stdout


def worker_processes(pid: int) -> list[psutil.Process]:
    children = psutil.Process(pid).children()
    return [c for c in children if "multiprocessing.spawn" in " ".join(c.cmdline())]


SERVE_WORKERS = [sys.executable, "-m", "service.cli", "serve", "--workers", str(WORKERS)]


def serve_env(tmp_path: Path, standin: StandIn, **settings: str) -> tuple[str, dict[str, str]]:
    """The URL and environment of a service on a free port, its own SQLite file and the
    stand-in; `settings`: more `ADAPTMT_*` variables."""
    port = free_port()
    env = os.environ | {
        "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'adaptmt.sqlite3'}",
        "ADAPTMT_LLM_URL": standin.base_url,
        "ADAPTMT_PORT": str(port),
        **settings,
    }
    return f"http://127.0.0.1:{port}", env


def test_workers_share_the_port_and_the_database(tmp_path: Path, standin: StandIn) -> None:
    url, env = serve_env(tmp_path, standin)
    process = subprocess.Popen(
        SERVE_WORKERS, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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


STARTED = "Started server process"
"""What uvicorn logs in each worker once its app is built."""


def wait_for_lines(log: Path, text: str, count: int) -> None:
    """Wait until `count` lines of `log` contain `text`."""
    deadline = time.monotonic() + START_S
    while log.read_text().count(text) < count:
        assert time.monotonic() < deadline, f"fewer than {count} lines with {text!r}"
        time.sleep(0.1)


def test_every_worker_logs_json_lines(tmp_path: Path, standin: StandIn) -> None:
    url, env = serve_env(tmp_path, standin, ADAPTMT_LOG_FORMAT="json")
    log_file = tmp_path / "stderr.log"
    with log_file.open("w") as stderr:
        process = subprocess.Popen(SERVE_WORKERS, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            wait_until_up(url, process, START_S)
            workers = {worker.pid for worker in worker_processes(process.pid)}
            wait_for_lines(log_file, STARTED, WORKERS)
            for _ in range(REQUESTS):
                httpx.get(f"{url}/v1/memories", timeout=10).raise_for_status()
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=START_S) == 0

    lines = [json.loads(line) for line in log_file.read_text().splitlines()]  # every line JSON
    started = {line["message"] for line in lines if line["logger"].startswith("uvicorn")}
    assert {f"{STARTED} [{pid}]" for pid in workers} <= started  # each configured
    access = [line for line in lines if line["logger"] == "adaptmt.access"]  # only workers serve
    assert [line["route"] for line in access].count("/v1/memories") == REQUESTS
