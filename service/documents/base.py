"""The shared interface of the document formats: segments, documents and their errors.

A format module declares one `Document` subclass: its name, its file suffixes, a `read`
classmethod that finds the segments of a file, and `write`, which puts translations back
into a copy of the original bytes. Documents are immutable: `write` starts again from
`Document.data` every time, so one document can be written with several sets of
translations.

Segment text comes in two kinds (`Segment.markup`):

- markup (XLIFF, DOCX, HTML, Markdown): an XML fragment. Text is escaped (`&amp;`,
  `&lt;`, `&gt;`) and inline codes are tags: XLIFF keeps its own elements (`<g id="1">`,
  `<x id="2"/>`, `<pc>`, `<ph>`), the other formats number them (`<g1>`..`</g1>` for a
  span of formatting, a link or emphasis; `<x2/>` for something that is not text: an image,
  a field, a code span). `service.placeholders` masks both kinds, and writers put back what
  each tag stands for.
- plain (PO, JSON, plain text, attribute values): the string as the file holds it; markup
  the strings themselves contain (`<b>`, `{count}`, `%s`) is left for the pipeline to mask.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from tm.errors import InvalidFile, InvalidLanguage
from tm.langs import same_family

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""Largest file read_document accepts; a bigger one is an InvalidDocument (split it first)."""

MAX_SEGMENTS = 100_000
"""Most segments one document may have: a bound on the pipeline work one upload causes."""

Match = tuple[str, str, float]
"""A translation-memory match offered with a translation: source, target, score (0-100)."""


class InvalidDocument(InvalidFile):
    """A document that cannot be read: malformed, unsafe, too large or of an unknown format."""


class UnsupportedFormat(InvalidDocument):
    """A file name whose extension no document format handles."""

    def __init__(self, filename: str, suffixes: Sequence[str]) -> None:
        self.suffixes = tuple(suffixes)
        super().__init__(
            f"cannot translate {filename!r}: unsupported file type; "
            f"supported extensions are {', '.join(self.suffixes)}"
        )


@dataclass(frozen=True, slots=True)
class PluralForm:
    """Which gettext plural form (`msgstr[index]`) a segment fills, and the two source forms."""

    index: int
    count: int  # how many forms the target language has (`nplurals`)
    singular: str  # msgid
    plural: str  # msgid_plural


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of a document to translate: a sentence, a string, a unit's segment."""

    id: str  # unique within its document; keys the translations given to write_document
    source: str
    target: str | None = None  # the translation the file already has
    needs_translation: bool = True  # False: the file has a finished translation
    markup: bool = False  # True: source and target are XML fragments (see the module doc)
    context: str | None = None  # msgctxt, key path, resname, or where the text sits
    notes: tuple[str, ...] = ()  # comments for translators
    plural: PluralForm | None = None


class Document:
    """A file read for translation: its segments, and the original bytes to write them into."""

    format: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        data: bytes,
        segments: Sequence[Segment],
        *,
        filename: str,
        source_lang: str,
        target_lang: str,
    ) -> None:
        self.data = data
        self.segments = tuple(segments)
        self.filename = filename
        self.source_lang = source_lang
        self.target_lang = target_lang
        self._by_id = {segment.id: segment for segment in self.segments}

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        """True when `data` looks like this format (for suffixes several formats share)."""
        return True

    @classmethod
    def read(cls, data: bytes, *, filename: str, source_lang: str, target_lang: str) -> Self:
        """The document in `data`, or InvalidDocument saying what is wrong and where."""
        raise NotImplementedError

    def write(
        self, translations: Mapping[str, str], matches: Mapping[str, Sequence[Match]]
    ) -> bytes:
        """The original file with `translations` (segment id -> text) written in."""
        raise NotImplementedError

    def segment(self, segment_id: str) -> Segment:
        """The segment with that id (KeyError when there is none)."""
        return self._by_id[segment_id]

    def __contains__(self, segment_id: object) -> bool:
        return segment_id in self._by_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.filename!r}: {len(self.segments)} segments>"


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


@dataclass(frozen=True, slots=True)
class TextEncoding:
    """How a text file was stored: its byte-order mark (or none) and codec."""

    bom: bytes
    codec: str

    def encode(self, text: str) -> bytes:
        """`text` stored the same way."""
        return self.bom + text.encode(self.codec)


def decode_text(data: bytes, kind: str) -> tuple[str, TextEncoding]:
    """The text of a UTF-8 or (BOM-marked) UTF-16 file, and how to store it again."""
    bom, codec = next(((b, c) for b, c in _BOMS if data.startswith(b)), (b"", "utf-8"))
    try:
        return data[len(bom) :].decode(codec), TextEncoding(bom, codec)
    except UnicodeDecodeError as exc:
        line = data[: len(bom) + exc.start].count(b"\n") + 1
        raise InvalidDocument(
            f"this {kind} file is not valid {codec.upper()} (undecodable bytes on line {line}); "
            "save it as UTF-8"
        ) from None


def check_language(declared: str | None, expected: str, where: str) -> None:
    """InvalidDocument when a file declares a language of another family than the one asked."""
    if not declared or not declared.strip():
        return
    try:
        same = same_family(declared, expected)
    except InvalidLanguage:
        raise InvalidDocument(f"{where} is {declared!r}, which is not a language tag") from None
    if not same:
        raise InvalidDocument(
            f"{where} is {declared!r}, but the translation asked for uses {expected!r}; "
            "choose the languages the file declares"
        )
