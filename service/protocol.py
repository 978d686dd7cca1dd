"""The HTTP API's request and response models (pydantic), in one place.

Routes convert between these and the domain objects (`tm.models`, `service.pipeline`);
nothing below the routes sees a pydantic model. Field descriptions and examples feed the
OpenAPI document at `/docs`.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.pipeline import SegmentOrigin
from service.prompts import FewShotLayout
from tm.terms import TermStatus

Percent = Annotated[int, Field(ge=0, le=100)]
LanguageTag = Annotated[
    str,
    Field(
        min_length=2,
        max_length=35,
        description="A BCP-47 language tag; `en`, `en-US` and `en_US` are one family.",
        examples=["en"],
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    """A response model that can be read off a domain dataclass (`model_validate(obj)`)."""

    model_config = ConfigDict(from_attributes=True)


# -- errors ------------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, for programs.", examples=["unknown_memory"])
    message: str = Field(description="For people: what went wrong and what to do next.")
    status: int = Field(examples=[404])


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody


# -- translation -------------------------------------------------------------------------------


class TranslateOptions(_Model):
    """Per-request overrides of the service's pipeline settings."""

    reuse_threshold: Percent | None = Field(
        None, description="A TM match at least this good is reused with no LLM call (100)."
    )
    min_match_score: Percent | None = Field(
        None, description="The weakest TM match shown to the model as an example (50)."
    )
    max_examples: int | None = Field(
        None, ge=0, le=20, description="TM matches shown as examples (5); 0 is zero-shot."
    )
    layout: FewShotLayout | None = Field(None, description="How examples are laid out.")
    ape: bool | None = Field(None, description="Post-edit drafts that fail a check (true).")
    review_below: float | None = Field(
        None,
        description="With a QE model configured: segments whose QE score is under this are "
        "marked `needs_review` (default ADAPTMT_QE_REVIEW_BELOW).",
    )


class TranslateRequest(_Model):
    """Segments of one language pair to translate with memories and glossaries."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source_lang": "en",
                    "target_lang": "fr",
                    "segments": ["Wash your hands with soap for 20 seconds."],
                    "memories": ["mem_3f2a9c"],
                    "glossaries": ["glo_81b0d4"],
                }
            ]
        },
    )

    source_lang: LanguageTag
    target_lang: LanguageTag
    segments: list[str] = Field(min_length=1, description="The texts to translate, in order.")
    memories: list[str] = Field(default_factory=list, description="Memory ids to match against.")
    glossaries: list[str] = Field(default_factory=list, description="Glossary ids to enforce.")
    options: TranslateOptions = Field(default_factory=TranslateOptions)


class MatchOut(_Out):
    unit_id: int | None
    memory_id: str | None
    score: int = Field(description="0-100 CAT-style fuzzy score; 100 is the same segment.")
    source: str
    target: str


class TermOut(BaseModel):
    source: str = Field(description="The term as it appears in the segment.")
    term: str = Field(description="The glossary entry's source term.")
    targets: list[str] = Field(description="Allowed translations.")
    status: TermStatus
    found: str | None = Field(description="The target form found, allowed or forbidden.")


class IssueOut(BaseModel):
    code: str = Field(examples=["number_missing"])
    message: str


class TimingsOut(BaseModel):
    tm_ms: float
    terms_ms: float
    prompt_ms: float
    llm_ms: float
    checks_ms: float
    total_ms: float


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int


class SegmentOut(BaseModel):
    """One segment's translation, or its error."""

    source: str
    text: str | None = Field(description="The translation; null when `error` is set.")
    origin: SegmentOrigin | None = Field(description="`tm` (reused), `llm`, or `llm+ape`.")
    matches: list[MatchOut] = Field(description="TM matches reused or shown as examples.")
    terms: list[TermOut]
    issues: list[IssueOut] = Field(description="Check results of the final text.")
    qe: float | None = Field(description="Quality estimate, when an estimator is configured.")
    needs_review: bool = Field(description="QE under the request's `review_below`.")
    timings: TimingsOut
    usage: UsageOut | None
    llm_calls: int
    error: ErrorBody | None = None


class TranslateStats(BaseModel):
    segments: int
    tm: int = Field(description="Segments reused from the memory.")
    llm: int
    ape: int = Field(description="Segments whose post-edit was kept.")
    failed: int


class TranslateResponse(BaseModel):
    source_lang: str
    target_lang: str
    model: str | None = Field(description="The LLM that translated, if any segment needed it.")
    qe_signature: str | None
    segments: list[SegmentOut]
    stats: TranslateStats


# -- memories ----------------------------------------------------------------------------------


class MemoryCreate(_Model):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "acme-medical"}]}
    )

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)


class MemoryOut(_Out):
    id: str
    name: str
    description: str
    unit_count: int
    revision: int
    created_at: datetime | None


class MemoryList(BaseModel):
    memories: list[MemoryOut]


