"""Adaptation: translators' confirmed and corrected segments go into the memory at once.

A unit posted with the machine `proposal` it started from is stored as a `correction`
(or `confirmed` when unchanged), replacing any unit with the same tuid or source (the
store's identity rules), and the proposal is recorded next to the final text with their
edit distance. The store's next `match` already sees the unit, so the very next request
that resembles it gets it as an example or as a 100% reuse.

The distance is word-level: the Levenshtein distance between the two word sequences
(case-folded; spacing and punctuation do not count; Chinese, Japanese and Thai count each
character as a word) over the longer one: the post-editing effort that HTER measures,
without shifts. Its mean over time per memory tells a team whether the machine's
proposals are getting better.
"""

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from tm.models import DEFAULT_TENANT, Origin, PostEdit, TranslationUnit
from tm.store.base import AddResult, Store

_WORD_RE = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]|\w+")
"""A word, or one character of a script written without spaces."""


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True, slots=True)
class Adapted:
    """What adding a unit did."""

    result: AddResult
    unit: TranslationUnit | None
    edit_distance: float | None


def edit_distance(proposal: str, final: str) -> float:
    """Word-level edit distance between a proposal and its post-edit: 0 unchanged, 1 rewritten."""
    before, after = _words(proposal), _words(final)
    longest = max(len(before), len(after))
    return Levenshtein.distance(before, after) / longest if longest else 0.0


async def add_unit(
    store: Store,
    memory_id: str,
    unit: TranslationUnit,
    *,
    proposal: str | None = None,
    tenant: str = DEFAULT_TENANT,
) -> Adapted:
    """Store `unit` (a correction of `proposal` when given) and record the post-edit."""
    distance = None
    if proposal is not None:
        distance = edit_distance(proposal, unit.target)
        unit.origin = Origin.CONFIRMED if proposal == unit.target else Origin.CORRECTION
    result = await store.add_units(memory_id, [unit], tenant=tenant)
    stored = await store.unit_by_source(
        memory_id, unit.source, unit.source_lang, unit.target_lang, tenant=tenant
    )
    if proposal is not None and distance is not None:
        await store.record_edit(
            PostEdit(
                memory_id=memory_id,
                unit_id=stored.id if stored else None,
                source=unit.source,
                proposal=proposal,
                final=unit.target,
                distance=distance,
            ),
            tenant=tenant,
        )
    return Adapted(result, stored, distance)
