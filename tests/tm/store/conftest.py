"""Fixtures and builders shared by the store tests."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tm.models import TranslationUnit
from tm.store import Store, open_store


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A database URL in the test's own directory."""
    return f"sqlite:///{tmp_path / 'tm.sqlite3'}"


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
