"""`adaptmt translate-file` and `adaptmt analyze`: documents from the command line, embedded
(no server) and against a running server on loopback (`--server`)."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from eval.standin import MARKER, StandIn
from service.app import create_app
from service.cli import app as cli
from service.cli.documents import INTERRUPTED_EXIT
from service.prompts import source_of
from tests.service.conftest import Served, settings_for
from tm.models import Job, JobState
from tm.store import open_store


def env_for(tmp_path: Path, standin: StandIn) -> dict[str, str]:
    return {
        "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "ADAPTMT_LLM_URL": standin.base_url,
    }


def test_translate_file_writes_the_translated_document(tmp_path: Path, standin: StandIn) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("Open the file.\n\nClose it.\n\nOpen the file.\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["translate-file", str(source), "--from", "en", "--to", "de"],
        env=env_for(tmp_path, standin),
    )
    assert result.exit_code == 0, result.output
    written = (tmp_path / "notes.de.txt").read_text(encoding="utf-8")
    assert written == f"{MARKER}Open the file.\n\n{MARKER}Close it.\n\n{MARKER}Open the file.\n"
    assert "3 segment(s)" in result.stderr and len(standin.requests) == 2


def test_a_bad_document_is_an_error_message(tmp_path: Path, standin: StandIn) -> None:
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    result = CliRunner().invoke(
        cli,
        ["translate-file", str(bad), "--from", "en", "--to", "de"],
        env=env_for(tmp_path, standin),
    )
    assert result.exit_code == 1 and "error:" in result.stderr


def test_analyze_prints_the_leverage_table(tmp_path: Path, standin: StandIn) -> None:
    source = tmp_path / "a.txt"
    source.write_text("One two three.\n\nOne two three.\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["analyze", str(source), "--from", "en", "--to", "de"], env=env_for(tmp_path, standin)
    )
    assert result.exit_code == 0, result.output
    rows = {line.rsplit(None, 2)[0]: line.split()[-2:] for line in result.stdout.splitlines()[1:]}
    assert rows["no match"] == ["1", "3"] and rows["repetitions"] == ["1", "3"]
    assert rows["total"] == ["2", "6"]


INTERRUPTED_SEGMENTS = 120
INTERRUPT_AFTER = 8  # segments saved before Ctrl-C
INTERRUPT_LATENCY_S = 0.3  # slow enough that the job is far from done at Ctrl-C
RUN_S = 60.0  # a loaded machine may take long to import and start the command


async def stored_job(database: Path) -> tuple[Job | None, set[str]]:
    """The one job in the database (None before it exists) and its saved sources."""
    async with open_store(f"sqlite:///{database}") as store:
        jobs = await store.list_jobs()
        if not jobs:
            return None, set()
        return jobs[0], {s.source for s in await store.job_segments(jobs[0].id)}


def started_job(database: Path, process: subprocess.Popen[bytes], log: Path, saved: int) -> Job:
    """The job once `saved` segments of it are saved; fails if the process ends first."""
    deadline = time.monotonic() + RUN_S
    while True:
        running = "translating" in log.read_text()  # the progress bar: the database is set up
        job, _ = asyncio.run(stored_job(database)) if running else (None, set())
        if job and job.done_count >= saved:
            return job
        assert process.poll() is None, "translate-file ended before Ctrl-C"
        assert time.monotonic() < deadline, f"no progress: {job}"
        time.sleep(0.05)


def test_ctrl_c_hands_the_job_back_and_the_next_run_resumes_it(
    tmp_path: Path, standin: StandIn
) -> None:
    sources = [f"Interrupted sentence number {n}." for n in range(INTERRUPTED_SEGMENTS)]
    document = tmp_path / "long.txt"
    document.write_text("\n\n".join(sources), encoding="utf-8")
    database = tmp_path / "cli.sqlite3"
    env = env_for(tmp_path, standin) | {
        "ADAPTMT_JOB_BATCH_SEGMENTS": "4",
        "ADAPTMT_JOB_CONCURRENCY": "8",
    }
    standin.latency_s = INTERRUPT_LATENCY_S
    command = [sys.executable, "-m", "service.cli", "translate-file", str(document)]
    log_file = tmp_path / "stderr.log"
    with log_file.open("w") as stderr:
        process = subprocess.Popen(
            [*command, "--from", "en", "--to", "de"],
            env=os.environ | env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            started_job(database, process, log_file, INTERRUPT_AFTER)
        finally:
            process.send_signal(signal.SIGINT)
            returncode = process.wait(timeout=RUN_S)
    errors = log_file.read_text()
    stopped, before = asyncio.run(stored_job(database))
    assert stopped is not None
    assert (returncode, "Traceback" in errors) == (INTERRUPTED_EXIT, False), errors
    assert f"interrupted: the job {stopped.id} is queued" in errors
    assert (stopped.state, stopped.lease_owner) == (JobState.QUEUED, None)
    assert INTERRUPT_AFTER <= len(before) == stopped.done_count < INTERRUPTED_SEGMENTS

    standin.latency_s = 0.0
    resumed = CliRunner().invoke(
        cli, ["translate-file", str(document), "--from", "en", "--to", "de"], env=env
    )
    assert resumed.exit_code == 0, resumed.output
    assert f"resuming the job {stopped.id}: {len(before)} of" in resumed.stderr
    written = (tmp_path / "long.de.txt").read_text(encoding="utf-8")
    assert written.split("\n\n") == [MARKER + source for source in sources]
    asked = Counter(source_of(r.messages) for r in standin.requests)
    assert all(asked[source] == 1 for source in before)  # saved work was not sent again
    assert set(asked) == set(sources)
    done, _ = asyncio.run(stored_job(database))
    assert done is not None and (done.id, done.state) == (stopped.id, JobState.DONE)


# -- against a running server (--server) -------------------------------------------------------


def translate_remote(tmp_path: Path, url: str, source: Path, *args: str, **env: str) -> Result:
    """`adaptmt translate-file --server URL`; no local database may be touched."""
    local = {"ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'local.sqlite3'}"} | env
    result = CliRunner().invoke(
        cli,
        ["translate-file", str(source), "--from", "en", "--to", "de", "--server", url, *args],
        env=local,
    )
    assert not (tmp_path / "local.sqlite3").exists()
    return result


def test_translate_file_runs_the_job_on_the_server(
    tmp_path: Path, service: Served, api: httpx.Client, standin: StandIn
) -> None:
    memory = api.post("/v1/memories", json={"name": "remote-acme"}).raise_for_status().json()
    unit = {
        "source": "Close it.",
        "target": "Schließ es.",
        "source_lang": "en",
        "target_lang": "de",
    }
    api.post(f"/v1/memories/{memory['id']}/units", json=unit).raise_for_status()
    source = tmp_path / "notes.txt"
    source.write_text("Open the file.\n\nClose it.\n\nOpen the file.\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = translate_remote(tmp_path, service.url, source, "-m", "remote-acme", "-o", str(out))
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert written == f"{MARKER}Open the file.\n\nSchließ es.\n\n{MARKER}Open the file.\n"
    assert "translating" in result.stderr
    assert f"3 segment(s), 8 word(s) translated (llm 2, tm 1) -> {out}" in result.stderr
    assert len(standin.requests) == 1  # the repetition and the TM match need no LLM
    jobs = api.get("/v1/jobs").json()["jobs"]
    assert jobs[0]["filename"] == "notes.txt" and jobs[0]["memories"] == [memory["id"]]


@pytest.mark.parametrize(
    ("filename", "data", "args", "message"),
    [
        ("broken.docx", b"not a zip", [], "with 422 invalid_document:"),
        ("notes.exe", b"MZ", [], "with 415 unsupported_format:"),
        ("a.txt", b"Hello.", ["-m", "no-such-memory"], "has no memory with id or name"),
        ("a.txt", b"Hello.", ["-g", "no-such-glossary"], "has no glossary with id or name"),
    ],
)
def test_a_refused_submission_is_the_servers_message(
    tmp_path: Path, service: Served, filename: str, data: bytes, args: list[str], message: str
) -> None:
    source = tmp_path / filename
    source.write_bytes(data)
    result = translate_remote(tmp_path, service.url, source, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {service.url}") and message in result.stderr
    assert not (tmp_path / f"{source.stem}.de{source.suffix}").exists()


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, not listening: refused
        source = tmp_path / "a.txt"
        source.write_text("Hello.", encoding="utf-8")
        result = translate_remote(tmp_path, url, source)
    assert result.exit_code == 1
    assert f"error: cannot reach the adaptmt server at {url}" in result.stderr


def test_a_server_with_keys_needs_the_api_key(
    tmp_path: Path, server: StandIn, standin: StandIn
) -> None:
    settings = settings_for(tmp_path, server.base_url)
    created = CliRunner().invoke(
        cli,
        ["keys", "create", "--tenant", "acme"],
        env={"ADAPTMT_DATABASE_URL": settings.database_url},
    )
    key = created.stdout.strip()
    served = Served(create_app(settings), settings)
    try:
        source = tmp_path / "a.txt"
        source.write_text("Hello there.", encoding="utf-8")
        refused = translate_remote(tmp_path, served.url, source)
        assert refused.exit_code == 1 and "with 401 unauthorized:" in refused.stderr
        by_option = translate_remote(tmp_path, served.url, source, "--api-key", key)
        assert by_option.exit_code == 0, by_option.output
        by_env = translate_remote(tmp_path, served.url, source, ADAPTMT_API_KEY=key)
        assert by_env.exit_code == 0, by_env.output
    finally:
        served.stop()
    assert (tmp_path / "a.de.txt").read_text(encoding="utf-8") == f"{MARKER}Hello there."
