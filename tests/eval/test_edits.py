"""Post-editing over time per memory (`eval.edits`)."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from eval.edits import EditRow, Period, edit_history, edits_markdown, group_edits
from tm.models import EditPeriod, PostEdit
from tm.store import open_store

DAYS = [
    EditPeriod(date(2024, 5, 13), 2, 0.5, 0),  # Monday, week 20
    EditPeriod(date(2024, 5, 19), 2, 0.1, 1),  # Sunday, week 20
    EditPeriod(date(2024, 6, 3), 4, 0.0, 4),  # week 23
]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period.DAY, [EditRow("2024-05-13", 2, 0.5, 0.0), EditRow("2024-05-19", 2, 0.1, 0.5),
                      EditRow("2024-06-03", 4, 0.0, 1.0)]),
        (Period.WEEK, [EditRow("2024-W20", 4, 0.3, 0.25), EditRow("2024-W23", 4, 0.0, 1.0)]),
        (Period.MONTH, [EditRow("2024-05", 4, 0.3, 0.25), EditRow("2024-06", 4, 0.0, 1.0)]),
    ],
)  # fmt: skip
def test_grouping(period: Period, expected: list[EditRow]) -> None:
    rows = group_edits(DAYS, period)

    assert [(r.period, r.edits) for r in rows] == [(r.period, r.edits) for r in expected]
    assert [r.edit_rate for r in rows] == pytest.approx([r.edit_rate for r in expected])
    assert [r.unchanged for r in rows] == pytest.approx([r.unchanged for r in expected])


async def test_history_from_the_store(tmp_path: Path) -> None:
    async with open_store(tmp_path / "edits.sqlite3") as store:
        memory = await store.create_memory("client")
        for distance, day in ((0.0, 1), (0.5, 1), (0.25, 2)):
            when = datetime(2024, 5, day, 12, tzinfo=UTC)
            edit = PostEdit(memory.id, None, "s", "p", "f", distance, when)
            await store.record_edit(edit)

        rows = await edit_history(store, memory.id, period=Period.MONTH)

    assert rows == [EditRow("2024-05", 3, pytest.approx(0.25), pytest.approx(1 / 3))]
    markdown = edits_markdown("client", rows)
    assert "| 2024-05 | 3 | 0.250 | 33.3% |" in markdown
    assert "| **all** | 3 | 0.250 | 33.3% |" in markdown
    assert "| – | 0 | – | – |" in edits_markdown("client", [])
