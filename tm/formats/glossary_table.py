"""CSV and TSV glossaries: one entry per row, with a header.

Column names match as in `table` (case, `_`, `-` and spaces ignored):

    source            source, sourceString, term, source_term
    target            target, targetString, target_term, translation
    source_lang       source_lang, sourceLang, srclang       (optional)
    target_lang       target_lang, targetLang, tgtlang       (optional)
    forbidden         forbidden, forbidden_targets           (optional)
    case_sensitive    case_sensitive                          (optional, true/false)
    do_not_translate  do_not_translate, dnt                   (optional, true/false)
    part_of_speech    part_of_speech, pos                     (optional)
    note              note, notes, comment, definition        (optional)

So the TICO-19 layout `id,sourceLang,targetLang,sourceString,targetString` reads as is
(`id` and unknown columns are ignored). Several allowed targets, the preferred first, and
several forbidden ones are separated by `|` in their cell: a term cannot contain `|`.
Booleans accept true/false, yes/no, 1/0 and empty (false). Language cells match the
glossary's pair by family (`fr_XX` serves `fr`: `XX` means no region); empty cells mean
the pair. Documented skips: rows for another language pair, rows without terms (only an
id or languages), and rows with a source term but no target, no forbidden term and no
do-not-translate flag.
"""

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from tm.errors import InvalidFile
from tm.formats.base import GlossaryFormat, LanguagePair, Skipped, language
from tm.formats.table import Row, read_rows, write_rows
from tm.models import GlossaryEntry

TERM_SEPARATOR = "|"

GLOSSARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source", "sourcestring", "term", "sourceterm"),
    "target": ("target", "targetstring", "targetterm", "translation"),
    "source_lang": ("sourcelang", "srclang", "sourcelanguage"),
    "target_lang": ("targetlang", "tgtlang", "trglang", "targetlanguage"),
    "forbidden": ("forbidden", "forbiddentargets"),
    "case_sensitive": ("casesensitive",),
    "do_not_translate": ("donottranslate", "dnt"),
    "part_of_speech": ("partofspeech", "pos"),
    "note": ("note", "notes", "comment", "definition"),
}
GLOSSARY_HEADER = (
    "source_lang",
    "target_lang",
    "source",
    "target",
    "forbidden",
    "case_sensitive",
    "do_not_translate",
    "part_of_speech",
    "note",
)
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", ""})


class GlossaryTable(GlossaryFormat):
    """Glossaries as a table with a header; a variant only declares its delimiter."""

    delimiter: str

    def read(self, stream: BinaryIO, pair: LanguagePair) -> Iterator[GlossaryEntry | Skipped]:
        """The entries of the rows for `pair`."""
        kind = self.name.upper()
        rows = read_rows(
            stream,
            kind=kind,
            delimiter=self.delimiter,
            columns=GLOSSARY_COLUMNS,
            required=("source", "target"),
        )
        for row in rows:
            where = f"line {row.line} of the {kind} file"
            if not _for_pair(row, pair, where):
                yield Skipped("row for another language pair")
                continue
            yield _entry(row, where)

    def write(self, entries: Iterable[GlossaryEntry], stream: BinaryIO, pair: LanguagePair) -> int:
        """Write one row per entry, with the pair's languages on every row."""
        rows = (_row(entry, pair) for entry in entries)
        return write_rows(stream, delimiter=self.delimiter, header=GLOSSARY_HEADER, rows=rows)


class CsvGlossary(GlossaryTable):
    """Comma-separated glossaries."""

    name = "csv"
    suffixes = (".csv",)
    delimiter = ","


class TsvGlossary(GlossaryTable):
    """Tab-separated glossaries."""

    name = "tsv"
    suffixes = (".tsv",)
    delimiter = "\t"


def _for_pair(row: Row, pair: LanguagePair, where: str) -> bool:
    for side in ("source", "target"):
        cell = row.cells.get(f"{side}_lang", "").strip()
        if cell and pair.side(language(cell, where)) != side:
            return False
    return True


def _entry(row: Row, where: str) -> GlossaryEntry | Skipped:
    cells = row.cells
    source = cells["source"].strip()
    if not source:
        if cells["target"].strip() or cells.get("forbidden", "").strip():
            raise InvalidFile(f"{where} has no source term")
        return Skipped("row without terms")
    entry = GlossaryEntry(
        source=source,
        targets=_terms(cells["target"]),
        forbidden=_terms(cells.get("forbidden", "")),
        case_sensitive=_flag(cells, "case_sensitive", where),
        do_not_translate=_flag(cells, "do_not_translate", where),
        part_of_speech=cells.get("part_of_speech", "").strip() or None,
        note=cells.get("note", "").strip() or None,
    )
    if not (entry.targets or entry.forbidden or entry.do_not_translate):
        return Skipped("term without a translation")
    return entry


def _terms(cell: str) -> list[str]:
    return [term.strip() for term in cell.split(TERM_SEPARATOR) if term.strip()]


def _flag(cells: dict[str, str], column: str, where: str) -> bool:
    value = cells.get(column, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise InvalidFile(f"{where}: {column} must be true or false, not {value!r}")


def _row(entry: GlossaryEntry, pair: LanguagePair) -> list[str]:
    for term in (*entry.targets, *entry.forbidden):
        if TERM_SEPARATOR in term:
            raise ValueError(f"the term {term!r} contains {TERM_SEPARATOR!r}; export it as TBX")
    return [
        pair.source,
        pair.target,
        entry.source,
        TERM_SEPARATOR.join(entry.targets),
        TERM_SEPARATOR.join(entry.forbidden),
        "true" if entry.case_sensitive else "false",
        "true" if entry.do_not_translate else "false",
        entry.part_of_speech or "",
        entry.note or "",
    ]
