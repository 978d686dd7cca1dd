"""Tests of tm/formats/table.py: CSV and TSV translation memories."""

import io

import pytest

from tm.errors import InvalidFile
from tm.formats import read_memory, write_memory
from tm.models import TranslationUnit


def read(text: str, fmt: str = "csv", **langs: str) -> list[TranslationUnit]:
    return list(read_memory(io.BytesIO(text.encode()), fmt, **langs))


def round_trip(units: list[TranslationUnit], fmt: str, **options: object) -> list[TranslationUnit]:
    buffer = io.BytesIO()
    write_memory(units, buffer, fmt, **options)  # type: ignore[arg-type]
    return list(read_memory(io.BytesIO(buffer.getvalue()), fmt))


HEADERS = [
    # (table, arguments, expected (source, target, source_lang, target_lang, tuid, attributes))
    (
        "source,target,source_lang,target_lang\nHi,Salut,en,fr\n",
        {},
        ("Hi", "Salut", "en", "fr", None, {}),
    ),
    (
        "id,sourceLang,targetLang,sourceString,targetString\n1,en_US,fr_XX,Hi,Salut\n",
        {},
        ("Hi", "Salut", "en-US", "fr-XX", "1", {}),
    ),
    (
        "SOURCE,Target,SrcLang,Target Lang\nHi,Salut,EN,FR\n",
        {},
        ("Hi", "Salut", "en", "fr", None, {}),
    ),
    (
        "tuid,source,target,domain,client\nt1,Hi,Salut,IT,\n",
        {"source_lang": "en", "target_lang": "fr-CA"},
        ("Hi", "Salut", "en", "fr-CA", "t1", {"domain": "IT"}),
    ),
    (
        "source,target,target_lang\nHi,Salut,\nHi,Hallo,de\n",
        {"source_lang": "en", "target_lang": "fr"},
        ("Hi", "Salut", "en", "fr", None, {}),
    ),
    (
        "\ufeffsource,target,source_lang,target_lang\nHi,Salut,en,fr\n",
        {},
        ("Hi", "Salut", "en", "fr", None, {}),
    ),
    (
        'source,target,source_lang,target_lang\r\n"a,b","say ""hi""",en,fr\r\n',
        {},
        ("a,b", 'say "hi"', "en", "fr", None, {}),
    ),
]


@pytest.mark.parametrize(("table", "langs", "expected"), HEADERS)
def test_columns(table: str, langs: dict[str, str], expected: tuple) -> None:
    first = read(table, **langs)[0]
    got = (first.source, first.target, first.source_lang, first.target_lang)
    assert (*got, first.tuid, first.attributes) == expected


def test_unnamed_columns_are_ignored() -> None:
    (read_unit,) = read("source,target,,\nHi,Salut,x,\n", source_lang="en", target_lang="fr")
    assert read_unit.attributes == {}


def test_tsv() -> None:
    units = read("source\ttarget\nHi, you\tSalut, toi\n", "tsv", source_lang="en", target_lang="fr")
    assert (units[0].source, units[0].target) == ("Hi, you", "Salut, toi")


ROUND_TRIP_TEXTS = [
    "plain",
    'comma, and "quotes"',
    "tab\there",
    "multi\nline\r\ntext",
    "  spaced  ",
    "Ünïcödé 😀 中文",
    "literal <b>html</b> & <ph/>",
    "=1+1",
]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS)
def test_round_trip(fmt: str, text: str) -> None:
    units = [
        TranslationUnit(text, text.upper(), "en-US", "fr", tuid="7", attributes={"domain": text}),
        TranslationUnit("b", "c", "de", "en", attributes={"domain": "x"}),
    ]
    assert round_trip(units, fmt) == units


def test_attribute_columns() -> None:
    units = [
        TranslationUnit("a", "b", "en", "fr", attributes={"x": "1"}),
        TranslationUnit("c", "d", "en", "fr", attributes={"x": "2", "y": "3"}),
    ]
    assert [u.attributes for u in round_trip(units, "csv")] == [{"x": "1"}, {"x": "2"}]
    both = round_trip(units, "csv", attribute_columns=["x", "y"])
    assert [u.attributes for u in both] == [{"x": "1"}, {"x": "2", "y": "3"}]


def test_export_header() -> None:
    buffer = io.BytesIO()
    write_memory([TranslationUnit("a", "b", "en", "fr", attributes={"k": "v"})], buffer, "csv")
    assert (
        buffer.getvalue().decode().splitlines()[0] == "tuid,source_lang,target_lang,source,target,k"
    )


def test_empty_segments_are_skipped_and_blank_lines_ignored() -> None:
    table = "source,target\nHi,Salut\n,\n\nHello,\n,Bonjour\n"
    reading = read_memory(io.BytesIO(table.encode()), "csv", source_lang="en", target_lang="fr")
    assert [u.source for u in reading] == ["Hi"]
    assert reading.skip_reasons == {"empty segment": 2}


INVALID = [
    # (table, arguments, words of the message)
    (
        "Hi,Salut\n",
        {"source_lang": "en", "target_lang": "fr"},
        "header row naming the columns 'source', 'target'",
    ),
    ("", {}, "header row"),
    (
        "source,target\nHi,Salut\n",
        {"target_lang": "fr"},
        "no source lang.*'source_lang' column.*source_lang argument",
    ),
    ("source,target,source_lang\nHi,Salut,\n", {"target_lang": "fr"}, "line 2 .*no source lang"),
    ("source,target\nHi,Salut\n", {"source_lang": "en"}, "no target lang"),
    ("source,target,source_lang,target_lang\nHi,Salut,en,xx\n", {}, "line 2.*'xx'"),
    (
        "source,target\na,b,c\n",
        {"source_lang": "en", "target_lang": "fr"},
        "line 2 .* 3 fields, the header has 2",
    ),
    ("source,target\na\n", {"source_lang": "en", "target_lang": "fr"}, "1 fields"),
    ("source,sourceString,target\na,a,b\n", {}, "two columns give the source"),
]


@pytest.mark.parametrize(("table", "langs", "message"), INVALID)
def test_invalid(table: str, langs: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        read(table, **langs)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("source,target\nCafé,b\n".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\xff", "not UTF-8"),
        (b"source,target\na\x00,b\n", "line 2"),
        (b'<?xml version="1.0"?><tmx version="1.4"><body/></tmx>', "header row"),
    ],
)
def test_not_a_table(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        list(read_memory(io.BytesIO(data), "csv", source_lang="en", target_lang="fr"))


def test_bad_row_half_way_raises() -> None:
    table = "source,target,source_lang,target_lang\na,b,en,fr\nc,d,en,xx\n"
    reading = read_memory(io.BytesIO(table.encode()), "csv")
    assert next(reading).source == "a"
    with pytest.raises(InvalidFile):
        next(reading)


def test_caller_stream_stays_open() -> None:
    stream = io.BytesIO(b"source,target\na,b\n")
    list(read_memory(stream, "csv", source_lang="en", target_lang="fr"))
    out = io.BytesIO()
    write_memory([], out, "tsv")
    assert not stream.closed and not out.closed
    assert out.getvalue() == b"tuid\tsource_lang\ttarget_lang\tsource\ttarget\r\n"
