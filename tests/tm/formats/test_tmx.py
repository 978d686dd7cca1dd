"""Tests of tm/formats/tmx.py: TMX 1.4b import, export, inline markup and streaming."""

import io
import tracemalloc
from datetime import UTC, datetime

import psutil
import pytest
from lxml import etree

from tm.errors import InvalidFile
from tm.formats import read_memory, write_memory
from tm.models import TranslationUnit


def tmx(body: str, srclang: str = "en") -> bytes:
    header = f'<header creationtool="t" segtype="sentence" srclang="{srclang}"/>'
    return f'<?xml version="1.0"?>\n<tmx version="1.4">{header}<body>{body}</body></tmx>'.encode()


def tu(*variants: tuple[str, str], attrs: str = "", extra: str = "") -> str:
    tuvs = "".join(f'<tuv xml:lang="{lang}"><seg>{seg}</seg></tuv>' for lang, seg in variants)
    return f"<tu {attrs}>{extra}{tuvs}</tu>"


def read(data: bytes) -> list[TranslationUnit]:
    return list(read_memory(io.BytesIO(data), "tmx"))


def round_trip(units: list[TranslationUnit]) -> list[TranslationUnit]:
    buffer = io.BytesIO()
    write_memory(units, buffer, "tmx")
    return read(buffer.getvalue())


def unit(source: str, target: str = "cible", **fields: object) -> TranslationUnit:
    values: dict = {"source_lang": "en", "target_lang": "fr", **fields}
    return TranslationUnit(source=source, target=target, **values)


SEGMENTS_READ = [
    # (the XML inside <seg>, the unit text)
    ("plain text", "plain text"),
    ("a &lt;b&gt; &amp; c", "a <b> & c"),
    ("Café ☕ 日本語 עברית", "Café ☕ 日本語 עברית"),
    (
        'Click <bpt i="1">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept>',
        'Click <bpt i="1">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept>',
    ),
    ('a<ph x="1"/>b', 'a<ph x="1"/>b'),
    (
        "<hi type='b'>bold <ph>&lt;br/&gt;</ph></hi> end",
        '<hi type="b">bold <ph>&lt;br/&gt;</ph></hi> end',
    ),
    (
        '<bpt i="1">&lt;a href="<sub>link</sub>"&gt;</bpt>',
        '<bpt i="1">&lt;a href="<sub>link</sub>"&gt;</bpt>',
    ),
    (
        '<it pos="begin">&lt;i&gt;</it>x <ut>{\\b}</ut>',
        '<it pos="begin">&lt;i&gt;</it>x <ut>{\\b}</ut>',
    ),
    ('x <g id="1">y</g> z', "x y z"),  # not TMX: flattened to its text
    ("a<!-- comment -->b", "ab"),
    ("  spaced  ", "  spaced  "),
]


@pytest.mark.parametrize(("seg", "text"), SEGMENTS_READ)
def test_segment_text(seg: str, text: str) -> None:
    (read_unit,) = read(tmx(tu(("en", seg), ("fr", "x"))))
    assert read_unit.source == text


SEGMENTS_WRITTEN = [
    # (unit text, the XML written inside <seg>)
    ("plain", "plain"),
    ("5 < 6 & 7 > 2", "5 &lt; 6 &amp; 7 &gt; 2"),
    ("a <b>x</b>", "a &lt;b&gt;x&lt;/b&gt;"),
    ('Click <bpt i="1">&lt;b&gt;</bpt>OK', 'Click <bpt i="1">&lt;b&gt;</bpt>OK'),
    ("<ph/> and <ph>", "<ph/> and &lt;ph&gt;"),
    ("<ph><b/></ph>", "&lt;ph&gt;&lt;b/&gt;&lt;/ph&gt;"),  # a non-inline child: text
    ("<ph>&undefined;</ph>", "&lt;ph&gt;&amp;undefined;&lt;/ph&gt;"),
    ("<hi>a <ph/> b</hi>", "<hi>a <ph/> b</hi>"),
    ("<hi><hi>nested</hi></hi>", "<hi><hi>nested</hi></hi>"),
    ("bell\x07", "bell"),
]


@pytest.mark.parametrize(("text", "seg"), SEGMENTS_WRITTEN)
def test_segment_written(text: str, seg: str) -> None:
    buffer = io.BytesIO()
    write_memory([unit(text)], buffer, "tmx")
    segs = etree.fromstring(buffer.getvalue()).iter("seg")
    written = next(segs)
    inner = (etree.tostring(written, encoding="unicode", with_tail=False))[5:-6]
    assert inner == seg


ROUND_TRIP_TEXTS = [
    "plain",
    "Ünïcödé – “quotes” — 😀 中文",
    "literal <b>html</b> & ampersand; 1 < 2",
    'inline <bpt i="1">&lt;b&gt;</bpt>bold<ept i="1">&lt;/b&gt;</ept> tags',
    "<ph/>",
    "unclosed <ph> and </bpt>",
    "line one\nline two\r\nline three\ttab",
    "  leading and trailing  ",
    "&amp; written out",
]


