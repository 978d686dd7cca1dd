"""The shared interface of the memory and glossary file formats, and what every format needs.

A format module declares a `MemoryFormat` or `GlossaryFormat` subclass: its name, its file
suffixes, one reading and one writing method. Readers are generators over a binary stream
that yield items, or `Skipped` for an item they leave out on purpose (each format documents
when); anything else wrong with the file raises `InvalidFile`, so the store, which consumes
a reader inside one transaction, rolls the whole import back. This module owns the rest:
opening paths, counting skips (`Reading`), languages named in errors, glossary pairs.
"""

import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, ClassVar, Generic, Literal, TypeVar

from tm.errors import InvalidFile, InvalidLanguage
from tm.langs import family, normalize_tag
from tm.models import GlossaryEntry, TranslationUnit

log = logging.getLogger(__name__)

Source = BinaryIO | str | os.PathLike[str]
"""A binary file object, or the path of a file."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Skipped:
    """What a reader yields instead of an item it leaves out on purpose."""

    reason: str


class Reading(Generic[T]):
    """What a reader returns: an iterator over the items that counts the documented skips.

    `count` and `skipped` grow while it is consumed; `skip_reasons` tells why.
    """

    def __init__(self, items: Iterator[T | Skipped], description: str) -> None:
        self._items = items
        self._description = description
        self._logged = False
        self.count = 0
        self.skip_reasons: Counter[str] = Counter()

    @property
    def skipped(self) -> int:
        """How many items were left out on purpose so far."""
        return self.skip_reasons.total()

    def __iter__(self) -> "Reading[T]":
        return self

    def __next__(self) -> T:
        for item in self._items:
            if isinstance(item, Skipped):
                self.skip_reasons[item.reason] += 1
            else:
                self.count += 1
                return item
        self._log_summary()
        raise StopIteration

    def close(self) -> None:
        """Stop reading and release the file."""
        close = getattr(self._items, "close", None)
        if close is not None:
            close()

    def _log_summary(self) -> None:
        if self._logged:
            return
        self._logged = True
        log.info("%s: read %d, skipped %d", self._description, self.count, self.skipped)
        for reason, times in self.skip_reasons.most_common():
            log.info("%s: skipped %d (%s)", self._description, times, reason)


@contextmanager
def open_binary(target: Source, mode: Literal["rb", "wb"]) -> Iterator[BinaryIO]:
    """`target` itself when it is a file object, else the file at that path (closed after)."""
    if isinstance(target, str | os.PathLike):
        with open(target, mode) as stream:
            yield stream
    else:
        yield target


def file_name(target: Source) -> str | None:
    """The file name of a path or of a file object that has one."""
    name = target if isinstance(target, str | os.PathLike) else getattr(target, "name", None)
    return os.fspath(name) if isinstance(name, str | os.PathLike) else None


def language(tag: str | None, where: str) -> str:
    """`tag` in canonical BCP-47 form, or InvalidFile naming `where` and the tag."""
    if not tag or not tag.strip():
        raise InvalidFile(f"{where} has no language")
    try:
        return normalize_tag(tag)
    except InvalidLanguage as exc:
        raise InvalidFile(f"{where}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class LanguagePair:
    """The source and target language of a glossary, matched by family in files.

    An `en-US` section serves an `en` glossary; when both languages share a family
    (`en-US` -> `en-GB`), only the exact tags match.
    """

    source: str
    target: str

    @classmethod
    def of(cls, source: str, target: str) -> "LanguagePair":
        """The pair of two tags, normalised (InvalidLanguage for a bad tag)."""
        return cls(normalize_tag(source), normalize_tag(target))

    def side(self, tag: str) -> Literal["source", "target"] | None:
        """Which side of the pair the normalised `tag` is, or None for another language."""
        if family(self.source) == family(self.target):
            source, target = tag == self.source, tag == self.target
        else:
            source, target = family(tag) == family(self.source), family(tag) == family(self.target)
        return "source" if source else "target" if target else None


class MemoryFormat:
    """A translation-memory file format: reads and writes translation units."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    def read(
        self, stream: BinaryIO, *, source_lang: str | None, target_lang: str | None
    ) -> Iterator[TranslationUnit | Skipped]:
        """The units of `stream`; the languages are defaults for files that leave them out."""
        raise NotImplementedError

    def write(
        self,
        units: Iterable[TranslationUnit],
        stream: BinaryIO,
        *,
        source_lang: str | None,
        attribute_columns: list[str] | None,
    ) -> int:
        """Write `units` to `stream` and return how many were written."""
        raise NotImplementedError


class GlossaryFormat:
    """A glossary file format: reads and writes the entries of one language pair."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    def read(self, stream: BinaryIO, pair: LanguagePair) -> Iterator[GlossaryEntry | Skipped]:
        """The entries of `stream` for `pair`."""
        raise NotImplementedError

    def write(self, entries: Iterable[GlossaryEntry], stream: BinaryIO, pair: LanguagePair) -> int:
        """Write `entries` to `stream` and return how many were written."""
        raise NotImplementedError
