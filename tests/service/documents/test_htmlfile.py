"""Tests of service/documents/htmlfile.py: blocks, inline tags, attributes, skipped code."""

import lxml.html
import pytest
from lxml import etree

from service.documents import InvalidDocument, read_document, write_document
from service.documents.base import Document
from tests.service.documents.samples import HTML


def read(data: bytes = HTML, filename: str = "index.html") -> Document:
    return read_document(data, filename, source_lang="en", target_lang="de")


def canonical(data: bytes) -> str:
    """The document as lxml serializes it: the same string for the same HTML tree."""
    return etree.tostring(lxml.html.document_fromstring(data), method="html", encoding="unicode")


def test_blocks_and_attributes_are_segments_and_code_is_skipped() -> None:
    segments = [(s.id, s.context, s.source) for s in read().segments]
    assert segments == [
        ("5.content", "meta content", "Adaptive machine translation"),
        ("8.1", "title", "adaptmt — Home"),
        ("14.1", "li", "Home"),
        ("16.title", "a title", "Read the docs"),
        ("17.1", "li", "Docs"),
        ("22.1", "h1", "Welcome to <g1>adaptmt</g1>"),
        ("24.alt", "img alt", "The adaptmt logo"),
        ("25.1", "p", "Translate with <g1><g2>your</g2> memories</g1>."),
        ("25.2", "p", "Tags stay intact.<x3/>"),
        ("25.3", "p", "Run <x4/> to start. <x5/>"),
        ("27.1", "div", "Text before a block"),
        ("28.1", "p", "An inner paragraph."),
        ("29.1", "div", "and text after it."),
        ("33.placeholder", "input placeholder", "Search the docs"),
    ]
    text = " ".join(s.source for s in read().segments)
    assert "font-family" not in text and "greeting" not in text and "GmbH" not in text


def test_round_trip_gives_the_same_document() -> None:
    document = read()
    written = write_document(document, {s.id: s.source for s in document.segments})
    assert canonical(written) == canonical(HTML).replace('lang="en"', 'lang="de"')


def test_translations_rebuild_inline_elements_and_attributes() -> None:
    written = write_document(
        read(),
        {
            "25.1": "Übersetzen Sie mit <g1><g2>Ihren</g2> Speichern</g1>.",
            "25.3": "Starten Sie mit <x4/>. <x5/>",
            "24.alt": "Das Logo von adaptmt",
            "29.1": "und Text danach & <b>kein Tag</b>.",
        },
    )
    page = lxml.html.document_fromstring(written)
    paragraph = page.find(".//main/p")
    assert paragraph is not None
    html = etree.tostring(paragraph, encoding="unicode", method="html")
    assert html.startswith(
        '<p>Übersetzen Sie mit <a href="/tm"><b>Ihren</b> Speichern</a>. Tags stay'
    )
    assert (
        "Starten Sie mit <code>adaptmt serve</code>. "
        '<img src="logo.png" alt="Das Logo von adaptmt">' in html
    )
    assert "und Text danach &amp; &lt;b&gt;kein Tag&lt;/b&gt;." in written.decode()
    assert page.get("lang") == "de"


def test_fragments_are_written_back_as_fragments() -> None:
    fragment = b'<p>Hello <b>world</b>. Bye.</p>\n<ul><li title="Item">One</li></ul>'
    document = read(fragment, "snippet.htm")
    assert [s.id for s in document.segments] == ["2.1", "2.2", "5.title", "6.1"]
    written = write_document(document, {"2.2": "Tschüss.", "6.1": "Eins"})
    assert (
        written
        == '<p>Hello <b>world</b>. Tschüss.</p>\n<ul><li title="Item">Eins</li></ul>'.encode()
    )


def test_undecodable_html_is_refused_and_empty_html_is_empty() -> None:
    with pytest.raises(InvalidDocument, match="not valid UTF-8"):
        read(b"<p>caf\xe9</p>")
    assert read(b"", "empty.html").segments == ()
