"""The adaptive translation pipeline: TM, terms, few-shot prompt, LLM, checks, APE, QE.

Per segment, in short named steps:

1. **TM** — fuzzy matches from the request's memories; a match at or above
   `reuse_threshold` is returned as is, with no LLM call (origin `tm`).
2. **Terms** — the glossaries' terms found in the source become required translations.
3. **Prompt** — inline codes masked (`service.placeholders`), the matches as examples in
   ascending similarity, the terms, then the source (`service.prompts`).
4. **LLM** — one chat completion; a context-length rejection is retried with half the
   examples, down to none.
5. **Check** — chatter stripped, codes restored, then tags, numbers, empty/untranslated
   output, length ratio and term use checked (`service.checks`, `tm.terms`).
6. **APE** — when a check fails, one post-editing call that lists the problems (Moslem et
   al., WMT 2023); the draft with fewer problems is kept (origin `llm+ape` if it is the
   post-edit).
7. **QE** — a reference-free score of every machine translation, when an estimator is set.

A request's segments run concurrently (the LLM client bounds the calls in flight);
identical segments of one request are translated once. A segment whose LLM call fails
carries the error and no text; the others are still served, TM reuses included.
"""

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from service.checks import Issue, IssueCode, check_chatter, check_translation, strip_chatter
from service.errors import describe
from service.llm import (
    Completion,
    ContextLengthExceeded,
    LLMClient,
    LLMError,
    Usage,
    max_tokens_for,
)
from service.placeholders import Masked, mask, unmask
from service.prompts import (
    DEFAULT_LAYOUT,
    Example,
    FewShotLayout,
    Prompt,
    build_ape_prompt,
    build_translation_prompt,
)
from service.qe import QEError, QEItem, QualityEstimator
from service.terminology import Terminology
from tm.errors import InvalidLanguage
from tm.fuzzy import DEFAULT_MIN_SCORE
from tm.langs import normalize_tag
from tm.models import DEFAULT_TENANT, Match
from tm.store.base import Store
from tm.terms import TermCheck, TermHit, TermIndex, TermStatus

EXACT_MATCH = 100
"""The score of a match whose source is the segment itself (see `tm.fuzzy`)."""

_INFORMATIONAL = {IssueCode.CHATTER, IssueCode.APE_FAILED, IssueCode.QE_FAILED}
"""Issue codes reported but not worth a post-edit: the cleanup already fixed them, or the
post-edit itself failed."""


class SegmentOrigin(StrEnum):
    """Where a segment's final text came from."""

    TM = "tm"  # reused from the memory, no LLM call
    LLM = "llm"  # the model's draft
    APE = "llm+ape"  # the model's draft, post-edited by a second call


@dataclass(frozen=True, slots=True)
class Options:
    """How one request is translated; the service's settings give the defaults."""

    reuse_threshold: int = EXACT_MATCH
    min_match_score: int = DEFAULT_MIN_SCORE
    max_examples: int = 5
    layout: FewShotLayout = DEFAULT_LAYOUT
    ape: bool = True
    max_prompt_tokens: int | None = None
    review_below: float | None = None  # a QE score under this marks the segment for review

    def overridden(self, overrides: Mapping[str, object]) -> "Options":
        """These options with a request's or job's overrides; None and unknown keys ignored."""
        known = _OPTION_NAMES
        changes: dict[str, Any] = {
            k: v for k, v in overrides.items() if k in known and v is not None
        }
        if not changes:
            return self
        if "layout" in changes:  # stored jobs keep it as plain JSON text
            changes["layout"] = FewShotLayout(str(changes["layout"]))
        return replace(self, **changes)


_OPTION_NAMES = frozenset(f.name for f in fields(Options))


@dataclass(frozen=True, slots=True)
class TranslationRequest:
    """Segments of one language pair with the memories and glossaries to use."""

    segments: Sequence[str]
    source_lang: str
    target_lang: str
    memories: Sequence[str] = ()
    glossaries: Sequence[str] = ()
    options: Options = field(default_factory=Options)
    tenant: str = DEFAULT_TENANT
    request_id: str | None = None
    context: str | None = None  # text around the segments, shown to the model, not translated


