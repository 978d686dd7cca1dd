"""Batched imports keep the identity rules: replayed against a one-unit-at-a-time model."""

import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.tm.store.conftest import tu
from tm.errors import InvalidFile
from tm.fuzzy import surface
from tm.models import TranslationUnit
from tm.store import AddResult, Store, open_store, unit_identity

SOURCES = [
    "Open the file",
    "Open  the file ",  # the same segment as the one before
    "open the file",  # another segment: case differs
    "Close the window",
    "Save all changes",
    "Delete the selected rows",
]
TUIDS = [None, None, "t1", "t2", "t3"]
PAIRS = [("en", "fr"), ("en", "fr"), ("en", "de")]


@dataclass
class Stored:
    source: str
    target: str
    pair: tuple[str, str]
    tuid: str | None


def add_one_by_one(rows: list[Stored], units: list[TranslationUnit]) -> AddResult:
    """The identity rules of `tm.store.base`, applied to one unit at a time."""
    inserted = deleted = updated = 0
    for unit in units:
        pair, key = (unit.source_lang, unit.target_lang), surface(unit.source)
        if unit.tuid is not None:
            old = next((r for r in rows if r.pair == pair and r.tuid == unit.tuid), None)
            if old is not None and surface(old.source) != key:
                rows.remove(old)
                deleted += 1
        same = next((r for r in rows if r.pair == pair and surface(r.source) == key), None)
        if same is None:
            rows.append(Stored(unit.source, unit.target, pair, unit.tuid))
            inserted += 1
        else:
            same.target, same.tuid = unit.target, unit.tuid or same.tuid
            updated += 1
    return AddResult(inserted - deleted, updated)


def random_batch(rng: random.Random, size: int, batch: int) -> list[TranslationUnit]:
    return [
        tu(rng.choice(SOURCES), f"target {batch}.{i}", *rng.choice(PAIRS), tuid=rng.choice(TUIDS))
        for i in range(size)
    ]


async def stored_rows(store: Store, memory_id: str) -> list[Stored]:
    return [
        Stored(u.source, u.target, (u.source_lang, u.target_lang), u.tuid)
        async for u in store.iter_units(memory_id)
    ]


@pytest.mark.parametrize("chunk", [1, 3, 5_000])
@pytest.mark.parametrize("seed", range(12))
async def test_batched_import_equals_one_unit_at_a_time(
    store: Store, url: str, monkeypatch: pytest.MonkeyPatch, chunk: int, seed: int
) -> None:
    monkeypatch.setattr(unit_identity, "WRITE_CHUNK", chunk)
    rng = random.Random(seed)
    mem = await store.create_memory("client")
    expected: list[Stored] = []
    for batch in range(3):  # the first into an empty memory, then into a filled one
        units = random_batch(rng, 14, batch)
        assert await store.add_units(mem.id, units) == add_one_by_one(expected, units)
        assert await stored_rows(store, mem.id) == expected
        assert (await store.get_memory(mem.id)).unit_count == len(expected)
        await store.match([mem.id], "Open the file", "en", "fr")  # later batches: index loaded

    async with open_store(url) as cold:  # indexes built from the database alone
        for row in expected:
            for current in (store, cold):
                best = (await current.match([mem.id], row.source, *row.pair, k=1))[0]
                assert (best.score, best.unit.target) == (100, row.target)
            warm_hits = await store.match([mem.id], row.source, *row.pair, k=10, min_score=1)
            cold_hits = await cold.match([mem.id], row.source, *row.pair, k=10, min_score=1)
            assert sorted((m.unit.id, m.score) for m in warm_hits) == sorted(
                (m.unit.id, m.score) for m in cold_hits
            )


def fails_after(units: list[TranslationUnit]) -> Iterator[TranslationUnit]:
    yield from units
    raise InvalidFile("line 42: unexpected end of file")


@pytest.mark.parametrize("chunk", [2, 5_000])
async def test_import_failing_after_written_chunks_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(unit_identity, "WRITE_CHUNK", chunk)
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("Keep me", "Gardez-moi", tuid="k")])
    await store.match([mem.id], "Keep me", "en", "fr")
    moved = [tu("Keep me now", "Gardez-moi", tuid="k"), tu("Fresh unit", "Nouveau")]
    with pytest.raises(InvalidFile):
        await store.add_units(mem.id, fails_after([*moved, tu("Another one", "Un autre")]))
    assert await stored_rows(store, mem.id) == [Stored("Keep me", "Gardez-moi", ("en", "fr"), "k")]
    memory = await store.get_memory(mem.id)
    assert (memory.unit_count, memory.revision) == (1, 1)
    (match,) = await store.match([mem.id], "Keep me", "en", "fr")
    assert match.score == 100
    assert await store.match([mem.id], "Fresh unit", "en", "fr") == []
