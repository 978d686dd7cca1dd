"""Structured logs: the request id in every line of a request, JSON lines from `adaptmt serve`."""

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from eval.standin import StandIn
from service.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, redact_url, request_id_from
from tests.service.processes import free_port, wait_until_up

START_S = 20.0


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("abc-123", True),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
        ("trace:1/2+3=4@host_x.y", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("two words", False),
        ("line\nbreak", False),
        ('"quoted"', False),
        ("", False),
        (None, False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_safe_to_pass_on(
    header: str | None, kept: bool
) -> None:
    result = request_id_from(header)

    assert (result == header) is kept
    if not kept:
        assert len(result) == 32 and int(result, 16) >= 0


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        (
            "postgresql://adaptmt:s3cr:et@db:5432/adaptmt",
            "postgresql://adaptmt:***@db:5432/adaptmt",
        ),
        ("postgresql://adaptmt@db/adaptmt", "postgresql://adaptmt@db/adaptmt"),
        (
            "sqlite:////var/lib/adaptmt/adaptmt.sqlite3",
            "sqlite:////var/lib/adaptmt/adaptmt.sqlite3",
        ),
    ],
)
def test_a_database_url_is_logged_without_its_password(url: str, logged: str) -> None:
    assert redact_url(url) == logged


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.getLogger("adaptmt.test").makeRecord(
        "adaptmt.test", logging.WARNING, __file__, 1, message, (), None, extra=extra
    )
    RequestIdFilter().filter(record)
    return record


def test_a_json_line_carries_the_current_request_id_and_the_extras() -> None:
    token = REQUEST_ID.set("req-7")
    try:
        inside = json.loads(JsonFormatter().format(_record("slow answer", duration_ms=12.5)))
    finally:
        REQUEST_ID.reset(token)
    outside = json.loads(JsonFormatter().format(_record("idle")))

    assert {k: inside[k] for k in ("level", "logger", "message", "request_id", "duration_ms")} == {
        "level": "warning",
        "logger": "adaptmt.test",
        "message": "slow answer",
        "request_id": "req-7",
        "duration_ms": 12.5,
    }
    assert inside["time"].endswith("Z")
    assert outside["request_id"] is None


def test_serve_writes_json_lines_with_the_request_id_it_sent_to_the_llm(
    tmp_path: Path, standin: StandIn
) -> None:
    port = free_port()
    env = os.environ | {
        "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'adaptmt.sqlite3'}",
        "ADAPTMT_LLM_URL": standin.base_url,
        "ADAPTMT_PORT": str(port),
        "ADAPTMT_LOG_FORMAT": "json",
    }
    log_file = tmp_path / "stderr.log"
    with log_file.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url, process, START_S)
            response = httpx.post(
                f"{url}/v1/translate",
                json={"source_lang": "en", "target_lang": "de", "segments": ["Good day."]},
                headers={"X-Request-ID": "trace-2024-a"},
                timeout=10,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)

    assert response.status_code == 200, response.text
    assert standin.requests[-1].headers["x-request-id"] == "trace-2024-a"
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]  # every line JSON
    access = [line for line in lines if line["logger"] == "adaptmt.access"]
    translate = [line for line in access if line.get("route") == "/v1/translate"]
    assert [(t["request_id"], t["method"], t["status"]) for t in translate] == [
        ("trace-2024-a", "POST", 200)
    ]
    assert translate[0]["duration_ms"] > 0
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # uvicorn's too
    assert not [line for line in lines if line["logger"] in ("httpx", "httpcore")]
    assert not [line for line in lines if "color_message" in line]
