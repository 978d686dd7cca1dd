"""CSV and TSV translation memories, and the table reading and writing glossary tables share.

Tables are UTF-8 (a BOM is accepted) and read with the stdlib `csv` module, streaming: CSV
with commas, TSV with tabs, both with the spreadsheet quoting rules (a field holding the
delimiter, a quote or a line break is quoted; a field that *starts* with `"` is read as
quoted). A header row is required. Column names match case-insensitively, ignoring `_`,
`-` and spaces:

    source        source, sourceString, source_text
    target        target, targetString, target_text
    source_lang   source_lang, sourceLang, srclang, source_language
    target_lang   target_lang, targetLang, tgtlang, trglang, target_language
    tuid          tuid, id

Any other column becomes an attribute (empty cells are left out). Languages come from the
columns, or from the `source_lang`/`target_lang` arguments for rows that leave them empty.
Blank lines are ignored; documented skip: a row with an empty source or target. Export
writes `tuid, source_lang, target_lang, source, target` and the attribute columns.
"""

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import BinaryIO

from tm.errors import InvalidFile
from tm.formats.base import MemoryFormat, Skipped, language
from tm.models import TranslationUnit

log = logging.getLogger(__name__)

MEMORY_COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source", "sourcestring", "sourcetext"),
    "target": ("target", "targetstring", "targettext"),
    "source_lang": ("sourcelang", "srclang", "sourcelanguage"),
    "target_lang": ("targetlang", "tgtlang", "trglang", "targetlanguage"),
    "tuid": ("tuid", "id"),
}
MEMORY_HEADER = ("tuid", "source_lang", "target_lang", "source", "target")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: cells of the known columns by canonical name, the others by header."""

    line: int
    cells: dict[str, str]
    extra: dict[str, str]


def column_key(name: str) -> str:
    """The form column names are compared in (`Source_Lang` -> `sourcelang`)."""
    return "".join(name.split()).lower().replace("_", "").replace("-", "")


def read_rows(
    stream: BinaryIO,
    *,
    kind: str,
    delimiter: str,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
) -> Iterator[Row]:
    """The rows of a table with a header naming at least the `required` columns.

    `kind` names the format in messages ("CSV"); `columns` maps each canonical name to the
    accepted spellings (in `column_key` form).
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = _checked(next(reader, []), reader.line_num, kind)
        known, extra = _map_header(header, columns)
        missing = [name for name in required if name not in known]
        if missing:
            expected = ", ".join(repr(columns[name][0]) for name in required)
            raise InvalidFile(
                f"expected a {kind} file with a header row naming the columns {expected}; "
                f"the first row is {delimiter.join(header)[:200]!r}"
            )
        for fields in reader:
            _checked(fields, reader.line_num, kind)
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(header):
                raise InvalidFile(
                    f"line {reader.line_num} of the {kind} file has {len(fields)} fields, "
                    f"the header has {len(header)}"
                )
            yield Row(
                reader.line_num,
                {name: fields[index] for name, index in known.items()},
                {name: fields[index] for name, index in extra.items() if fields[index]},
            )
    except UnicodeDecodeError:
        raise InvalidFile(
            f"expected a {kind} file in UTF-8, but line {reader.line_num + 1} is not UTF-8 text; "
            "save the file as UTF-8"
        ) from None
    except csv.Error as exc:
        raise InvalidFile(f"line {reader.line_num} of the {kind} file: {exc}") from exc
    finally:
        text.detach()


def _checked(fields: list[str], line: int, kind: str) -> list[str]:
    """`fields`, unless they hold NUL characters (UTF-16 or binary data read as UTF-8)."""
    if any("\x00" in field for field in fields):
        raise InvalidFile(
            f"line {line} of the {kind} file contains NUL characters; "
            "is it UTF-16 or a binary file? Save it as UTF-8 text"
        )
    return fields


