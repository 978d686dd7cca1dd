"""Compiled glossaries for the pipeline: one `TermIndex` per set of glossaries, cached by revision.

Compiling a 50,000-entry glossary takes seconds, recognizing its terms in a segment well
under a millisecond, so the compiled index is kept and reused. The cache key holds each
glossary's `revision`, which the store bumps in the same transaction as every change to
its entries: an edited glossary is recompiled on the next request, by any replica, and no
stale index is ever used.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Sequence

from tm.errors import InvalidLanguage
from tm.langs import same_family
from tm.models import DEFAULT_TENANT, Glossary
from tm.store.base import Store
from tm.terms import TermIndex

MAX_CACHED_INDEXES = 32
"""Compiled glossary sets kept in memory; a 50k-entry index takes about 50 MB."""

_Key = tuple[tuple[str, int], ...]


class Terminology:
    """Hands out compiled term indexes for the glossaries of a request."""

    def __init__(self, store: Store, *, max_cached: int = MAX_CACHED_INDEXES) -> None:
        self._store = store
        self._max_cached = max_cached
        self._cache: OrderedDict[tuple[_Key, str, str], TermIndex] = OrderedDict()
        self._building: dict[tuple[_Key, str, str], asyncio.Future[TermIndex]] = {}

    async def glossaries(
        self,
        glossary_ids: Sequence[str],
        source_lang: str,
        target_lang: str,
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> list[Glossary]:
        """The glossaries by id, checked to be of the request's language pair."""
        found = [await self._store.get_glossary(gid, tenant=tenant) for gid in glossary_ids]
        for glossary in found:
            if not (
                same_family(glossary.source_lang, source_lang)
                and same_family(glossary.target_lang, target_lang)
            ):
                raise InvalidLanguage(
                    f"glossary {glossary.id} ({glossary.name!r}) is for "
                    f"{glossary.source_lang} -> {glossary.target_lang}, but the request "
                    f"translates {source_lang} -> {target_lang}"
                )
        return found

    async def index(
        self,
        glossary_ids: Sequence[str],
        source_lang: str,
        target_lang: str,
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> TermIndex | None:
        """The compiled terms of the glossaries, or None when there are none."""
        if not glossary_ids:
            return None
        found = await self.glossaries(glossary_ids, source_lang, target_lang, tenant=tenant)
        key = (tuple(sorted((g.id, g.revision) for g in found)), source_lang, target_lang)
        if (cached := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return cached
        if (pending := self._building.get(key)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[TermIndex] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            entries = [e for g in found for e in await self._store.entries(g.id, tenant=tenant)]
            index = await asyncio.to_thread(TermIndex, entries, source_lang, target_lang)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            self._building.pop(key, None)
        future.set_result(index)
        self._remember(key, index)
        return index

    def _remember(self, key: tuple[_Key, str, str], index: TermIndex) -> None:
        stale = [
            k
            for k in self._cache
            if k[0] != key[0] and {g for g, _ in k[0]} == {g for g, _ in key[0]}
        ]
        for old in stale:  # an older revision of the same glossaries is never asked for again
            del self._cache[old]
        self._cache[key] = index
        while len(self._cache) > self._max_cached:
            self._cache.popitem(last=False)
