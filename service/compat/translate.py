"""The one translation call the compatible APIs make: limits, memories, meter, pipeline.

Unlike `/v1/translate`, these APIs have no way to say that one text of a batch failed, so a
batch is all or nothing: the first segment error is raised (and mapped by each API to its
own status). Memories come from the request (ModernMT's `hints`/`context_vector`) or else
from the tenant's configured defaults (`ADAPTMT_COMPAT_MEMORIES`), by id or by name.
"""

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.compat.tags import protect
from service.compat.usage import CharacterMeter
from service.compat.webhooks import ReplayGuard
from service.errors import RequestTooLarge
from service.llm import LLMError
from service.pipeline import Options, TranslationRequest, Translator
from service.settings import Settings
from tm.errors import UnknownMemory
from tm.store import Store

MAX_IMPORT_JOBS = 10_000
"""ModernMT import jobs remembered for `/import-jobs/{id}`; the oldest are forgotten first."""


@dataclass(frozen=True, slots=True)
class ImportJob:
    """A ModernMT-style import: adaptmt stores content synchronously, so it is done at once."""

    id: str
    memory: str
    size: int
    tenant: str


class SegmentFailed(LLMError):
    """A text of a compatible-API batch that the pipeline could not translate."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class CompatRequest:
    """Texts of one language pair, as a compatible API received them."""

    texts: Sequence[str]
    source_lang: str
    target_lang: str
    tenant: str
    memories: Sequence[str] | None = None  # None: the tenant's configured defaults
    glossaries: Sequence[str] = ()
    context: str | None = None
    ignore_tags: Sequence[str] = ()
    request_id: str | None = None


@dataclass(slots=True)
class Compat:
    """What the adapters share in one app: the settings, the store, the pipeline, the meter."""

    settings: Settings
    store: Store
    translator: Translator
    meter: CharacterMeter = field(default_factory=CharacterMeter)
    replays: ReplayGuard = field(default_factory=ReplayGuard)
    imports: OrderedDict[str, ImportJob] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.meter.limit = self.settings.compat_character_limit

    async def resolve_memories(self, names: Sequence[str], tenant: str) -> list[str]:
        """Memory ids for ids or names of the tenant's memories (UnknownMemory otherwise)."""
        if not names:
            return []
        mine = await self.store.list_memories(tenant=tenant)
        by_key = {m.id: m.id for m in mine} | {m.name: m.id for m in mine}
        missing = [name for name in names if name not in by_key]
        if missing:
            raise UnknownMemory(f"no memory {missing[0]!r} for tenant {tenant!r}")
        return list(dict.fromkeys(by_key[name] for name in names))

    async def default_memories(self, tenant: str) -> list[str]:
        """The memories configured for the tenant's compatible-API requests."""
        return await self.resolve_memories(self.settings.compat_memories.get(tenant, []), tenant)

    def check_size(self, texts: Sequence[str]) -> None:
        """RequestTooLarge when the batch is over the service's per-request limits."""
        settings = self.settings
        if len(texts) > settings.max_segments:
            raise RequestTooLarge(
                f"{len(texts)} texts in one request; the limit is {settings.max_segments} "
                "(ADAPTMT_MAX_SEGMENTS)"
            )
        if texts and (longest := max(map(len, texts))) > settings.max_segment_chars:
            raise RequestTooLarge(
                f"a text of {longest} characters; the limit is {settings.max_segment_chars} "
                "(ADAPTMT_MAX_SEGMENT_CHARS)"
            )

    async def translate(self, request: CompatRequest) -> list[str]:
        """The texts translated in order; raises the first segment error, counts characters."""
        self.check_size(request.texts)
        characters = sum(map(len, request.texts))
        self.meter.check(request.tenant, characters)
        memories = (
            await self.default_memories(request.tenant)
            if request.memories is None
            else await self.resolve_memories(request.memories, request.tenant)
        )
        protected = [protect(text, request.ignore_tags) for text in request.texts]
        pending = [i for i, text in enumerate(request.texts) if text.strip()]
        out = list(request.texts)  # blank texts come back as they are, no LLM call
        if pending:
            result = await self.translator.translate(
                TranslationRequest(
                    segments=[protected[i].text for i in pending],
                    source_lang=request.source_lang,
                    target_lang=request.target_lang,
                    memories=memories,
                    glossaries=request.glossaries,
                    options=self.options(),
                    tenant=request.tenant,
                    request_id=request.request_id,
                    context=request.context,
                )
            )
            for index, segment in zip(pending, result.segments, strict=True):
                if segment.error is not None or segment.text is None:
                    error = segment.error
                    raise SegmentFailed(
                        error.message if error else "the segment was not translated",
                        error.status if error else 502,
                    )
                out[index] = protected[index].restore(segment.text)
        self.meter.add(request.tenant, characters)
        return out

    def record_import(self, memory_id: str, size: int, tenant: str) -> ImportJob:
        """Remember a finished import so that its status can be asked for."""
        job = ImportJob(str(uuid.uuid4()), memory_id, size, tenant)
        self.imports[job.id] = job
        while len(self.imports) > MAX_IMPORT_JOBS:
            self.imports.popitem(last=False)
        return job

    def options(self) -> Options:
        """The pipeline's defaults (the compatible APIs have no per-request options)."""
        return self.settings.pipeline_options()
