"""Tests of service/documents/po.py: entries, plurals, fuzzy flags, byte-exact splicing."""

import polib
import pytest

from service.documents import Document, InvalidDocument, PluralForm, read_document, write_document
from tests.service.documents.samples import PO

LATIN_1_DECLARED_UTF_8 = (
    'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "é"\nmsgstr ""\n'
).encode("latin-1")


def read(data: bytes = PO, filename: str = "de.po", target: str = "de") -> Document:
    return read_document(data, filename, source_lang="en", target_lang=target)


def entries(data: bytes) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in polib.pofile(data.decode()) if not e.obsolete}


def test_entries_become_segments_with_context_notes_and_plural_forms() -> None:
    segments = {s.id: s for s in read().segments}
    assert list(segments) == ["1", "2[0]", "2[1]", "3", "4", "5"]  # header, obsolete left out
    open_ = segments["1"]
    assert (open_.source, open_.context, open_.needs_translation, open_.markup) == (
        "Open", "toolbar", True, False,
    )  # fmt: skip
    assert open_.notes == ("Label of the toolbar button that opens a file",)
    singular, plural = segments["2[0]"], segments["2[1]"]
    assert (singular.source, plural.source) == (
        "%(count)d file translated",
        "%(count)d files translated",
    )
    assert plural.plural == PluralForm(1, 2, singular.source, plural.source)
    assert plural.notes == ("flags: python-format",)
    assert segments["3"].needs_translation and segments["3"].target == "Datei speichern"  # fuzzy
    assert not segments["4"].needs_translation and segments["4"].target == "Beenden"
    assert segments["5"].source.startswith("A very long message") and segments["5"].source.endswith(
        "columns."
    )


def test_round_trip_is_byte_identical() -> None:
    document = read()
    assert write_document(document, {}) == PO
    existing = {s.id: s.target for s in document.segments if s.target is not None}
    assert write_document(document, existing) == PO
    written = write_document(document, {s.id: s.source for s in document.segments})
    assert all(
        entry.msgstr == entry.msgid for entry in entries(written).values() if not entry.msgid_plural
    )


def test_translations_are_written_fuzzy_and_nothing_else_changes() -> None:
    document = read()
    written = write_document(
        document,
        {"1": "Öffnen", "2[0]": "%(count)d Datei übersetzt", "2[1]": "%(count)d Dateien übersetzt"},
    )
    by_msgid = entries(written)
    assert by_msgid["Open"].msgstr == "Öffnen" and by_msgid["Open"].flags == ["fuzzy"]
    plural = by_msgid["%(count)d file translated"]
    assert plural.msgstr_plural == {
        0: "%(count)d Datei übersetzt",
        1: "%(count)d Dateien übersetzt",
    }
    assert plural.flags == ["fuzzy", "python-format"]
    untouched = PO.decode().split("#: adaptmt/ui.py:60")[1]
    assert written.decode().endswith(
        untouched
    )  # later entries, obsolete one included, as they were
    assert written.decode().startswith(PO.decode().split("#. Label")[0])  # header as it was


def test_a_template_gets_the_target_languages_header_and_plural_forms() -> None:
    template = (
        PO.replace(b'"Language: de\\n"', b'"Language: \\n"')
        .replace(b"charset=UTF-8", b"charset=CHARSET")
        .replace(b"nplurals=2; plural=(n != 1);", b"nplurals=INTEGER; plural=EXPRESSION;")
    )
    document = read(template, "adaptmt.pot", target="pl")
    forms = [s for s in document.segments if s.plural]
    assert [s.id for s in forms] == ["2[0]", "2[1]", "2[2]"]  # Polish has three forms
    assert [s.source for s in forms] == ["%(count)d file translated"] + [
        "%(count)d files translated"
    ] * 2
    written = write_document(document, {"2[2]": "%(count)d plików"})
    catalogue = polib.pofile(written.decode())
    assert catalogue.metadata["Language"] == "pl"
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=3;")
    assert "charset=UTF-8" in catalogue.metadata["Content-Type"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'msgid "a"\nmsgstr "b" "c\n', "line 2"),
        (b'msgid "a"\nmsgstr "b"\nhello world\n', "Syntax error in PO file at line 3"),
        (b"just some text\nand more\n", "line 1"),
        (b"/etc/passwd", "not a PO file"),
        (b"\xff\xfe\x00garbage\n", "cannot be read|not valid"),
        (LATIN_1_DECLARED_UTF_8, "not valid UTF-8 .*line 4"),
    ],
)
def test_malformed_po_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidDocument, match=message):
        read(data)
