"""Post-editing records and their per-day statistics."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tests.databases import execute
from tm.errors import UnknownMemory
from tm.models import PostEdit
from tm.store import Store

# (days ago, distance) of the recorded edits
EDITS = [(0, 0.0), (0, 0.5), (1, 0.3), (1, 0.0), (1, 0.0), (9, 1.0)]


def edit(memory_id: str, distance: float, created_at: datetime | None = None) -> PostEdit:
    return PostEdit(memory_id, None, "Save", "Enregistrer", "Sauvegarder", distance, created_at)


@pytest.mark.parametrize(
    ("days", "expected"),  # expected: (days ago, count, mean distance, unchanged), oldest first
    [
        (None, [(9, 1, 1.0, 0), (1, 3, 0.1, 2), (0, 2, 0.25, 1)]),
        (10, [(9, 1, 1.0, 0), (1, 3, 0.1, 2), (0, 2, 0.25, 1)]),
        (9, [(1, 3, 0.1, 2), (0, 2, 0.25, 1)]),
        (2, [(1, 3, 0.1, 2), (0, 2, 0.25, 1)]),
        (1, [(0, 2, 0.25, 1)]),
    ],
)
async def test_stats_per_utc_day(
    store: Store, days: int | None, expected: list[tuple[int, int, float, int]]
) -> None:
    mem = await store.create_memory("client")
    now = datetime.now(UTC)
    for days_ago, distance in EDITS:
        await store.record_edit(edit(mem.id, distance, now - timedelta(days=days_ago)))
    periods = await store.edit_stats(mem.id, days=days)
    today = now.date()
    assert [(p.day, p.count, round(p.mean_distance, 6), p.unchanged) for p in periods] == [
        (today - timedelta(days=ago), count, mean, unchanged)
        for ago, count, mean, unchanged in expected
    ]


@pytest.mark.parametrize(
    ("created_at", "day"),
    [
        (datetime(2024, 5, 2, 1, 30, tzinfo=timezone(timedelta(hours=2))), date(2024, 5, 1)),
        (datetime(2024, 5, 1, 23, 30, tzinfo=timezone(timedelta(hours=-3))), date(2024, 5, 2)),
        (datetime(2024, 5, 1, 23, 59, 59), date(2024, 5, 1)),  # naive: taken as UTC
    ],
)
async def test_days_are_utc_days(store: Store, created_at: datetime, day: date) -> None:
    mem = await store.create_memory("client")
    await store.record_edit(edit(mem.id, 0.5, created_at))
    assert [p.day for p in await store.edit_stats(mem.id)] == [day]


async def test_an_edit_without_time_is_recorded_now(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.record_edit(edit(mem.id, 0.0))
    (period,) = await store.edit_stats(mem.id, days=1)
    assert (period.count, period.unchanged) == (1, 1)


async def test_edits_belong_to_the_memory_and_its_tenant(store: Store, url: str) -> None:
    mem = await store.create_memory("client", tenant="acme")
    other = await store.create_memory("other", tenant="acme")
    await store.record_edit(edit(mem.id, 0.2), tenant="acme")
    await store.record_edit(edit(other.id, 0.4), tenant="acme")
    with pytest.raises(UnknownMemory):
        await store.record_edit(edit(mem.id, 0.2), tenant="globex")
    with pytest.raises(UnknownMemory):
        await store.edit_stats(mem.id, tenant="globex")
    assert [p.count for p in await store.edit_stats(other.id, tenant="acme")] == [1]

    await store.delete_memory(mem.id, tenant="acme")
    assert execute(url, "SELECT memory_id FROM post_edits") == [(other.id,)]


@pytest.mark.parametrize("distance", [-0.1, 1.01, float("nan")])
async def test_a_distance_outside_0_to_1_is_refused(store: Store, distance: float) -> None:
    mem = await store.create_memory("client")
    with pytest.raises(ValueError):
        await store.record_edit(edit(mem.id, distance))


async def test_days_must_be_positive(store: Store) -> None:
    mem = await store.create_memory("client")
    with pytest.raises(ValueError):
        await store.edit_stats(mem.id, days=0)
