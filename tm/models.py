"""The data the core works on: memories, translation units, glossaries, entries and matches.

Plain dataclasses: they cross the store, the matcher and the file formats without
validation cost on hot paths; the HTTP layer has its own pydantic models.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

DEFAULT_TENANT = "local"


class Origin(StrEnum):
    """Where a translation unit came from."""

    IMPORT = "import"  # a TMX/CSV import
    MANUAL = "manual"  # added one by one through the API
    CORRECTION = "correction"  # a translator corrected a machine proposal
    CONFIRMED = "confirmed"  # a translator confirmed a machine proposal unchanged


@dataclass(slots=True)
class TranslationUnit:
    """One source/target pair of a memory."""

    source: str
    target: str
    source_lang: str
    target_lang: str
    tuid: str | None = None
    origin: Origin = Origin.IMPORT
    attributes: dict[str, str] = field(default_factory=dict)
    id: int | None = None
    memory_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class Memory:
    """A named translation memory of one tenant."""

    id: str
    name: str
    tenant: str = DEFAULT_TENANT
    description: str = ""
    unit_count: int = 0
    created_at: datetime | None = None
    revision: int = 0  # bumped with every change to the memory's units (cache keys)


@dataclass(slots=True)
class GlossaryEntry:
    """One term of a glossary, with its allowed and forbidden translations."""

    source: str
    targets: list[str]  # allowed target terms, the preferred one first
    forbidden: list[str] = field(default_factory=list)
    case_sensitive: bool = False
    do_not_translate: bool = False  # the source term must appear unchanged
    part_of_speech: str | None = None
    note: str | None = None
    id: int | None = None

    @property
    def allowed(self) -> list[str]:
        """The target forms that satisfy this entry (the source itself when do-not-translate)."""
        return [self.source] if self.do_not_translate and not self.targets else self.targets


@dataclass(slots=True)
class Glossary:
    """A named glossary for one language pair."""

    id: str
    name: str
    source_lang: str
    target_lang: str
    tenant: str = DEFAULT_TENANT
    entry_count: int = 0
    created_at: datetime | None = None
    revision: int = 0  # bumped with every change to the glossary's entries (cache keys)


@dataclass(slots=True, frozen=True)
class Match:
    """A fuzzy match: a unit and its 0-100 score against the looked-up segment."""

    unit: TranslationUnit
    score: int


@dataclass(slots=True)
class ApiKey:
    """An API key of a tenant; the secret itself is shown once and never stored."""

    id: str
    tenant: str
    name: str
    prefix: str  # the secret's first characters, to recognise a key in a list
    created_at: datetime | None
    last_used_at: datetime | None = None


@dataclass(slots=True)
class PostEdit:
    """A machine proposal next to the translator's final text, for post-editing statistics."""

    memory_id: str
    unit_id: int | None  # the unit the final text was stored as, when it was
    source: str
    proposal: str
    final: str
    distance: float  # computed by the caller: 0.0 unchanged, 1.0 rewritten
    created_at: datetime | None = None


@dataclass(slots=True, frozen=True)
class EditPeriod:
    """Post-editing of one memory on one UTC day."""

    day: date
    count: int
    mean_distance: float
    unchanged: int  # proposals accepted as they were (distance 0)


class JobState(StrEnum):
    """Where a document translation job is in its life."""

    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"  # a worker holds its lease
    DONE = "done"  # the result document is stored
    FAILED = "failed"  # stopped; `Job.error` says why
    CANCELLED = "cancelled"  # stopped by its owner

    @property
    def finished(self) -> bool:
        """True for the states a job never leaves."""
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass(slots=True)
class JobSpec:
    """What a job translates and how: everything its submitter chose."""

    filename: str
    format: str  # the document format's name (`service.documents`)
    source_lang: str
    target_lang: str
    memories: list[str] = field(default_factory=list)
    glossaries: list[str] = field(default_factory=list)
    options: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Job:
    """A document translation job as stored: its spec, state, progress and statistics."""

    id: str
    tenant: str
    spec: JobSpec
    state: JobState
    segment_count: int  # segments to translate
    done_count: int = 0  # of those, with a stored result
    stats: dict[str, int] = field(default_factory=dict)  # counters summed over stored batches
    error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None  # when the current (or last) worker claimed it
    done_at_start: int = 0  # done_count when the current worker claimed it (for the ETA)
    finished_at: datetime | None = None
    expires_at: datetime | None = None  # when a finished job and its result are deleted
    lease_owner: str | None = None
    lease_until: datetime | None = None
    has_result: bool = False


@dataclass(slots=True, frozen=True)
class JobSegment:
    """The stored result of one segment of a job."""

    segment_id: str
    source: str
    text: str
    origin: str  # `service.pipeline.SegmentOrigin` value
    report: dict[str, object] = field(default_factory=dict)  # matches, terms, checks, QE
