"""Tests of tm/formats/glossary_table.py: CSV and TSV glossaries."""

import io

import pytest

from tm.errors import InvalidFile
from tm.formats import read_glossary, write_glossary
from tm.models import GlossaryEntry

TICO = """id,sourceLang,targetLang,sourceString,targetString
1,en,fr_XX,1918 flu,Grippe de 1918
2,en,fr_XX,acute bronchitis,bronchite aiguë
3,en,fr_XX,AIDS,SIDA
"""


def read(
    text: str, fmt: str = "csv", source: str = "en", target: str = "fr"
) -> list[GlossaryEntry]:
    return list(read_glossary(io.BytesIO(text.encode()), fmt, source, target))


def test_tico_layout() -> None:
    assert read(TICO) == [
        GlossaryEntry("1918 flu", ["Grippe de 1918"]),
        GlossaryEntry("acute bronchitis", ["bronchite aiguë"]),
        GlossaryEntry("AIDS", ["SIDA"]),
    ]


ROWS = [
    # (header, row, expected entry)
    ("source,target", "cloud,nuage", GlossaryEntry("cloud", ["nuage"])),
    ("Source,Target", " cloud , nuage | nue ", GlossaryEntry("cloud", ["nuage", "nue"])),
    (
        "source,target,forbidden,case_sensitive,do_not_translate,pos,note",
        "Azure,,,yes,true,properNoun,brand",
        GlossaryEntry("Azure", [], [], True, True, "properNoun", "brand"),
    ),
    (
        "term,translation,forbidden_targets,casesensitive,DNT,part_of_speech,comment",
        "mouse,souris,mulot|rat,0,no,noun,",
        GlossaryEntry("mouse", ["souris"], ["mulot", "rat"], False, False, "noun", None),
    ),
    (
        "source,target,forbidden",
        "log in,se connecter,loguer",
        GlossaryEntry("log in", ["se connecter"], ["loguer"]),
    ),
    ("source,target,forbidden", "e-mail,,mail", GlossaryEntry("e-mail", [], ["mail"])),
    ("source,target,extra", "a,b,ignored", GlossaryEntry("a", ["b"])),
]


@pytest.mark.parametrize(("header", "row", "entry"), ROWS)
def test_rows(header: str, row: str, entry: GlossaryEntry) -> None:
    assert read(f"{header}\n{row}\n") == [entry]


LANGUAGE_CELLS = [
    # (source_lang cell, target_lang cell, glossary pair, read?)
    ("en", "fr_XX", ("en", "fr"), True),
    ("en-US", "fr-CA", ("en", "fr"), True),
    ("EN", "FR", ("en-GB", "fr-FR"), True),
    ("", "", ("en", "fr"), True),
    ("en", "de", ("en", "fr"), False),
    ("fr", "en", ("en", "fr"), False),
    ("zh-TW", "en", ("zh", "en"), False),  # Traditional is not Simplified
    ("en-US", "en-GB", ("en-US", "en-GB"), True),
    ("en-GB", "en-US", ("en-US", "en-GB"), False),
]


@pytest.mark.parametrize(("source", "target", "pair", "kept"), LANGUAGE_CELLS)
def test_language_cells(source: str, target: str, pair: tuple[str, str], kept: bool) -> None:
    text = f"sourceLang,targetLang,source,target\n{source},{target},a,b\n"
    reading = read_glossary(io.BytesIO(text.encode()), "csv", *pair)
    assert len(list(reading)) == int(kept)
    assert reading.skipped == int(not kept)


def test_documented_skips() -> None:
    text = "source_lang,target_lang,source,target\nen,fr,a,b\nen,de,a,b\nen,fr,c,\nen,fr,,\n"
    reading = read_glossary(io.BytesIO(text.encode()), "csv", "en", "fr")
    assert [entry.source for entry in reading] == ["a"]
    assert reading.skip_reasons == {
        "row for another language pair": 1,
        "term without a translation": 1,
        "row without terms": 1,
    }


ENTRIES = [
    GlossaryEntry("cloud", ["nuage", "nue"], ["cumulus"], True, False, "noun", 'weather, "sky"'),
    GlossaryEntry("Azure", [], [], True, True, "properNoun", "multi\nline note"),
    GlossaryEntry("log in", ["se connecter"]),
    GlossaryEntry("e-mail", [], ["mail"]),
    GlossaryEntry("naïve, café", ["naïf\tcafé"], [], False, False, None, None),
]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_round_trip(fmt: str) -> None:
    buffer = io.BytesIO()
    assert write_glossary(ENTRIES, buffer, fmt, "en", "fr") == len(ENTRIES)
    assert list(read_glossary(io.BytesIO(buffer.getvalue()), fmt, "en", "fr")) == ENTRIES


def test_export_header() -> None:
    buffer = io.BytesIO()
    write_glossary([GlossaryEntry("a", ["b"])], buffer, "csv", "en_us", "fr")
    lines = buffer.getvalue().decode().splitlines()
    assert lines[0].startswith("source_lang,target_lang,source,target,forbidden")
    assert lines[1] == "en-US,fr,a,b,,false,false,,"


def test_term_with_the_separator_cannot_be_exported() -> None:
    with pytest.raises(ValueError, match="contains '\\|'"):
        write_glossary([GlossaryEntry("a", ["b|c"])], io.BytesIO(), "csv", "en", "fr")


INVALID = [
    # (table, words of the message)
    ("1,en,fr_XX,flu,grippe\n", "header row naming the columns 'source', 'target'"),
    ("source,target\n,orphan\n", "line 2 .*no source term"),
    ("source,target,case_sensitive\na,b,maybe\n", "line 2 .*case_sensitive must be true or false"),
    ("source,target,source_lang\na,b,xx\n", "line 2.*'xx'"),
    ("source,target\na,b,c\n", "3 fields"),
]


@pytest.mark.parametrize(("table", "message"), INVALID)
def test_invalid(table: str, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        read(table)


def test_tsv() -> None:
    assert read("source\ttarget\nflu, seasonal\tgrippe\n", "tsv") == [
        GlossaryEntry("flu, seasonal", ["grippe"])
    ]