@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS)
def test_round_trip_texts(text: str) -> None:
    units = [unit(text, target=text[::-1] or "x")]
    assert round_trip(units) == units


def test_round_trip_file() -> None:
    data = tmx(
        tu(("en", "Hello"), ("fr", "Bonjour"), ("de", "Hallo"), attrs='tuid="t1"')
        + tu(
            ("en-US", "Save &amp; <ph/> quit"),
            ("fr-CA", "Enregistrer"),
            attrs='tuid="t2" creationdate="20240102T030405Z" changedate="20240203T000000Z"',
            extra='<prop type="x-domain">IT</prop><note>checked</note>',
        )
        + tu(("de", "Auto"), ("en", "car"), attrs='srclang="de"')
    )
    units = read(data)
    assert [(u.source_lang, u.target_lang) for u in units] == [
        ("en", "fr"),
        ("en", "de"),
        ("en-US", "fr-CA"),
        ("de", "en"),
    ]
    assert units[2].attributes == {"x-domain": "IT", "note": "checked"}
    assert units[2].created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert units[2].updated_at == datetime(2024, 2, 3, tzinfo=UTC)
    assert round_trip(units) == units


def test_export_regroups_multi_language_tus() -> None:
    units = read(tmx(tu(("en", "Hello"), ("fr", "Bonjour"), ("de", "Hallo"), attrs='tuid="t1"')))
    buffer = io.BytesIO()
    assert write_memory(units, buffer, "tmx") == 2
    root = etree.fromstring(buffer.getvalue())
    assert len(root.findall("body/tu")) == 1
    assert len(root.findall("body/tu/tuv")) == 3


def test_export_header() -> None:
    buffer = io.BytesIO()
    write_memory([unit("a"), unit("b", source_lang="de")], buffer, "tmx")
    root = etree.fromstring(buffer.getvalue())
    assert root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None
    assert {k: header.get(k) for k in ("creationtool", "srclang", "segtype", "o-tmf")} == {
        "creationtool": "adaptmt",
        "srclang": "en",
        "segtype": "sentence",
        "o-tmf": "adaptmt",
    }
    assert header.get("adminlang") and header.get("datatype")
    assert [t.get("srclang") for t in root.iter("tu")] == [None, "de"]


SOURCE_CHOICE = [
    # (header srclang, TU attributes, variants, expected (source_lang, target_lang) pairs)
    ("en", "", [("fr", "a"), ("en", "b")], [("en", "fr")]),
    ("*all*", "", [("fr", "a"), ("en", "b"), ("de", "c")], [("fr", "en"), ("fr", "de")]),
    ("en", 'srclang="de"', [("en", "a"), ("de", "b")], [("de", "en")]),
    ("en", 'srclang="*all*"', [("fr", "a"), ("en", "b")], [("fr", "en")]),
    ("en", "", [("en_US", "a"), ("fr", "b")], [("en-US", "fr")]),  # family match
    ("en-GB", "", [("en-US", "a"), ("en-GB", "b")], [("en-GB", "en-US")]),  # exact first
    ("EN-us", "", [("en-us", "a"), ("FR_fr", "b")], [("en-US", "fr-FR")]),
]


@pytest.mark.parametrize(("srclang", "attrs", "variants", "pairs"), SOURCE_CHOICE)
def test_source_language(
    srclang: str, attrs: str, variants: list[tuple[str, str]], pairs: list[tuple[str, str]]
) -> None:
    units = read(tmx(tu(*variants, attrs=attrs), srclang=srclang))
    assert [(u.source_lang, u.target_lang) for u in units] == pairs


def test_old_lang_attribute() -> None:
    body = '<tu><tuv lang="EN"><seg>a</seg></tuv><tuv lang="fr_FR"><seg>b</seg></tuv></tu>'
    (read_unit,) = read(tmx(body))
    assert (read_unit.source_lang, read_unit.target_lang) == ("en", "fr-FR")


def test_source_language_from_argument_when_header_says_all() -> None:
    data = tmx(tu(("fr", "a"), ("en", "b")), srclang="*all*")
    units = list(read_memory(io.BytesIO(data), "tmx", source_lang="en"))
    assert (units[0].source_lang, units[0].source) == ("en", "b")


def test_props_repeated_and_dates_on_the_variant() -> None:
    body = (
        '<tu tuid="7"><prop type="x-a">1</prop><prop type="x-a">2</prop><note>n</note>'
        '<tuv xml:lang="en"><seg>s</seg></tuv>'
        '<tuv xml:lang="fr" creationdate="20200101T000000Z"><seg>t</seg></tuv></tu>'
    )
    (read_unit,) = read(tmx(body))
    assert read_unit.tuid == "7"
    assert read_unit.attributes == {"x-a": "1\n2", "note": "n"}
    assert read_unit.created_at == datetime(2020, 1, 1, tzinfo=UTC)
    assert read_unit.updated_at is None


