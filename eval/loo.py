"""Leave-one-out lookups: when the TM is the test set itself, a segment never retrieves itself.

Moslem et al. (2023) took each TICO-19 segment's fuzzy matches from the rest of the set.
`leave_one_out(store)` gives the pipeline a store whose `match` asks for one match more and
drops the segment's own unit: the unit whose source is the looked-up text (the store keeps
one unit per source text and language pair, so duplicates of the segment go too). Every
other call goes to the store unchanged.
"""

from collections.abc import Sequence
from typing import Any, cast

from tm.fuzzy import DEFAULT_MIN_SCORE, surface
from tm.models import DEFAULT_TENANT, Match
from tm.store.base import DEFAULT_MATCHES, Store

SELF_MATCHES = 1
"""Units a lookup may find that are the segment itself: one, by the store's identity rules."""


class LeaveOneOut:
    """A store proxy whose fuzzy matches exclude the looked-up segment's own unit."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def match(
        self,
        memory_ids: Sequence[str],
        source: str,
        source_lang: str,
        target_lang: str,
        *,
        k: int = DEFAULT_MATCHES,
        min_score: int = DEFAULT_MIN_SCORE,
        tenant: str = DEFAULT_TENANT,
    ) -> list[Match]:
        """The store's top `k` matches, the segment's own unit left out."""
        found = await self._store.match(
            memory_ids,
            source,
            source_lang,
            target_lang,
            k=k + SELF_MATCHES,
            min_score=min_score,
            tenant=tenant,
        )
        own = surface(source)
        return [match for match in found if surface(match.unit.source) != own][:k]


def leave_one_out(store: Store) -> Store:
    """`store` with leave-one-out fuzzy lookups (see the module's docstring)."""
    return cast(Store, LeaveOneOut(store))