def _map_header(
    header: list[str], columns: Mapping[str, Sequence[str]]
) -> tuple[dict[str, int], dict[str, int]]:
    aliases = {alias: name for name, spellings in columns.items() for alias in spellings}
    known: dict[str, int] = {}
    extra: dict[str, int] = {}
    for index, title in enumerate(header):
        name = aliases.get(column_key(title))
        if name is None:
            if title.strip():  # an unnamed column (a trailing delimiter) holds nothing we keep
                extra[title.strip()] = index
        elif name in known:
            raise InvalidFile(f"two columns give the {name}: {header[known[name]]!r} and {title!r}")
        else:
            known[name] = index
    return known, extra


def write_rows(
    stream: BinaryIO, *, delimiter: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> int:
    """Write a header and `rows` as UTF-8; return how many rows were written."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    written = 0
    try:
        writer = csv.writer(text, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            written += 1
    finally:
        text.flush()
        text.detach()
    return written


class MemoryTable(MemoryFormat):
    """Memories as a table with a header; a variant only declares its delimiter."""

    delimiter: str

    def read(
        self, stream: BinaryIO, *, source_lang: str | None, target_lang: str | None
    ) -> Iterator[TranslationUnit | Skipped]:
        """The units of the table; the languages fill rows (or columns) that have none."""
        kind = self.name.upper()
        rows = read_rows(
            stream,
            kind=kind,
            delimiter=self.delimiter,
            columns=MEMORY_COLUMNS,
            required=("source", "target"),
        )
        defaults = {"source_lang": source_lang, "target_lang": target_lang}
        for row in rows:
            langs = {side: _row_language(row, side, defaults[side], kind) for side in defaults}
            if not row.cells["source"] or not row.cells["target"]:
                yield Skipped("empty segment")
                continue
            yield TranslationUnit(
                source=row.cells["source"],
                target=row.cells["target"],
                source_lang=langs["source_lang"],
                target_lang=langs["target_lang"],
                tuid=row.cells.get("tuid", "").strip() or None,
                attributes=row.extra,
            )

    def write(
        self,
        units: Iterable[TranslationUnit],
        stream: BinaryIO,
        *,
        source_lang: str | None,
        attribute_columns: list[str] | None,
    ) -> int:
        """Write the units; the attribute columns default to the first unit's keys."""
        units = iter(units)
        first = next(units, None)
        wanted = attribute_columns if attribute_columns is not None else _keys(first)
        columns = [key for key in wanted if column_key(key) not in _RESERVED]
        if len(columns) < len(wanted):
            log.warning("attributes named like a memory column are not exported: %s", wanted)
        rows = _memory_rows(chain([first] if first else [], units), columns)
        header = [*MEMORY_HEADER, *columns]
        return write_rows(stream, delimiter=self.delimiter, header=header, rows=rows)


class CsvMemory(MemoryTable):
    """Comma-separated memories."""

    name = "csv"
    suffixes = (".csv",)
    delimiter = ","


class TsvMemory(MemoryTable):
    """Tab-separated memories."""

    name = "tsv"
    suffixes = (".tsv",)
    delimiter = "\t"


_RESERVED = {alias for aliases in MEMORY_COLUMNS.values() for alias in aliases}


def _row_language(row: Row, side: str, default: str | None, kind: str) -> str:
    cell = row.cells.get(side, "").strip()
    if cell:
        return language(cell, f"line {row.line} of the {kind} file")
    if default:
        return default
    raise InvalidFile(
        f"line {row.line} of the {kind} file has no {side.replace('_', ' ')}: "
        f"add a {side!r} column (or fill its cell) or pass the {side} argument"
    )


def _keys(unit: TranslationUnit | None) -> list[str]:
    return list(unit.attributes) if unit else []


def _memory_rows(units: Iterable[TranslationUnit], columns: list[str]) -> Iterator[list[str]]:
    exported = set(columns)
    dropped: set[str] = set()
    for unit in units:
        dropped.update(unit.attributes.keys() - exported)
        yield [
            unit.tuid or "",
            unit.source_lang,
            unit.target_lang,
            unit.source,
            unit.target,
            *(unit.attributes.get(key, "") for key in columns),
        ]
    if dropped:
        log.warning("attributes without a column were not exported: %s", sorted(dropped))
