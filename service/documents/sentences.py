"""Sentence segmentation of prose blocks, keeping every byte between the sentences.

Prose formats (plain text, Markdown, HTML, DOCX) give whole paragraphs; translation memories
and the LLM work best sentence by sentence. pysbd finds the sentences (rule-based, tested on
the Golden Rules, 20+ languages; others fall back to English rules). Its quirks, handled here:

- it may drop or move whitespace, so each sentence is found again in the original text by
  its words, and what lies between two sentences is kept byte for byte;
- it cuts inside URLs and file names ("www.example." + "com"), so a cut counts only where
  whitespace follows the sentence (or after a CJK full stop, which needs none);
- its time grows with the square of the text's length, so it sees a long block a chunk
  of CHUNK_CHARS at a time, each chunk starting with the last sentence of the one before.

In markup (see base), tags are hidden from pysbd and the cuts mapped back: a closing tag
stays with the sentence it ends, an opening tag goes with the sentence it starts, sentences
that would cut a tag pair stay together, and pairs that wrap the whole block stay outside
every segment. A sentence without a letter (a number, a bullet) is not a segment.
"""

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from service.documents.base import Segment
from tm.langs import primary_language

CHUNK_CHARS = 2_000
"""Most text pysbd sees at once (it takes ~0.05 s even on pathological input of this size)."""

_TAG_RE = re.compile(r"<(?P<close>/)?(?P<name>[A-Za-z_][\w:.-]*)(?:\s[^<>]*?)?(?P<empty>/)?>")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&apos;": "'"}
_CJK_STOPS = "。！？｡"


@dataclass(frozen=True, slots=True)
class Sentences:
    """A text as sentences and the stretches around them: gap, sentence, gap, ..., gap."""

    gaps: tuple[str, ...]  # one more than sentences
    sentences: tuple[str, ...]

    def join(self, replacements: Sequence[str | None]) -> str:
        """The text with each sentence replaced where `replacements` has a string for it."""
        parts = [self.gaps[0]]
        for sentence, replacement, gap in zip(
            self.sentences, replacements, self.gaps[1:], strict=True
        ):
            parts += [sentence if replacement is None else replacement, gap]
        return "".join(parts)


def block_segments(
    block_id: str, text: str, lang: str, *, markup: bool, context: str | None = None
) -> list[Segment]:
    """The segments of one prose block, one per sentence, with ids `{block_id}.{n}`."""
    sentences = split_sentences(text, lang, markup=markup).sentences
    return [
        Segment(f"{block_id}.{n}", sentence, markup=markup, context=context)
        for n, sentence in enumerate(sentences, 1)
    ]


def translate_block(
    block_id: str, text: str, lang: str, translations: Mapping[str, str], *, markup: bool
) -> str | None:
    """The block with its translated sentences in, or None when none of them is translated."""
    split = split_sentences(text, lang, markup=markup)
    ids = [f"{block_id}.{n}" for n in range(1, len(split.sentences) + 1)]
    if not any(segment_id in translations for segment_id in ids):
        return None
    return split.join([translations.get(segment_id) for segment_id in ids])


def split_sentences(text: str, lang: str, *, markup: bool = False) -> Sentences:
    """`text` cut into sentences (see the module doc); joining the result gives `text` back."""
    view = _PlainView(text) if markup else None
    start, end = view.peel() if view else (0, len(text))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    spans = _sentence_spans(text, start, end, lang, view)
    spans = [span for span in spans if any(c.isalpha() for c in _plain(text[slice(*span)], view))]
    gaps, sentences, position = [], [], 0
    for first, last in spans:
        gaps.append(text[position:first])
        sentences.append(text[first:last])
        position = last
    gaps.append(text[position:])
    return Sentences(tuple(gaps), tuple(sentences))


def _plain(fragment: str, view: "_PlainView | None") -> str:
    return _ENTITY_RE.sub(" ", _TAG_RE.sub("", fragment)) if view else fragment


def _sentence_spans(
    text: str, start: int, end: int, lang: str, view: "_PlainView | None"
) -> list[tuple[int, int]]:
    """Spans of `text[start:end]` that are sentences, in `text` coordinates."""
    if start >= end:
        return []
    if view is None:
        spans = [(start + a, start + b) for a, b in _plain_spans(text[start:end], lang)]
        return spans or [(start, end)]
    plain_start, plain_end = view.plain_index(start), view.plain_index(end)
    plain_spans = _plain_spans(view.plain[plain_start:plain_end], lang)
    if not plain_spans:
        return [(start, end)]
    spans = [view.markup_span(plain_start + a, plain_start + b) for a, b in plain_spans]
    spans = [(max(first, start), min(last, end)) for first, last in spans]  # inside the peel
    spans[0] = (start, spans[0][1])
    spans[-1] = (spans[-1][0], end)
    return _keep_pairs_together(text, spans)


