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
* A unit added is found by the very next `match`, also when another process added it.
* `Memory.revision` and `Glossary.revision` grow in the same transaction as every change
  to the memory's units or the glossary's entries, so (id, revision) is a valid cache key.
* Jobs are claimed with a lease: a worker owns a running job until its `lease_until`, renews
  it while it works, and a job whose lease ran out (its worker died) or that its worker
  released (it shut down) is claimable again.
  Segment results are saved in batches, each batch in one transaction with the job's
  progress counter, so a resumed job never repeats a saved segment. Only the lease holder
  may save results or finish the job; anything else raises `JobLeaseLost`.
"""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass

from tm.errors import Conflict, NotFound, TMError
from tm.fuzzy import DEFAULT_MIN_SCORE, level_reached
from tm.models import (
    DEFAULT_TENANT,
    ApiKey,
    EditPeriod,
    Glossary,
    GlossaryEntry,
    Job,
    JobSegment,
    JobSpec,
    JobState,
    Match,
    Memory,
    PostEdit,
    TranslationUnit,
)

DEFAULT_MATCHES = 5
DEFAULT_JOB_LIST = 100
"""Most jobs `list_jobs` returns, newest first."""


class UnknownJob(NotFound):
    """No job with that id (for this tenant), or it expired and was deleted."""


class SchemaOutdated(TMError):
    """The database is behind this release's schema: run `adaptmt db upgrade`."""


class SchemaTooNew(TMError):
    """A newer release migrated the database; this one refuses to use it."""


