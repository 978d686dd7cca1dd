"""Leverage analysis: how much of a document the memories already cover, without the LLM.

What localization vendors quote from: each segment to translate is looked up in the
memories and counted, in segments and words, in the band of its best match:

    101%  context match: an exact match whose previous segment is also an exact match
          (or that opens the document), so the surrounding text is the same as before
    100%  exact match
    95-99, 85-94, 75-84, 50-74  fuzzy matches
    none  no match of at least 50
    repetitions: a segment whose source appeared earlier in the document (counted once
          in its band, then as a repetition; it costs nothing to translate again)
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from service.documents import Document, Segment
from tm.models import DEFAULT_TENANT
from tm.store import Store

EXACT = 100
"""The score of an exact match (`tm.fuzzy`)."""

CONTEXT_BAND = "101"
NO_MATCH_BAND = "none"
REPETITION_BAND = "repetitions"
FUZZY_BANDS: tuple[tuple[str, int], ...] = (
    ("100", 100),
    ("95-99", 95),
    ("85-94", 85),
    ("75-84", 75),
    ("50-74", 50),
)
"""The bands by their lowest score, best first; below the last one a segment has no match."""

BANDS: tuple[str, ...] = (
    CONTEXT_BAND,
    *(name for name, _ in FUZZY_BANDS),
    NO_MATCH_BAND,
    REPETITION_BAND,
)
"""Every band, in the order a leverage table lists them."""

BAND_LEVELS = tuple(sorted(lowest for _, lowest in FUZZY_BANDS))
"""The band edges, ascending: a best score rounded down to them keeps its band."""

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def band_of(score: int | None) -> str:
    """The band of a best-match score (None: no match)."""
    if score is not None:
        for name, lowest in FUZZY_BANDS:
            if score >= lowest:
                return name
    return NO_MATCH_BAND


def count_words(segment: Segment) -> int:
    """The words of a segment's source, tags of markup segments left out."""
    text = _TAG.sub(" ", segment.source) if segment.markup else segment.source
    return len(_WORD.findall(text))


def translatable(document: Document) -> list[Segment]:
    """The segments a job translates: those that need it and have text."""
    return [s for s in document.segments if s.needs_translation and s.source.strip()]


@dataclass(slots=True)
class BandCount:
    """Segments and words in one band."""

    segments: int = 0
    words: int = 0


@dataclass(slots=True)
class Leverage:
    """A document's leverage table: segments and words per band, and the totals."""

    bands: dict[str, BandCount] = field(default_factory=lambda: {b: BandCount() for b in BANDS})

    def add(self, band: str, words: int) -> None:
        """Count one segment of `words` words in `band`."""
        count = self.bands[band]
        count.segments += 1
        count.words += words

    @property
    def segments(self) -> int:
        return sum(count.segments for count in self.bands.values())

    @property
    def words(self) -> int:
        return sum(count.words for count in self.bands.values())


async def analyze(
    store: Store,
    document: Document,
    memories: Sequence[str],
    *,
    tenant: str = DEFAULT_TENANT,
) -> Leverage:
    """The leverage of `document` against `memories`.

    Each distinct source is looked up once, all in one `Store.best_levels` call (the best
    score rounded down to its band's lowest, no unit fetched), then the segments are
    counted in document order.
    """
    for memory_id in memories:
        await store.get_memory(memory_id, tenant=tenant)
    segments = translatable(document)
    distinct = list(dict.fromkeys(segment.source for segment in segments))
    scores: list[int | None] = [None] * len(distinct)
    if memories:
        scores = await store.best_levels(
            memories,
            distinct,
            document.source_lang,
            document.target_lang,
            BAND_LEVELS,
            tenant=tenant,
        )
    best = dict(zip(distinct, scores, strict=True))
    leverage = Leverage()
    seen: set[str] = set()
    previous_exact = True  # the document's start counts as matching context
    for segment in segments:
        words = count_words(segment)
        score = best[segment.source]
        exact = score == EXACT
        if segment.source in seen:
            leverage.add(REPETITION_BAND, words)
        else:
            seen.add(segment.source)
            leverage.add(CONTEXT_BAND if exact and previous_exact else band_of(score), words)
        previous_exact = exact
    return leverage


def table_rows(leverage: Leverage) -> Iterable[tuple[str, int, int]]:
    """(band label, segments, words) rows for printing, then the total."""
    labels = {CONTEXT_BAND: "101% (context)", "100": "100%", NO_MATCH_BAND: "no match"}
    for band in BANDS:
        count = leverage.bands[band]
        label = labels.get(band, f"{band}%" if band != REPETITION_BAND else "repetitions")
        yield label, count.segments, count.words
    yield "total", leverage.segments, leverage.words
