"""Test databases: a SQLite file, or a PostgreSQL schema of its own, dropped afterwards.

`ADAPTMT_TEST_POSTGRES` names the server (default: the CI server at 127.0.0.1:5432,
database `test`). When it cannot be reached, PostgreSQL tests fail under CI (`CI=true`)
and are skipped elsewhere, saying why.
"""

import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def server_url() -> str:
    return os.environ.get("ADAPTMT_TEST_POSTGRES", DEFAULT_SERVER)


def _connect() -> Any:
    import psycopg

    try:
        return psycopg.connect(server_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {server_url()} is not reachable: {exc}".strip()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message + " (set ADAPTMT_TEST_POSTGRES, or run under CI=true to fail)")


@contextmanager
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty schema on the test server; the schema is dropped after."""
    schema = f"adaptmt_test_{secrets.token_hex(6)}"
    with _connect() as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server_url() else "?"
    try:
        yield f"{server_url()}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with _connect() as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def database_url(backend: str, directory: Path) -> Iterator[str]:
    """A fresh database of `backend` ("sqlite" in `directory`, or "postgresql")."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'tm.sqlite3'}"
    else:
        with postgres_url() as url:
            yield url


def execute(url: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement (`?` placeholders) on the database behind the store's back."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql, params).fetchall()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql.replace("?", "%s").encode(), params)
        return cur.fetchall() if cur.description else []
