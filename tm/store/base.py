"""The store interface: memories, units, glossaries and fuzzy lookups, async.

Everything above `tm/` talks to a `Store`; the SQLite store is the embedded default and a
PostgreSQL store implements the same interface, so nothing outside `tm/store/` may know
which one it has.

Consistency rules every implementation keeps:
* A unit is identified within its memory by its `tuid` and language pair when it has a
  tuid, and always by its language pair and source text (compared as `tm.fuzzy.surface`:
  NFC, whitespace collapsed). Adding a unit that matches either replaces the stored one
  (the newest correction wins); a tuid whose source changed moves to the new source.
* `add_units` and `add_entries` are atomic: a file that fails half-way stores nothing.
* A unit added is found by the very next `match`.
"""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass

from tm.fuzzy import DEFAULT_MIN_SCORE
from tm.models import DEFAULT_TENANT, Glossary, GlossaryEntry, Match, Memory, TranslationUnit

DEFAULT_MATCHES = 5


@dataclass(frozen=True, slots=True)
class AddResult:
    """What an `add_units` call did."""

    added: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated


class Store(ABC):
    """Persistent memories and glossaries with fuzzy lookup."""

    # -- lifecycle ---------------------------------------------------------------------------

    @abstractmethod
    async def close(self) -> None:
        """Release connections and threads."""

    async def __aenter__(self) -> "Store":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the database cannot be reached (readiness)."""

    # -- memories ----------------------------------------------------------------------------

    @abstractmethod
    async def create_memory(
        self, name: str, *, tenant: str = DEFAULT_TENANT, description: str = ""
    ) -> Memory:
        """Create an empty memory; `Conflict` if the tenant already has one of that name."""

    @abstractmethod
    async def get_memory(self, memory_id: str, *, tenant: str = DEFAULT_TENANT) -> Memory:
        """The memory, or `UnknownMemory` (also for another tenant's memory)."""

    @abstractmethod
    async def list_memories(self, *, tenant: str = DEFAULT_TENANT) -> list[Memory]:
        """The tenant's memories, by name."""

    @abstractmethod
    async def delete_memory(self, memory_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        """Delete a memory and all its units."""

    @abstractmethod
    async def add_units(
        self, memory_id: str, units: Iterable[TranslationUnit], *, tenant: str = DEFAULT_TENANT
    ) -> AddResult:
        """Add or replace units atomically; `units` may be a lazy reader of a file."""

    @abstractmethod
    async def get_unit(
        self, memory_id: str, unit_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> TranslationUnit:
        """One unit by id; `NotFound` if absent."""

    @abstractmethod
    async def delete_unit(
        self, memory_id: str, unit_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        """Delete one unit; `NotFound` if absent."""

    @abstractmethod
    def iter_units(
        self, memory_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> AsyncIterator[TranslationUnit]:
        """All units of a memory in id order, fetched in batches (for export)."""

    @abstractmethod
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
        """The top `k` fuzzy matches for `source` over the memories, best first.

        Languages match by family (`en` finds `en-US` units). Scores follow `tm.fuzzy`.
        """

    # -- glossaries --------------------------------------------------------------------------

    @abstractmethod
    async def create_glossary(
        self, name: str, source_lang: str, target_lang: str, *, tenant: str = DEFAULT_TENANT
    ) -> Glossary:
        """Create an empty glossary for one language pair."""

    @abstractmethod
    async def get_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> Glossary:
        """The glossary, or `UnknownGlossary`."""

    @abstractmethod
    async def list_glossaries(self, *, tenant: str = DEFAULT_TENANT) -> list[Glossary]:
        """The tenant's glossaries, by name."""

    @abstractmethod
    async def delete_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        """Delete a glossary and its entries."""

    @abstractmethod
    async def add_entries(
        self,
        glossary_id: str,
        entries: Iterable[GlossaryEntry],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> int:
        """Add or replace entries (by source term) atomically; returns how many were written."""

    @abstractmethod
    async def entries(
        self, glossary_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> list[GlossaryEntry]:
        """All entries of a glossary."""
