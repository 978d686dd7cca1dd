"""Tests of service/documents/docx.py: paragraphs of every part, runs as tags, rebuilt runs."""

import io
import zipfile

import pytest
from lxml import etree

from service.documents import InvalidDocument, read_document, write_document
from service.documents import docx as docx_module
from service.documents.base import Document
from tests.service.documents.samples import docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTS = ("word/document.xml", "word/header1.xml", "word/footer1.xml", "word/footnotes.xml")
Span = tuple[str, bytes, bool]  # text, run properties, inside a hyperlink


def read(data: bytes | None = None) -> Document:
    return read_document(data or docx(), "guide.docx", source_lang="en", target_lang="de")


def spans(data: bytes) -> dict[str, list[list[Span]]]:
    """Per part and paragraph: the text with its run properties, equal neighbours merged."""
    found: dict[str, list[list[Span]]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in PARTS:
            paragraphs = found.setdefault(name, [])
            for paragraph in etree.fromstring(archive.read(name)).iter(f"{W}p"):
                merged: list[Span] = []
                for text in paragraph.iter(f"{W}t"):
                    if next(text.iterancestors(f"{W}p")) is not paragraph:
                        continue  # a text box's own paragraph
                    run = text.getparent()
                    assert run is not None
                    properties = run.find(f"{W}rPr")
                    key = b"" if properties is None else etree.tostring(properties)
                    linked = run.getparent() is not None and run.getparent().tag == f"{W}hyperlink"  # type: ignore[union-attr]
                    if merged and merged[-1][1:] == (key, linked):
                        merged[-1] = (merged[-1][0] + (text.text or ""), key, linked)
                    else:
                        merged.append((text.text or "", key, linked))
                paragraphs.append(merged)
    return found


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def test_every_part_gives_segments_with_formatting_as_tags() -> None:
    segments = [(s.id, s.context, s.source) for s in read().segments]
    assert segments == [
        ("document:1.1", "body, style Heading1", "Getting started"),
        (
            "document:2.1",
            "body",
            "This is <g1>bold</g1> and <g2>italic</g2> text with a <g3>link to our site</g3>.",
        ),
        ("document:2.2", "body", "A second sentence has a note<x4/>."),
        ("document:3.1", "body", "Name:<x1/>Value<x2/>Next line"),
        ("document:4.1", "body, table cell", "Cell one"),
        ("document:5.1", "body, table cell", "Cell two"),
        ("document:6.1", "body", "See the box: <x1/>"),
        ("document:7.1", "body", "Text in a box."),
        ("document:8.1", "body", "This page is number <x1/>."),
        ("footnotes:2.1", "footnote", "<x1/> See the manual."),
        ("header1:1.1", "header", "Company confidential"),
        ("footer1:1.1", "footer", "Page <x1/>"),
    ]


def test_round_trip_keeps_text_run_formatting_and_other_parts() -> None:
    original = docx()
    document = read(original)
    assert write_document(document, {}) == original
    written = write_document(document, {s.id: s.source for s in document.segments})
    assert spans(written) == spans(original)
    with (
        zipfile.ZipFile(io.BytesIO(original)) as before,
        zipfile.ZipFile(io.BytesIO(written)) as after,
    ):
        assert before.namelist() == after.namelist()
        for name in (
            "word/styles.xml",
            "word/media/image1.png",
            "[Content_Types].xml",
            "word/_rels/document.xml.rels",
        ):
            assert before.read(name) == after.read(name)


def test_translations_are_rebuilt_with_the_original_runs() -> None:
    written = write_document(
        read(),
        {
            "document:2.1": (
                "Das ist <g1>fett</g1> und <g2>kursiv</g2>, mit einem <g3>Link zu uns</g3>."
            ),
            "document:2.2": "Ein zweiter Satz hat eine Fußnote<x4/>.",
            "document:6.1": "Siehe Kasten: <x1/>",
            "document:7.1": "Text in einem Kasten.",
            "header1:1.1": "Vertraulich",
            "footnotes:2.1": "<x1/> Siehe Handbuch.",
        },
    )
    body = spans(written)["word/document.xml"]
    bold, italic, link = (spans(docx())["word/document.xml"][1][i][1] for i in (1, 3, 5))
    assert body[1] == [
        ("Das ist ", b"", False),
        ("fett", bold, False),
        (" und ", b"", False),
        ("kursiv", italic, False),
        (", mit einem ", b"", False),
        ("Link zu uns", link, True),
        (". Ein zweiter Satz hat eine Fußnote.", b"", False),
    ]
    document_xml = part(written, "word/document.xml").decode()
    assert '<w:hyperlink r:id="rId9" w:history="1">' in document_xml
    assert (
        '<w:footnoteReference w:id="1"/></w:r><w:r><w:t xml:space="preserve">.</w:t>'
        in document_xml
    )
    assert (
        "Text in einem Kasten." in document_xml
        and "Siehe Kasten: </w:t></w:r><w:r><w:drawing>" in document_xml
    )
    assert document_xml.startswith(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:document'
    )
    assert "Vertraulich" in part(written, "word/header1.xml").decode()
    assert (
        '<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Siehe Handbuch.'
        in part(written, "word/footnotes.xml").decode()
    )


def replaced(name: str, content: bytes) -> bytes:
    """The sample with one part replaced."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx())) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == name else source.read(info))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "not a ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "legacy .doc or a password-protected"),
        (
            replaced(
                "word/document.xml",
                part(docx(), "word/document.xml")
                .replace(
                    b"?>", b'?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1
                )
                .replace(b"<w:t>Cell one", b"<w:t>&x;"),
            ),
            "declares a DTD",
        ),
        (replaced("word/header1.xml", b"<w:hdr><w:p>"), "not well-formed XML: .*line 1"),
        (replaced("_rels/.rels", b"<Relationships xmlns='urn:nothing'/>"), "no main document"),
    ],
)
def test_damaged_and_hostile_documents_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidDocument, match=message):
        read(data)


def test_archives_that_would_inflate_too_far_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx_module, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(InvalidDocument, match="would unpack to more than"):
        read()