def _plain_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Sentence spans of plain `text`, found a chunk at a time."""
    spans: list[tuple[int, int]] = []
    position = 0
    while position < len(text):
        end = _chunk_end(text, position)
        chunk = text[position:end]
        found = _pysbd_spans(chunk, lang)
        if not found and chunk.strip():  # pysbd's output cannot be found in it: one sentence
            found = [(len(chunk) - len(chunk.lstrip()), len(chunk.rstrip()))]
        if end < len(text) and len(found) > 1:
            found.pop()  # the last sentence may go on after the chunk: it starts the next one
        spans += [(position + first, position + last) for first, last in found]
        position = position + found[-1][1] if found else end
    return spans


def _chunk_end(text: str, start: int) -> int:
    """The end of the chunk that starts at `start`: the text's end, or a space that fits."""
    if len(text) - start <= CHUNK_CHARS:
        return len(text)
    space = text.rfind(" ", start + 1, start + CHUNK_CHARS)
    return space if space > start else start + CHUNK_CHARS


def _pysbd_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Sentence spans of a chunk (empty when pysbd's output cannot be found in it)."""
    spans: list[tuple[int, int]] = []
    position = 0
    # pysbd ends a sentence at every line break; in prose blocks a break is a soft wrap
    unwrapped = text.replace("\n", " ").replace("\r", " ")
    for sentence in _segmenter(_pysbd_language(lang)).segment(unwrapped):
        words = sentence.split()
        if not words:
            continue
        found = re.compile(r"\s+".join(map(re.escape, words))).search(text, position)
        if found is None:
            return []
        if spans and not _is_cut(text, spans[-1][1], found.start()):
            spans[-1] = (spans[-1][0], found.end())
        else:
            spans.append((found.start(), found.end()))
        position = found.end()
    return spans


def _is_cut(text: str, previous_end: int, start: int) -> bool:
    """A real sentence boundary: whitespace between, or a CJK full stop before."""
    return start > previous_end or text[previous_end - 1] in _CJK_STOPS


def _keep_pairs_together(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge each sentence whose tags do not balance with the next one."""
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for first, last in spans:
        first = first if pending is None else pending
        if _balanced(text[first:last]):
            merged.append((first, last))
            pending = None
        else:
            pending = first
    if pending is not None:
        merged.append((pending, spans[-1][1]))
    return merged


def _balanced(fragment: str) -> bool:
    stack: list[str] = []
    for tag in _TAG_RE.finditer(fragment):
        if tag["empty"]:
            continue
        if not tag["close"]:
            stack.append(tag["name"])
        elif not stack or stack.pop() != tag["name"]:
            return False
    return not stack


class _PlainView:
    """The text of a markup fragment without its tags, mapped back to markup positions."""

    def __init__(self, markup: str) -> None:
        self.markup = markup
        chars: list[str] = []
        self._starts: list[int] = []  # markup position of each plain character
        self._tags: dict[int, re.Match[str]] = {}  # tags by start position
        self._tags_ending: dict[int, re.Match[str]] = {}  # tags by end position
        position = 0
        for token in re.finditer(f"{_TAG_RE.pattern}|{_ENTITY_RE.pattern}", markup):
            chars += markup[position : token.start()]
            self._starts += range(position, token.start())
            if token.group().startswith("&"):
                chars.append(_ENTITIES.get(token.group(), " "))
                self._starts.append(token.start())
            else:
                self._tags[token.start()] = self._tags_ending[token.end()] = token
            position = token.end()
        chars += markup[position:]
        self._starts += range(position, len(markup))
        self.plain = "".join(chars)

    def plain_index(self, markup_position: int) -> int:
        """The first plain character at or after a markup position."""
        return bisect_left(self._starts, markup_position)

    def markup_span(self, plain_start: int, plain_end: int) -> tuple[int, int]:
        """The markup of a plain span, with the closing and opening tags that belong to it."""
        start = self._starts[plain_start]
        end = self._char_end(plain_end - 1)
        while (tag := self._tags.get(end)) and (tag["close"] or tag["empty"]):
            end = tag.end()
        while (tag := self._tags_ending.get(start)) and not tag["close"]:
            start = tag.start()
        return start, end

    def peel(self) -> tuple[int, int]:
        """The inside of the tag pairs that wrap the whole fragment (whitespace aside)."""
        start, end = 0, len(self.markup)
        while True:
            while start < end and self.markup[start].isspace():
                start += 1
            while end > start and self.markup[end - 1].isspace():
                end -= 1
            opening, closing = self._tags.get(start), self._tags_ending.get(end)
            if not (
                opening
                and closing
                and opening.end() <= closing.start()
                and not opening["close"]
                and not opening["empty"]
                and closing["close"]
                and closing["name"] == opening["name"]
                and _balanced(self.markup[opening.end() : closing.start()])
            ):
                return start, end
            start, end = opening.end(), closing.start()

    def _char_end(self, plain_index: int) -> int:
        start = self._starts[plain_index]
        entity = _ENTITY_RE.match(self.markup, start)
        return entity.end() if entity else start + 1


@cache
def _segmenter(language: str) -> Any:
    import pysbd  # loaded on first use: its rule tables take a moment

    return pysbd.Segmenter(language=language, clean=False)


@cache
def _pysbd_language(lang: str) -> str:
    from pysbd.languages import LANGUAGE_CODES

    language = primary_language(lang)
    return language if language in LANGUAGE_CODES else "en"
