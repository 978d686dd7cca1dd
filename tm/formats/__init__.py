"""Reading and writing translation memories (TMX, CSV, TSV) and glossaries (TBX, CSV, TSV).

    read_memory(source, fmt=None, *, source_lang=None, target_lang=None) -> Reading[TranslationUnit]
    write_memory(units, dest, fmt=None, *, source_lang=None, attribute_columns=None) -> int
    read_glossary(source, fmt, source_lang, target_lang) -> Reading[GlossaryEntry]
    write_glossary(entries, dest, fmt, source_lang, target_lang) -> int
    format_of(filename) -> "tmx" | "csv" | "tsv" | "tbx"

`source` and `dest` are binary file objects or paths; `fmt` is a format name, or None to
tell it from the file name's suffix. Readers are lazy and stream: a `Reading` yields items
as the file is read, raises `InvalidFile` (or `UnsafeXML`) on anything wrong, and counts
the items each format documents it skips (`reading.skipped`, `reading.skip_reasons`).
Each format lives in its own module behind `base.MemoryFormat` / `base.GlossaryFormat`.
"""

from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import TypeVar

from tm.errors import InvalidFile
from tm.formats.base import (
    GlossaryFormat,
    LanguagePair,
    MemoryFormat,
    Reading,
    Skipped,
    Source,
    file_name,
    open_binary,
)
from tm.formats.glossary_table import CsvGlossary, TsvGlossary
from tm.formats.table import CsvMemory, TsvMemory
from tm.formats.tbx import Tbx
from tm.formats.tmx import Tmx
from tm.langs import normalize_tag
from tm.models import GlossaryEntry, TranslationUnit

__all__ = [
    "GLOSSARY_FORMATS",
    "MEMORY_FORMATS",
    "Reading",
    "Source",
    "format_of",
    "read_glossary",
    "read_memory",
    "write_glossary",
    "write_memory",
]

MEMORY_FORMATS: dict[str, MemoryFormat] = {f.name: f for f in (Tmx(), CsvMemory(), TsvMemory())}
GLOSSARY_FORMATS: dict[str, GlossaryFormat] = {
    f.name: f for f in (Tbx(), CsvGlossary(), TsvGlossary())
}
F = TypeVar("F", MemoryFormat, GlossaryFormat)

_ALL_FORMATS: list[MemoryFormat | GlossaryFormat] = [
    *MEMORY_FORMATS.values(),
    *GLOSSARY_FORMATS.values(),
]
_BY_SUFFIX = {suffix: f.name for f in _ALL_FORMATS for suffix in f.suffixes}


def format_of(filename: str) -> str:
    """The format of a file from its name's suffix (`tm.TMX` -> `tmx`), or InvalidFile."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in _BY_SUFFIX:
        raise InvalidFile(
            f"cannot tell the format of {filename!r}: expected a name ending in {_known_suffixes()}"
        )
    return _BY_SUFFIX[suffix]


def read_memory(
    source: Source,
    fmt: str | None = None,
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Reading[TranslationUnit]:
    """Stream the units of a memory file; the languages fill in what the file leaves out."""
    memory_format = _pick(MEMORY_FORMATS, fmt, source, "translation memories")
    defaults = {
        "source_lang": normalize_tag(source_lang) if source_lang else None,
        "target_lang": normalize_tag(target_lang) if target_lang else None,
    }

    def units() -> Iterator[TranslationUnit | Skipped]:
        with open_binary(source, "rb") as stream:
            yield from memory_format.read(stream, **defaults)

    return Reading(units(), _description(memory_format.name, "memory", source))


def write_memory(
    units: Iterable[TranslationUnit],
    dest: Source,
    fmt: str | None = None,
    *,
    source_lang: str | None = None,
    attribute_columns: list[str] | None = None,
) -> int:
    """Write units to a memory file and return how many were written.

    `source_lang` is the TMX header's srclang (default: the first unit's); the table formats
    write `attribute_columns` (default: the first unit's attribute keys).
    """
    memory_format = _pick(MEMORY_FORMATS, fmt, dest, "translation memories")
    with open_binary(dest, "wb") as stream:
        return memory_format.write(
            units,
            stream,
            source_lang=normalize_tag(source_lang) if source_lang else None,
            attribute_columns=attribute_columns,
        )


def read_glossary(
    source: Source, fmt: str | None, source_lang: str, target_lang: str
) -> Reading[GlossaryEntry]:
    """Stream the entries of a glossary file for one language pair."""
    glossary_format = _pick(GLOSSARY_FORMATS, fmt, source, "glossaries")
    pair = LanguagePair.of(source_lang, target_lang)

    def entries() -> Iterator[GlossaryEntry | Skipped]:
        with open_binary(source, "rb") as stream:
            yield from glossary_format.read(stream, pair)

    return Reading(entries(), _description(glossary_format.name, "glossary", source))


def write_glossary(
    entries: Iterable[GlossaryEntry],
    dest: Source,
    fmt: str | None,
    source_lang: str,
    target_lang: str,
) -> int:
    """Write glossary entries to a file and return how many were written."""
    glossary_format = _pick(GLOSSARY_FORMATS, fmt, dest, "glossaries")
    with open_binary(dest, "wb") as stream:
        return glossary_format.write(entries, stream, LanguagePair.of(source_lang, target_lang))


def _pick(registry: dict[str, F], fmt: str | None, target: Source, holds: str) -> F:
    """The format named `fmt`, or the one of `target`'s file name, among `registry`."""
    if fmt is None:
        name = file_name(target)
        if name is None:
            raise InvalidFile(f"cannot tell the file format: pass fmt ({', '.join(registry)})")
        fmt = format_of(name)
    key = fmt.lower().lstrip(".")
    if key in registry:
        return registry[key]
    if key in _BY_SUFFIX.values():
        raise InvalidFile(f"{key.upper()} files do not hold {holds}; use {', '.join(registry)}")
    raise InvalidFile(f"unknown format {fmt!r}: expected one of {', '.join(registry)}")


def _known_suffixes() -> str:
    return ", ".join(sorted(_BY_SUFFIX))


def _description(fmt: str, kind: str, source: Source) -> str:
    name = file_name(source)
    return f"{fmt.upper()} {kind} {name}" if name else f"{fmt.upper()} {kind}"