@dataclass(frozen=True, slots=True)
class UsedMatch:
    """A TM match the segment used, as reuse or as a prompt example."""

    unit_id: int | None
    memory_id: str | None
    score: int
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class TermResult:
    """A glossary term of the source and whether the final text uses it."""

    source: str  # the term as found in the segment
    term: str  # the glossary entry's source term
    targets: tuple[str, ...]  # allowed translations
    status: TermStatus
    found: str | None  # the target form found (allowed or forbidden)


@dataclass(slots=True)
class Timings:
    """Milliseconds spent per step of one segment."""

    tm_ms: float = 0.0
    terms_ms: float = 0.0
    prompt_ms: float = 0.0
    llm_ms: float = 0.0
    checks_ms: float = 0.0
    total_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class SegmentError:
    """Why a segment has no translation: an error code and what to do about it."""

    code: str
    message: str
    status: int  # the HTTP status the error maps to (`service.errors`)


@dataclass(slots=True)
class SegmentResult:
    """The outcome for one segment."""

    source: str
    text: str | None
    origin: SegmentOrigin | None
    matches: list[UsedMatch] = field(default_factory=list)
    terms: list[TermResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # of the final text
    qe: float | None = None
    needs_review: bool = False  # QE under the request's `review_below`
    timings: Timings = field(default_factory=Timings)
    usage: Usage | None = None  # summed over the segment's LLM calls
    llm_calls: int = 0
    examples_dropped: int = 0
    error: SegmentError | None = None


@dataclass(frozen=True, slots=True)
class TranslationResult:
    """The outcome of a request: one result per segment, in order."""

    segments: list[SegmentResult]
    source_lang: str
    target_lang: str
    model: str | None
    qe_signature: str | None


@dataclass(slots=True)
class _Draft:
    """A model output cleaned, restored and checked."""

    text: str  # the codes put back
    masked_text: str  # as the model wrote it, chatter stripped
    issues: list[Issue]
    terms: list[TermCheck]

    @property
    def problems(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.code not in _INFORMATIONAL]


@dataclass(frozen=True, slots=True)
class _Segment:
    """What the steps of one segment share."""

    source: str
    request: TranslationRequest
    terms: TermIndex | None


class Translator:
    """Runs the pipeline over a store, an LLM client, compiled glossaries and an optional QE."""

    def __init__(
        self,
        store: Store,
        llm: LLMClient,
        *,
        terminology: Terminology | None = None,
        estimator: QualityEstimator | None = None,
        observer: Callable[[SegmentResult], None] | None = None,
    ) -> None:
        self.store = store
        self.llm = llm
        self.terminology = terminology or Terminology(store)
        self.estimator = estimator
        self.observer = observer  # told of every segment translated (the service's metrics)

    async def translate(self, request: TranslationRequest) -> TranslationResult:
        """Translate every segment of the request."""
        request = replace(
            request,
            source_lang=normalize_tag(request.source_lang),
            target_lang=normalize_tag(request.target_lang),
        )
        if request.source_lang == request.target_lang:
            raise InvalidLanguage(f"source and target are both {request.source_lang}")
        # No memory check here: every segment's first step, `Store.match`, refuses an unknown
        # or another tenant's memory (UnknownMemory) before any LLM call, from memory once
        # the memory's index is loaded, without a database round trip per request.
        terms = await self.terminology.index(
            request.glossaries, request.source_lang, request.target_lang, tenant=request.tenant
        )
        distinct = list(dict.fromkeys(request.segments))
        segments = [_Segment(source, request, terms) for source in distinct]
        if len(segments) == 1:  # the common interactive case: no task to create and schedule
            done = [await self._translate_one(segments[0])]
        else:
            done = list(await asyncio.gather(*map(self._translate_one, segments)))
        await self._estimate(done, request.options.review_below)
        if self.observer:
            for result in done:
                self.observer(result)
        by_source = dict(zip(distinct, done, strict=True))
        model = await self._model_name() if any(r.llm_calls for r in done) else None
        return TranslationResult(
            [by_source[source] for source in request.segments],
            request.source_lang,
            request.target_lang,
            model,
            self.estimator.signature if self.estimator else None,
        )

    async def _translate_one(self, segment: _Segment) -> SegmentResult:
        started = time.perf_counter()
        result = SegmentResult(segment.source, None, None)
        try:
            await self._run(segment, result)
        except LLMError as exc:
            info = describe(exc)
            result.error = SegmentError(info.code, str(exc), info.status)
        result.timings.total_ms = _ms_since(started)
        return result

    async def _run(self, segment: _Segment, result: SegmentResult) -> None:
        options = segment.request.options
        clock = time.perf_counter()
        matches = await self._matches(segment)
        result.timings.tm_ms = _ms_since(clock)
        result.matches = [_used(match) for match in matches]
        if matches and matches[0].score >= options.reuse_threshold:
            result.text, result.origin = matches[0].unit.target, SegmentOrigin.TM
            result.matches = result.matches[:1]
            return

        clock = time.perf_counter()
        hits = segment.terms.find(segment.source) if segment.terms else []
        entries = list({id(hit.entry): hit.entry for hit in hits}.values())
        result.timings.terms_ms = _ms_since(clock)

        clock = time.perf_counter()
        masked = mask(segment.source)
        examples = [_example(match) for match in matches]
        prompt = self._prompt(segment, masked, examples, entries, options.max_examples)
        result.timings.prompt_ms = _ms_since(clock)

        completion, prompt = await self._complete(segment, masked, examples, entries, prompt)
        _account(result, completion)
        result.examples_dropped = prompt.dropped
        used_sources = {example.source for example in prompt.examples}
        result.matches = [
            m for m, e in zip(result.matches, examples, strict=True) if e.source in used_sources
        ]

        clock = time.perf_counter()
        draft = self._check(segment, masked, completion.text, hits)
        result.timings.checks_ms = _ms_since(clock)
        result.origin = SegmentOrigin.LLM
        if draft.problems and options.ape:
            draft = await self._repair(segment, masked, draft, hits, result)
        result.text = draft.text
        result.issues = draft.issues
        result.terms = [_term_result(hit, check) for hit, check in _pair_terms(hits, draft.terms)]

    async def _repair(
        self,
        segment: _Segment,
        masked: Masked,
        draft: _Draft,
        hits: Sequence[TermHit],
        result: SegmentResult,
    ) -> _Draft:
        """One post-editing call; the post-edit if it has fewer problems, else the draft."""
        try:
            post_edit = await self._post_edit(segment, masked, draft)
        except LLMError as exc:  # the draft is still a translation: keep it, say why
            draft.issues.append(Issue(IssueCode.APE_FAILED, f"post-editing failed: {exc}"))
            return draft
        _account(result, post_edit)
        clock = time.perf_counter()
        edited = self._check(segment, masked, post_edit.text, hits)
        result.timings.checks_ms += _ms_since(clock)
        if len(edited.problems) < len(draft.problems):
            result.origin = SegmentOrigin.APE
            return edited
        return draft

    async def _matches(self, segment: _Segment) -> list[Match]:
        request, options = segment.request, segment.request.options
        if not request.memories:
            return []
        wanted = max(options.max_examples, 1)
        return await self.store.match(
            request.memories,
            segment.source,
            request.source_lang,
            request.target_lang,
            k=wanted,
            min_score=options.min_match_score,
            tenant=request.tenant,
        )

    def _prompt(
        self,
        segment: _Segment,
        masked: Masked,
        examples: Sequence[Example],
        entries: Sequence,
        max_examples: int | None,
    ) -> Prompt:
        request = segment.request
        return build_translation_prompt(
            masked.text,
            source_lang=request.source_lang,
            target_lang=request.target_lang,
            examples=examples,
            terms=entries,
            layout=request.options.layout,
            max_prompt_tokens=request.options.max_prompt_tokens,
            max_examples=max_examples,
            context=request.context,
        )

    async def _complete(
        self,
        segment: _Segment,
        masked: Masked,
        examples: Sequence[Example],
        entries: Sequence,
        prompt: Prompt,
    ) -> tuple[Completion, Prompt]:
        """The model's draft; a prompt too long for the model is retried with fewer examples."""
        while True:
            try:
                completion = await self.llm.chat(
                    prompt.messages,
                    max_tokens=max_tokens_for(masked.text),
                    request_id=segment.request.request_id,
                )
                return completion, prompt
            except ContextLengthExceeded:
                if not prompt.examples:
                    raise
                fewer = len(prompt.examples) // 2
                prompt = self._prompt(segment, masked, examples, entries, fewer)

    async def _post_edit(self, segment: _Segment, masked: Masked, draft: _Draft) -> Completion:
        request = segment.request
        messages = build_ape_prompt(
            masked.text,
            draft.masked_text,
            [issue.message for issue in draft.problems],
            source_lang=request.source_lang,
            target_lang=request.target_lang,
        )
        return await self.llm.chat(
            messages, max_tokens=max_tokens_for(masked.text), request_id=request.request_id
        )

    def _check(self, segment: _Segment, masked: Masked, output: str, hits: Sequence) -> _Draft:
        request = segment.request
        cleaned = strip_chatter(output, masked.text, request.target_lang)
        result = check_translation(
            masked.text, cleaned, source_lang=request.source_lang, target_lang=request.target_lang
        )
        result.issues[:0] = check_chatter(masked.text, output, request.target_lang)
        restored = unmask(cleaned, masked)
        checks = segment.terms.verify(restored.text, hits) if segment.terms and hits else []
        result.add_term_problems(
            _term_problem(check) for check in checks if check.status is not TermStatus.PRESENT
        )
        return _Draft(restored.text, cleaned, result.issues, checks)

    async def _estimate(self, results: Sequence[SegmentResult], review_below: float | None) -> None:
        """Score every machine translation in one batch; mark those under `review_below`."""
        scored = [r for r in results if r.text is not None and r.origin is not SegmentOrigin.TM]
        if not self.estimator or not scored:
            return
        items = [QEItem(r.source, r.text or "") for r in scored]
        try:
            scores = await self.estimator.score(items)
        except QEError as exc:  # the translations stand; say why they have no score
            for result in scored:
                result.issues.append(Issue(IssueCode.QE_FAILED, str(exc)))
            return
        for result, score in zip(scored, scores, strict=True):
            result.qe = score
            result.needs_review = review_below is not None and score < review_below

    async def _model_name(self) -> str | None:
        try:
            return await self.llm.model()
        except LLMError:
            return None


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _used(match: Match) -> UsedMatch:
    unit = match.unit
    return UsedMatch(unit.id, unit.memory_id, match.score, unit.source, unit.target)


def _example(match: Match) -> Example:
    """A match as a prompt example, its codes masked with the numbers its source gave them."""
    source = mask(match.unit.source)
    return Example(source.text, mask(match.unit.target, reference=source).text, match.score)


def _account(result: SegmentResult, completion: Completion) -> None:
    result.llm_calls += 1
    result.timings.llm_ms += completion.latency_s * 1000
    if completion.usage:
        before = result.usage or Usage(0, 0)
        result.usage = Usage(
            before.prompt_tokens + completion.usage.prompt_tokens,
            before.completion_tokens + completion.usage.completion_tokens,
        )


def _term_problem(check: TermCheck) -> str:
    """The problem as the APE prompt and the API caller read it."""
    entry = check.entry
    wanted = " or ".join(f'"{target}"' for target in entry.allowed)
    if check.status is TermStatus.FORBIDDEN:
        return f'"{entry.source}" must not be translated as "{check.found}"; use {wanted}'
    if entry.do_not_translate:
        return f'"{entry.source}" must stay untranslated, as "{entry.source}"'
    return f'"{entry.source}" must be translated as {wanted}'


def _pair_terms(
    hits: Sequence[TermHit], checks: Sequence[TermCheck]
) -> list[tuple[TermHit, TermCheck]]:
    """Each entry's first occurrence in the source with its verdict in the translation."""
    first: dict[int, TermHit] = {}
    for hit in hits:
        first.setdefault(id(hit.entry), hit)
    return [(first[id(check.entry)], check) for check in checks if id(check.entry) in first]


def _term_result(hit: TermHit, check: TermCheck) -> TermResult:
    entry = hit.entry
    return TermResult(hit.text, entry.source, tuple(entry.allowed), check.status, check.found)