class UnitIn(_Model):
    """A unit to add, or a translator's confirmed or corrected translation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "Wash your hands often.",
                    "target": "Lavez-vous souvent les mains.",
                    "source_lang": "en",
                    "target_lang": "fr",
                    "proposal": "Lavez vos mains souvent.",
                }
            ]
        },
    )

    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    source_lang: LanguageTag
    target_lang: LanguageTag
    tuid: str | None = Field(None, description="Your id for the unit; the same tuid replaces.")
    proposal: str | None = Field(
        None,
        description="The machine translation the translator started from: stored with the "
        "final text for post-editing statistics; the unit's origin becomes `confirmed` when "
        "equal to `target`, else `correction`.",
    )
    attributes: dict[str, str] = Field(default_factory=dict, examples=[{"project": "leaflet"}])


class UnitOut(_Out):
    id: int | None
    memory_id: str | None
    source: str
    target: str
    source_lang: str
    target_lang: str
    tuid: str | None
    origin: str
    attributes: dict[str, str]
    created_at: datetime | None
    updated_at: datetime | None


class UnitAdded(BaseModel):
    unit: UnitOut | None
    added: int
    updated: int
    edit_distance: float | None = Field(
        description="Word-level edit distance between proposal and target (0 = unchanged)."
    )


class ImportResult(BaseModel):
    added: int = 0
    updated: int = 0
    written: int = 0
    skipped: int
    skip_reasons: dict[str, int]


class MatchList(BaseModel):
    matches: list[MatchOut]


class EditDay(_Out):
    day: date
    count: int
    mean_distance: float
    unchanged: int


class MemoryStats(BaseModel):
    """Post-editing statistics: is the memory making the machine's proposals better?"""

    memory_id: str
    unit_count: int
    edits: int
    mean_distance: float | None = Field(description="Mean word edit distance over the period.")
    unchanged_share: float | None = Field(description="Share of proposals confirmed as is.")
    days: list[EditDay]


# -- glossaries --------------------------------------------------------------------------------


class GlossaryCreate(_Model):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "covid-terms", "source_lang": "en", "target_lang": "fr"}]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    source_lang: LanguageTag
    target_lang: LanguageTag


class GlossaryOut(_Out):
    id: str
    name: str
    source_lang: str
    target_lang: str
    entry_count: int
    revision: int
    created_at: datetime | None


class GlossaryList(BaseModel):
    glossaries: list[GlossaryOut]


class EntryIn(_Model):
    source: str = Field(min_length=1, examples=["contact tracing"])
    targets: list[str] = Field(default_factory=list, examples=[["recherche des contacts"]])
    forbidden: list[str] = Field(default_factory=list, examples=[["traçage des contacts"]])
    case_sensitive: bool = False
    do_not_translate: bool = False
    part_of_speech: str | None = None
    note: str | None = None


class EntryOut(EntryIn):
    model_config = ConfigDict(from_attributes=True)

    id: int | None


class EntriesIn(_Model):
    entries: list[EntryIn] = Field(min_length=1)


class EntryList(BaseModel):
    entries: list[EntryOut]


class EntriesWritten(BaseModel):
    written: int


# -- health ------------------------------------------------------------------------------------


class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, Check]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


# -- document jobs and leverage analysis ---------------------------------------------------------


class JobOptions(TranslateOptions):
    """A job's pipeline overrides, and what to write besides the translations."""

    alt_trans: bool = Field(
        False, description="Write the TM matches as `<alt-trans>` (XLIFF 1.2 results)."
    )


class JobOut(BaseModel):
    """A document translation job: state, progress, ETA, leverage and term statistics."""

    id: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    filename: str
    format: str
    source_lang: str
    target_lang: str
    memories: list[str]
    glossaries: list[str]
    options: dict[str, object]
    segments_total: int = Field(description="Segments to translate.")
    segments_done: int
    progress: float = Field(description="Share of segments done, 0-1.")
    eta_s: float | None = Field(description="Seconds left at the current pace; null: unknown.")
    words: int = Field(description="Words of the segments done.")
    origins: dict[str, int] = Field(description="Segments done per origin: tm, llm, llm+ape.")
    leverage: dict[str, int] = Field(
        description="Segments done per best TM match band (100, 95-99, ..., none, repetitions)."
    )
    terms: dict[str, int] = Field(description="Glossary terms found, per status.")
    segments_with_issues: int
    error: str | None = None
    created_at: datetime | None
    updated_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When the job and its result are deleted.")


class JobList(BaseModel):
    jobs: list[JobOut]


class JobSegmentOut(BaseModel):
    """One segment of a job's report."""

    id: str
    source: str
    target: str
    origin: SegmentOrigin
    score: int | None = Field(description="The best TM match's score; null: none.")
    band: str
    repetition: bool = Field(description="Repeats an earlier source; its translation reused.")
    matches: list[dict[str, object]]
    terms: list[dict[str, object]]
    issues: list[dict[str, object]] = Field(description="The checks that failed.")
    qe: float | None


class JobReport(BaseModel):
    """The per-segment report of a job, in document order."""

    job: JobOut
    segments: list[JobSegmentOut]


class LeverageBand(BaseModel):
    band: str = Field(examples=["95-99"])
    segments: int
    words: int


class AnalysisOut(BaseModel):
    """A document's leverage against memories: segments and words per match band."""

    filename: str
    format: str
    source_lang: str
    target_lang: str
    memories: list[str]
    segments: int
    words: int
    bands: list[LeverageBand]


# -- quality estimation ------------------------------------------------------------------------


class QEPair(_Model):
    source: str
    translation: str


class QERequest(_Model):
    """Pairs to score without a reference."""

    items: list[QEPair] = Field(min_length=1, max_length=1024)


class QEScores(BaseModel):
    signature: str = Field(description="How the scores were computed (metric, model, version).")
    scores: list[float]


class QEService(BaseModel):
    signature: str