SHORTCUTS = [
    # (a TU the reader's shortcuts take: plain <seg>, source first, no dates; the same TU
    # through the general path), both read as `expected` (source, target, languages)
    (
        tu(("en", "a b"), ("fr", "c")),
        tu(("fr", "c"), ("en", "a b"), attrs='srclang="en"'),
        [("a b", "c", "en", "fr")],
    ),
    (
        tu(("en", " a  &lt;b&gt; "), ("fr", "c")),
        '<tu><tuv xml:lang="en"><prop type="x">p</prop><seg> a  &lt;b&gt;<!-- c --> </seg>'
        '</tuv><tuv xml:lang="fr"><note>n</note><seg>c</seg></tuv></tu>',
        [(" a  <b> ", "c", "en", "fr")],
    ),
    (
        tu(("en", "x &lt;y"), ("fr", 'z <ph x="1"/>')),
        '<tu><tuv lang="en"><seg>x <g>&lt;y</g></seg></tuv>'
        '<tuv xml:lang="fr"><seg>z <ph x="1"/></seg></tuv></tu>',
        [("x <y", 'z <ph x="1"/>', "en", "fr")],
    ),
    (
        tu(("en-US", "a"), ("fr", "b"), ("de", "c")),
        tu(("de", "c"), ("en_US", "a"), ("fr", "b"), attrs='srclang="en"'),
        [("a", "b", "en-US", "fr"), ("a", "c", "en-US", "de")],
    ),
]


@pytest.mark.parametrize(("shortcut", "general", "expected"), SHORTCUTS)
def test_shortcuts_read_as_the_general_path(
    shortcut: str, general: str, expected: list[tuple[str, str, str, str]]
) -> None:
    for body in (shortcut, general):
        units = read(tmx(body))
        got = [(u.source, u.target, u.source_lang, u.target_lang) for u in units]
        assert sorted(got) == sorted(expected)


def test_units_of_one_tu_do_not_share_attributes() -> None:
    extra = '<prop type="x">1</prop>'
    first, second = read(tmx(tu(("en", "a"), ("fr", "b"), ("de", "c"), extra=extra)))
    first.attributes["x"] = "changed"
    assert second.attributes == {"x": "1"}


SKIPS = [
    # (body, skip reason)
    (tu(("en", "alone")), "TU with fewer than two languages"),
    (tu(("fr", "a"), ("de", "b")), "TU without a variant in the source language"),
    (tu(("en", "a"), ("fr", "")), "empty segment"),
]


@pytest.mark.parametrize(("body", "reason"), SKIPS)
def test_documented_skips(body: str, reason: str) -> None:
    reading = read_memory(io.BytesIO(tmx(body + tu(("en", "a"), ("fr", "b")))), "tmx")
    assert len(list(reading)) == 1
    assert reading.skipped == 1
    assert reading.skip_reasons == {reason: 1}


INVALID = [
    # (body, words of the message)
    (tu(("en", "a"), ("xx", "b"), attrs='tuid="t9"'), "TU 't9' .*'xx' is not a known language"),
    (tu(("en", "a"), ("fr", "b")) + tu(("en", "a"), ("zz", "b")), "the TU on line 3: 'zz'"),
    ('<tu><tuv><seg>a</seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu>', "has no language"),
    (
        '<tu><tuv xml:lang=" "><seg>a</seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu>',
        r"the TU on line \d+ has no language",
    ),
    ('<tu><tuv xml:lang="en"/><tuv xml:lang="fr"><seg>b</seg></tuv></tu>', "has no <seg>"),
    (tu(("en", "a"), ("fr", "b"), attrs='creationdate="2024-01-01"'), "not a TMX date"),
]


@pytest.mark.parametrize(("body", "message"), INVALID)
def test_invalid_tus(body: str, message: str) -> None:
    data = tmx(body).replace(b"<body>", b"<body>\n")
    with pytest.raises(InvalidFile, match=message):
        read(data)


def test_bad_tu_half_way_raises_after_the_good_ones() -> None:
    body = tu(("en", "a"), ("fr", "b")) + tu(("en", "a"), ("xx", "b"))
    reading = read_memory(io.BytesIO(tmx(body)), "tmx")
    assert next(reading).source == "a"
    with pytest.raises(InvalidFile):
        next(reading)


def test_tbx_given_as_tmx() -> None:
    data = b'<martif type="TBX"><text><body><termEntry/></body></text></martif>'
    with pytest.raises(InvalidFile, match="expected a TMX file"):
        read(data)


def test_streaming_keeps_memory_flat() -> None:
    count = 50_000
    data = tmx(
        "\n".join(tu(("en", f"Sentence {i}."), ("fr", f"Phrase {i}.")) for i in range(count))
    )
    process = psutil.Process()
    rss_before = rss_peak = process.memory_info().rss
    tracemalloc.start()
    try:
        read_count = 0
        for read_count, _ in enumerate(read_memory(io.BytesIO(data), "tmx"), start=1):
            if read_count % 5_000 == 0:
                rss_peak = max(rss_peak, process.memory_info().rss)
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read_count == count
    assert python_peak < len(data) / 20  # Python objects: a few units at a time
    assert rss_peak - rss_before < len(data) / 2  # libxml2's whole tree would be ~10x the file
