"""Fixtures and builders shared by the store tests: every test runs on SQLite and PostgreSQL."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.databases import BACKENDS, database_url
from tm.models import TranslationUnit
from tm.store import Store, open_store


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which store the test runs on."""
    return str(request.param)


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A new database of the test's own: a SQLite file, or a PostgreSQL schema."""
    with database_url(backend, tmp_path) as opened:
        yield opened


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    async with open_store(url) as opened:
        yield opened


def tu(source: str, target: str, src: str = "en", tgt: str = "fr", **kw: object) -> TranslationUnit:
    """A unit, English to French unless told otherwise."""
    return TranslationUnit(source, target, src, tgt, **kw)  # type: ignore[arg-type]


async def sources_and_targets(store: Store, memory_id: str) -> list[tuple[str, str]]:
    """The memory's units as (source, target), in id order."""
    return [(u.source, u.target) async for u in store.iter_units(memory_id)]
