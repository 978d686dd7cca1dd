"""Plain text: paragraphs separated by blank lines, each cut into sentences.

Segments: one per sentence (see sentences), ids `{paragraph}.{sentence}`, both counted
from 1. Text is plain (no markup): a `<b>` or `{name}` in it is left to the pipeline.
Writing puts each translation where its sentence was; line endings, indentation and the
blank lines between paragraphs stay byte for byte, as does everything untranslated.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Self

from service.documents.base import Document, Match, decode_text
from service.documents.sentences import block_segments, translate_block

_PARAGRAPH_BREAK_RE = re.compile(r"(?:\r?\n)[ \t]*(?:\r?\n)\s*")


class TextDocument(Document):
    """A plain-text file."""

    format = "text"
    suffixes = (".txt",)

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        text, _encoding = decode_text(data, "text")
        segments = [
            segment
            for number, paragraph in _paragraphs(text)
            for segment in block_segments(str(number), paragraph, source_lang, markup=False)
        ]
        return cls(
            data, segments, filename=filename, source_lang=source_lang, target_lang=target_lang
        )

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        text, encoding = decode_text(self.data, "text")
        parts = _PARAGRAPH_BREAK_RE.split(text)
        breaks = _PARAGRAPH_BREAK_RE.findall(text)
        for number, (index, paragraph) in enumerate(_numbered(parts), 1):
            translated = translate_block(
                str(number), paragraph, self.source_lang, translations, markup=False
            )
            if translated is not None:
                parts[index] = translated
        rebuilt = [part for pair in zip(parts, [*breaks, ""], strict=True) for part in pair]
        return encoding.encode("".join(rebuilt))


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """The paragraphs of `text`, numbered from 1 (blank ones are not paragraphs)."""
    parts = _PARAGRAPH_BREAK_RE.split(text)
    for number, (_index, paragraph) in enumerate(_numbered(parts), 1):
        yield number, paragraph


def _numbered(parts: list[str]) -> Iterator[tuple[int, str]]:
    return ((index, part) for index, part in enumerate(parts) if part.strip())
