"""Leave-one-out lookups (`eval.loo`) over a real SQLite store."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from eval.loo import leave_one_out
from tests.eval.conftest import UNITS
from tm.models import TranslationUnit
from tm.store import Store, open_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(tmp_path / "loo.sqlite3") as opened:
        yield opened


async def test_a_segment_never_retrieves_itself(store: Store) -> None:
    memory = await store.create_memory("set")
    await store.add_units(memory.id, [TranslationUnit(s, t, "en", "fr") for s, t in UNITS])
    loo = leave_one_out(store)

    plain = await store.match([memory.id], "Wash your hands often.", "en", "fr", k=2)
    found = await loo.match([memory.id], "Wash  your hands often. ", "en", "fr", k=2)

    assert plain[0].unit.source == "Wash your hands often."
    assert [m.unit.source for m in found] == [
        "Wash your hands with soap.",
        "Wash your hands with water.",
    ]
    assert all(m.score < 100 for m in found)
    assert [m.id for m in await loo.list_memories()] == [memory.id]  # the rest is delegated
