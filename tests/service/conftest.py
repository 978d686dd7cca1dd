"""The service on a real loopback HTTP server, over a fresh database, against the stand-in."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from eval.standin import StandIn
from service.app import create_app
from service.settings import Settings
from tests.databases import BACKENDS, database_url


class Served:
    """An ASGI app served by uvicorn in a background thread on 127.0.0.1."""

    def __init__(self, app: Any, settings: Settings | None = None) -> None:
        self.settings = settings
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the service failed to start")
            time.sleep(0.005)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join()


def settings_for(tmp: Path, llm_url: str, **overrides: Any) -> Settings:
    """Settings for a test service: its own database, the stand-in's URL, few retries."""
    fields: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp / 'adaptmt.sqlite3'}",
        "llm_url": llm_url,
        "llm_max_retries": 1,
        "llm_timeout_s": 5,
    }
    return Settings(_env_file=None, **(fields | overrides))  # type: ignore[call-arg]


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A new database per module and store: a SQLite file, then a PostgreSQL schema."""
    with database_url(str(request.param), tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def service(
    server: StandIn, database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One service per test module, over its own database, talking to the module's stand-in."""
    tmp = tmp_path_factory.mktemp("service")
    settings = settings_for(tmp, server.base_url, database_url=database)
    served = Served(create_app(settings), settings)
    yield served
    served.stop()


@pytest.fixture
def api(service: Served, standin: StandIn) -> Iterator[httpx.Client]:
    """An HTTP client of the module's service; the stand-in is reset for each test."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        yield client
