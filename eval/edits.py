"""Post-editing over time, per memory: are the machine's proposals getting better?

Adaptation (`service.adaptation`) records every confirmed or corrected segment next to the
machine proposal it started from, with their word-level edit distance (the share of words
inserted, deleted or substituted: HTER without shifts). `edit_history` groups those records
by day, ISO week or month: how many, the mean edit rate, the share accepted unchanged.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tm.models import DEFAULT_TENANT, EditPeriod
from tm.store.base import Store


class Period(StrEnum):
    """How post-edits are grouped."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class EditRow:
    """Post-edits of one period."""

    period: str  # 2024-05-17, 2024-W20 or 2024-05
    edits: int
    edit_rate: float  # mean word-level edit distance, 0 = unchanged, 1 = rewritten
    unchanged: float  # share of proposals confirmed as they were


def _label(day: date, period: Period) -> str:
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.MONTH:
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def group_edits(days: Sequence[EditPeriod], period: Period = Period.DAY) -> list[EditRow]:
    """Daily post-editing figures grouped by period, oldest first, weighted by edits."""
    grouped: dict[str, list[EditPeriod]] = {}
    for day in days:
        grouped.setdefault(_label(day.day, period), []).append(day)
    rows = []
    for label, members in grouped.items():
        count = sum(m.count for m in members)
        rate = sum(m.mean_distance * m.count for m in members) / count if count else 0.0
        unchanged = sum(m.unchanged for m in members) / count if count else 0.0
        rows.append(EditRow(label, count, rate, unchanged))
    return rows


async def edit_history(
    store: Store,
    memory_id: str,
    *,
    period: Period = Period.DAY,
    days: int | None = None,
    tenant: str = DEFAULT_TENANT,
) -> list[EditRow]:
    """A memory's post-editing figures per period over the last `days` (all time when None)."""
    return group_edits(await store.edit_stats(memory_id, tenant=tenant, days=days), period)


def edits_markdown(memory: str, rows: Sequence[EditRow]) -> str:
    """The figures as a Markdown table with a total row."""
    lines = [
        f"# Post-editing of {memory}",
        "",
        "| period | edits | edit rate (HTER-style) | unchanged |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r.period} | {r.edits} | {r.edit_rate:.3f} | {r.unchanged * 100:.1f}% |" for r in rows
    ]
    total = sum(r.edits for r in rows)
    if total:
        rate = sum(r.edit_rate * r.edits for r in rows) / total
        unchanged = sum(r.unchanged * r.edits for r in rows) / total
        lines.append(f"| **all** | {total} | {rate:.3f} | {unchanged * 100:.1f}% |")
    else:
        lines.append("| – | 0 | – | – |")
    return "\n".join(lines) + "\n"
