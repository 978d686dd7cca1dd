"""Tests of service/documents/text.py: paragraphs, sentences, bytes kept between them."""

import pytest

from service.documents import InvalidDocument, read_document, write_document
from service.documents.base import Document
from tests.service.documents.samples import TEXT


def read(data: bytes = TEXT) -> Document:
    return read_document(data, "notes.txt", source_lang="en", target_lang="de")


def test_paragraphs_are_cut_into_sentences() -> None:
    assert [(s.id, s.source) for s in read().segments] == [
        ("1.1", "Release notes"),
        ("2.1", "This release adds DOCX support."),
        ("2.2", "It also fixes two bugs!"),
        ("2.3", "See the changelog."),
        ("2.4", "Indented line of the same paragraph."),
        ("3.1", "Version 2.0 (e.g. this one) ships in May."),
    ]


@pytest.mark.parametrize(
    "data",
    [
        TEXT,
        b"\xef\xbb\xbf" + TEXT,
        "\ufeffUnicode text. With a BOM.\n".encode("utf-16-le"),
        b"No final newline.",
    ],
)
def test_round_trip_is_byte_identical(data: bytes) -> None:
    document = read(data)
    assert write_document(document, {s.id: s.source for s in document.segments}) == document.data


def test_a_translation_goes_where_its_sentence_was() -> None:
    written = write_document(
        read(), {"2.2": "Sie behebt auch zwei Fehler!", "3.1": "Version 2.0 kommt im Mai."}
    )
    assert written == TEXT.replace(
        b"It also fixes two bugs!", b"Sie behebt auch zwei Fehler!"
    ).replace(b"Version 2.0 (e.g. this one) ships in May.", b"Version 2.0 kommt im Mai.")


def test_undecodable_text_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidDocument, match=r"not valid UTF-8 .*line 2"):
        read(b"fine\nbroken \xff byte\n")
