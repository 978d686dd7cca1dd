"""DeepL's glossary entries: `source<TAB>target` lines (TSV) or `source,target` rows (CSV).

DeepL's format is simpler than adaptmt's glossary files (no header, one allowed target per
source term); it maps onto `GlossaryEntry` with that one target. An entry list DeepL would
refuse (an empty term, a line without a target, a source term twice) is refused whole.
"""

import csv
import io
from collections.abc import Iterable

from tm.errors import InvalidFile
from tm.models import GlossaryEntry

FORMATS = ("tsv", "csv")


def _rows(text: str, fmt: str) -> Iterable[list[str]]:
    if fmt == "tsv":
        return (line.split("\t") for line in text.splitlines())
    return csv.reader(io.StringIO(text))


def parse_entries(text: str, fmt: str) -> list[GlossaryEntry]:
    """The entries of a DeepL entry list; InvalidFile with the line number when one is wrong."""
    if fmt not in FORMATS:
        raise InvalidFile(f"entries_format {fmt!r} is not supported; use tsv or csv")
    entries: dict[str, GlossaryEntry] = {}
    for number, row in enumerate(_rows(text, fmt), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) not in (2, 4):
            raise InvalidFile(f"Invalid glossary entries: line {number} needs source and target")
        source, target = row[0].strip(), row[1].strip()
        if not source or not target:
            raise InvalidFile(f"Invalid glossary entries: line {number} has an empty term")
        if source in entries:
            raise InvalidFile(f"Invalid glossary entries: {source!r} appears twice")
        entries[source] = GlossaryEntry(source=source, targets=[target])
    if not entries:
        raise InvalidFile("Invalid glossary entries: the list is empty")
    return list(entries.values())


def entries_tsv(entries: Iterable[GlossaryEntry]) -> str:
    """Entries as DeepL returns them: one `source<TAB>preferred target` line each."""
    return "".join(f"{e.source}\t{e.targets[0]}\n" for e in entries if e.targets)
