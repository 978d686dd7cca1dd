"""Tests of service/documents/registry.py: choosing the format, limits, the write contract."""

import pytest

from service.documents import (
    FORMATS,
    InvalidDocument,
    UnsupportedFormat,
    format_for,
    read_document,
    registry,
    supported_suffixes,
    write_document,
)
from service.documents.docx import DocxDocument
from service.documents.htmlfile import HtmlDocument
from service.documents.jsonfile import JsonDocument
from service.documents.markdown import MarkdownDocument
from service.documents.po import PoDocument
from service.documents.text import TextDocument
from service.documents.xliff import Xliff2Document, Xliff12Document
from tests.service.documents import samples
from tm.errors import InvalidFile, InvalidLanguage

SAMPLES = [
    ("guide.xlf", samples.XLIFF_12, Xliff12Document),
    ("app.XLIFF", samples.XLIFF_21, Xliff2Document),
    ("locale/de/LC_MESSAGES/adaptmt.po", samples.PO, PoDocument),
    ("en.json", samples.JSON, JsonDocument),
    ("C:\\Users\\ana\\Guide.DOCX", samples.docx(), DocxDocument),
    ("index.htm", samples.HTML, HtmlDocument),
    ("README.md", samples.MARKDOWN, MarkdownDocument),
    ("notes.txt", samples.TEXT, TextDocument),
]


@pytest.mark.parametrize(("filename", "data", "expected"), SAMPLES)
def test_the_format_follows_the_extension_and_the_xliff_version(
    filename: str, data: bytes, expected: type
) -> None:
    assert format_for(data, filename) is expected
    target_lang = "fr" if expected is Xliff2Document else "de"  # as the samples declare
    document = read_document(data, filename, source_lang="en-us", target_lang=target_lang)
    ids = [segment.id for segment in document.segments]
    assert ids and len(ids) == len(set(ids))
    assert document.segment(ids[-1]).id == ids[-1] and ids[0] in document
    assert write_document(document, {}) == data


def test_every_suffix_has_one_format_family() -> None:
    assert supported_suffixes() == sorted(
        [
            ".arb",
            ".docx",
            ".htm",
            ".html",
            ".json",
            ".markdown",
            ".md",
            ".po",
            ".pot",
            ".txt",
            ".xlf",
            ".xliff",
        ]
    )
    assert {format_.format for format_ in FORMATS} == {
        "xliff-1.2", "xliff-2", "po", "json", "docx", "html", "markdown", "text",
    }  # fmt: skip


def test_unknown_extensions_are_refused_with_the_supported_ones() -> None:
    with pytest.raises(
        UnsupportedFormat, match=r"'slides.pptx'.*supported extensions are \.arb, \.docx"
    ) as caught:
        read_document(b"PK", "slides.pptx", source_lang="en", target_lang="de")
    assert isinstance(caught.value, InvalidDocument) and isinstance(caught.value, InvalidFile)
    assert ".xliff" in caught.value.suffixes


def test_languages_are_normalized_and_checked() -> None:
    document = read_document(samples.TEXT, "a.txt", source_lang="en_us", target_lang="pt-br")
    assert (document.source_lang, document.target_lang) == ("en-US", "pt-BR")
    with pytest.raises(InvalidLanguage):
        read_document(samples.TEXT, "a.txt", source_lang="en", target_lang="klingon!")


def test_documents_over_the_size_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "MAX_DOCUMENT_BYTES", 100)
    with pytest.raises(InvalidDocument, match="documents are limited to"):
        read_document(samples.TEXT, "notes.txt", source_lang="en", target_lang="de")


def test_writing_an_unknown_segment_id_is_an_error() -> None:
    document = read_document(samples.TEXT, "notes.txt", source_lang="en", target_lang="de")
    with pytest.raises(ValueError, match=r"no segments \['9\.9'\]"):
        write_document(document, {"9.9": "x"})
