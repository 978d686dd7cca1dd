"""Tests of service/documents/jsonfile.py: key paths, notes, byte-exact replacement."""

import json

import pytest

from service.documents import InvalidDocument, read_document, write_document
from service.documents.base import Document
from tests.service.documents.samples import JSON


def read(data: bytes = JSON, filename: str = "en.json") -> Document:
    return read_document(data, filename, source_lang="en", target_lang="de")


def test_string_values_are_segments_with_pointer_ids_and_key_paths() -> None:
    segments = [(s.id, s.context, s.source) for s in read().segments]
    assert segments == [
        ("/app/title", "app.title", "adaptmt"),
        ("/app/welcome", "app.welcome", "Welcome, {name}!"),
        ("/app/files", "app.files", "{count, plural, one {# file} other {# files}}"),
        ("/steps/0", "steps[0]", "Upload your memory."),
        ("/steps/1/label", "steps[1].label", "Translate"),
        ("/steps/1/hint", "steps[1].hint", "Uses <b>your</b> glossary"),
        ("/café", "café", 'Café "latte"'),
        ("/a.b~1c", "a.b/c", "Dotted key"),
    ]


def test_round_trip_is_byte_identical() -> None:
    document = read()
    assert write_document(document, {s.id: s.source for s in document.segments}) == JSON


def test_translations_replace_only_their_strings() -> None:
    written = write_document(
        read(), {"/steps/1/hint": 'Nutzt <b>Ihr</b> "Glossar"', "/café": "Kaffee ü"}
    )
    tree = json.loads(written)
    assert tree["steps"][1]["hint"] == 'Nutzt <b>Ihr</b> "Glossar"'
    assert tree["café"] == "Kaffee ü"
    assert b'"caf\\u00e9": "Kaffee \\u00fc"' in written  # the file escapes non-ASCII: so do we
    lines_before, lines_after = JSON.splitlines(), written.splitlines()
    changed = [
        after for before, after in zip(lines_before, lines_after, strict=True) if before != after
    ]
    assert len(changed) == 2  # same indentation, key order and everything else


def test_files_with_raw_non_ascii_get_raw_non_ascii() -> None:
    data = '{\n\t"greeting": "Café"\n}'.encode()
    written = write_document(read(data), {"/greeting": "Café für dich"})
    assert written == '{\n\t"greeting": "Café für dich"\n}'.encode()


def test_arb_and_chrome_descriptions_are_notes_not_segments() -> None:
    arb = b'{"@@locale": "en", "hi": "Hi {name}", "@hi": {"description": "Greeting", "x": "y"}}'
    chrome = b'{"save": {"message": "Save", "description": "Button label"}}'
    assert [(s.id, s.notes) for s in read(arb, "app_en.arb").segments] == [("/hi", ("Greeting",))]
    assert [(s.id, s.notes) for s in read(chrome, "messages.json").segments] == [
        ("/save/message", ("Button label",))
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{\n  "a": "x",\n  "b": \n}', "Expecting value \\(line 4, column 1\\)"),
        (b'{"a": "x",\n "a": "y"}', "duplicate key 'a' on line 2"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|cannot be read"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
    ],
)
def test_invalid_json_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidDocument, match=message):
        read(data)