class JobLeaseLost(Conflict):
    """A worker wrote to a job it no longer holds: cancelled, finished, or claimed by another."""


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
    async def unit_by_source(
        self,
        memory_id: str,
        source: str,
        source_lang: str,
        target_lang: str,
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> TranslationUnit | None:
        """The unit with the same source (surface) and language pair, if any.

        This is the unit that adding a unit with that source would replace.
        """

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

    async def best_scores(
        self,
        memory_ids: Sequence[str],
        sources: Sequence[str],
        source_lang: str,
        target_lang: str,
        *,
        min_score: int = DEFAULT_MIN_SCORE,
        tenant: str = DEFAULT_TENANT,
    ) -> list[int | None]:
        """Each source's best match score over the memories, None below `min_score`.

        The score `match(..., k=1)` gives, for many sources at once (leverage analysis looks
        up whole documents); a store may answer without fetching the units. This default
        asks `match` for each source.
        """
        scores: list[int | None] = []
        for source in sources:
            found = await self.match(
                memory_ids,
                source,
                source_lang,
                target_lang,
                k=1,
                min_score=min_score,
                tenant=tenant,
            )
            scores.append(found[0].score if found else None)
        return scores

    async def best_levels(
        self,
        memory_ids: Sequence[str],
        sources: Sequence[str],
        source_lang: str,
        target_lang: str,
        levels: Sequence[int],
        *,
        tenant: str = DEFAULT_TENANT,
    ) -> list[int | None]:
        """For each source, the highest of `levels` (ascending) its best match reaches; None
        when it reaches none.

        `best_scores` rounded down to the levels, which is all that counting matches in
        bands needs; a store may find it faster (a search stops once the next level is out
        of reach). This default rounds `best_scores` down.
        """
        if not levels:
            return [None] * len(sources)
        scores = await self.best_scores(
            memory_ids, sources, source_lang, target_lang, min_score=levels[0], tenant=tenant
        )
        return [level_reached(score, levels) for score in scores]

    # -- glossaries --------------------------------------------------------------------------

    @abstractmethod
    async def create_glossary(
        self, name: str, source_lang: str, target_lang: str, *, tenant: str = DEFAULT_TENANT
    ) -> Glossary:
        """Create an empty glossary for one language pair."""

    @abstractmethod
    async def get_glossary(self, glossary_id: str, *, tenant: str = DEFAULT_TENANT) -> Glossary:
        """The glossary, or `UnknownGlossary`; cheap, so callers may check its revision often."""

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
    async def delete_entry(
        self, glossary_id: str, entry_id: int, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        """Delete one entry; `NotFound` if the glossary has no entry with that id."""

    @abstractmethod
    async def entries(
        self, glossary_id: str, *, tenant: str = DEFAULT_TENANT
    ) -> list[GlossaryEntry]:
        """All entries of a glossary."""

    # -- API keys ----------------------------------------------------------------------------

    @abstractmethod
    async def create_key(self, tenant: str, *, name: str = "") -> tuple[ApiKey, str]:
        """Create an API key for a tenant; returns the record and the secret, shown only once.

        Only a digest of the secret is stored, so a lost secret cannot be recovered.
        """

    @abstractmethod
    async def find_key(self, secret: str) -> ApiKey | None:
        """The key a secret belongs to, or None; notes its use (at most once a minute)."""

    @abstractmethod
    async def list_keys(self, *, tenant: str | None = None) -> list[ApiKey]:
        """The keys of a tenant, or of all tenants, oldest first."""

    @abstractmethod
    async def revoke_key(self, key_id: str) -> None:
        """Delete a key, so its secret no longer works; `UnknownKey` if absent."""

    @abstractmethod
    async def count_keys(self) -> int:
        """How many keys exist, across tenants."""

    # -- post-editing ------------------------------------------------------------------------

    @abstractmethod
    async def record_edit(self, edit: PostEdit, *, tenant: str = DEFAULT_TENANT) -> None:
        """Keep a machine proposal and its final text (`created_at` None: now)."""

    @abstractmethod
    async def edit_stats(
        self, memory_id: str, *, tenant: str = DEFAULT_TENANT, days: int | None = None
    ) -> list[EditPeriod]:
        """Post-editing of a memory per UTC day with edits, oldest first.

        `days=None` covers all time; `days=n` the last n UTC days, today included.
        """

    # -- document translation jobs --------------------------------------------------------------

    @abstractmethod
    async def create_job(
        self, spec: JobSpec, document: bytes, segment_count: int, *, tenant: str = DEFAULT_TENANT
    ) -> Job:
        """Store a queued job with its original document."""

    @abstractmethod
    async def get_job(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> Job:
        """The job (without its bytes), or `UnknownJob` (also for another tenant's job)."""

    @abstractmethod
    async def list_jobs(
        self, *, tenant: str = DEFAULT_TENANT, limit: int = DEFAULT_JOB_LIST
    ) -> list[Job]:
        """The tenant's jobs, newest first."""

    @abstractmethod
    async def job_document(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> bytes:
        """The document the job was submitted with."""

    @abstractmethod
    async def job_result(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> bytes | None:
        """The translated document of a done job; None while there is none."""

    @abstractmethod
    async def job_segments(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> list[JobSegment]:
        """The saved segment results of a job, in no particular order."""

    @abstractmethod
    async def claim_job(
        self, worker: str, *, lease_s: float, job_id: str | None = None
    ) -> Job | None:
        """Take the oldest queued job, or a running one whose lease ran out, for `lease_s`.

        The job becomes running with `worker` as its lease owner; None when nothing waits.
        With `job_id`, only that job is taken (the CLI runs the job it submitted).
        """

    @abstractmethod
    async def renew_job_lease(self, job_id: str, worker: str, *, lease_s: float) -> Job:
        """Extend the worker's lease (a heartbeat); `JobLeaseLost` when it is not the holder."""

    @abstractmethod
    async def save_job_segments(
        self,
        job_id: str,
        worker: str,
        segments: Sequence[JobSegment],
        stats: dict[str, int],
        *,
        lease_s: float,
    ) -> Job:
        """Save a batch of results, count them done, add `stats` to the job's, renew the lease.

        One transaction; segments already saved are ignored (and not counted again).
        """

    @abstractmethod
    async def finish_job(
        self,
        job_id: str,
        worker: str,
        *,
        result: bytes | None,
        error: str | None = None,
        retention_s: float,
    ) -> Job:
        """Done with `result`, or failed with `error`; kept `retention_s`, then deleted."""

    async def release_job(self, job_id: str, worker: str) -> Job:
        """Hand a held job back because its worker stops (shutdown); claimable again at once.

        Saved results stay, so the next worker resumes where this one stopped instead of
        waiting for the lease to run out. `JobLeaseLost` when `worker` does not hold it.
        This default ends the lease now (a running job whose lease ran out is claimable);
        a store may instead put the job back in the queue.
        """
        return await self.renew_job_lease(job_id, worker, lease_s=0)

    @abstractmethod
    async def cancel_job(
        self, job_id: str, *, tenant: str = DEFAULT_TENANT, retention_s: float
    ) -> Job:
        """Cancel a queued or running job (its worker stops at its next write).

        `Conflict` when the job has already finished.
        """

    @abstractmethod
    async def delete_job(self, job_id: str, *, tenant: str = DEFAULT_TENANT) -> None:
        """Delete a job with its document, results and result document."""

    @abstractmethod
    async def delete_expired_jobs(self) -> int:
        """Delete the finished jobs whose retention has passed; returns how many."""

    @abstractmethod
    async def count_jobs(self) -> dict[JobState, tuple[int, int]]:
        """Jobs of every tenant per state, with their segments not done yet (for metrics).

        States without jobs may be left out.
        """
