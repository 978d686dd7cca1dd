"""Tests of tm/formats/__init__.py: format names, suffix detection and paths."""

import io
from pathlib import Path

import pytest

from tm.errors import InvalidFile
from tm.formats import format_of, read_glossary, read_memory, write_glossary, write_memory
from tm.models import GlossaryEntry, TranslationUnit


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [
        ("memory.tmx", "tmx"),
        ("/data/MEMORY.TMX", "tmx"),
        ("units.csv", "csv"),
        ("units.tsv", "tsv"),
        ("terms.v3.tbx", "tbx"),
    ],
)
def test_format_of(filename: str, fmt: str) -> None:
    assert format_of(filename) == fmt


@pytest.mark.parametrize("filename", ["notes.docx", "memory", "memory.tmx.gz"])
def test_unknown_suffix(filename: str) -> None:
    with pytest.raises(InvalidFile, match=r"expected a name ending in .*\.tmx"):
        format_of(filename)


def test_paths_and_detection(tmp_path: Path) -> None:
    units = [TranslationUnit("Hello", "Bonjour", "en", "fr", tuid="1")]
    entries = [GlossaryEntry("cloud", ["nuage"])]
    for name in ("m.tmx", "m.csv", "m.tsv"):
        assert write_memory(units, tmp_path / name) == 1
        assert list(read_memory(str(tmp_path / name))) == units
    for name in ("g.tbx", "g.csv", "g.tsv"):
        assert write_glossary(entries, tmp_path / name, None, "en", "fr") == 1
        with open(tmp_path / name, "rb") as stream:  # a file object's name tells the format
            assert list(read_glossary(stream, None, "en", "fr")) == entries


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: read_memory(io.BytesIO(b"")), "cannot tell the file format"),
        (lambda: read_memory(io.BytesIO(b""), "tbx"), "TBX files do not hold translation memories"),
        (
            lambda: read_glossary(io.BytesIO(b""), "tmx", "en", "fr"),
            "TMX files do not hold glossaries",
        ),
        (lambda: read_memory(io.BytesIO(b""), "xliff"), "unknown format 'xliff'"),
    ],
)
def test_wrong_format(call: object, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        call()  # type: ignore[operator]


def test_reader_closes_the_file_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("source,target\na,b\nc,d\n")
    reading = read_memory(path, source_lang="en", target_lang="fr")
    next(reading)
    reading.close()
    assert reading.count == 1
