"""Test sets and their terms from files (`eval.testset`)."""

from pathlib import Path

import pytest

from eval.testset import (
    TermPair,
    from_memory_file,
    glossary_terms,
    load_evalset,
    read_glossary_entries,
    read_wmt_terms,
)
from tests.eval.conftest import UNITS
from tm.errors import InvalidFile


def test_memory_file_units_are_segments_and_references(tmx: Path) -> None:
    evalset = from_memory_file(tmx, "en", "fr")

    assert (evalset.name, evalset.source_lang, evalset.target_lang) == ("set.en-fr.tmx", "en", "fr")
    assert list(zip(evalset.sources, evalset.references, strict=True)) == UNITS
    assert evalset.head(2).sources == [UNITS[0][0], UNITS[1][0]]
    assert evalset.head(None) is evalset


def test_text_files_with_wmt_terms(tmp_path: Path) -> None:
    (tmp_path / "set.de").write_text("Die Handverletzungen heilen.\nDas Ergebnis.\n", "utf-8")
    (tmp_path / "set.en").write_text("The hand injuries heal.\nThe outcome.\n", "utf-8")
    (tmp_path / "set.terms").write_text(
        '[{"en": "hand injuries", "de": "Handverletzungen"}]\n[]\n', "utf-8"
    )

    evalset = load_evalset(
        "de",
        "en",
        source=tmp_path / "set.de",
        reference=tmp_path / "set.en",
        terms=tmp_path / "set.terms",
    )

    assert evalset.references == ["The hand injuries heal.", "The outcome."]
    assert evalset.terms == [[TermPair("Handverletzungen", ("hand injuries",))], []]


@pytest.mark.parametrize(
    ("line", "problem"),
    [('{"en": "a"}', "line 1: not a JSON list"),
     ('[{"fr": "a", "en": "b"}]', "line 1: no de term in"), ("[{", "line 1: ")],
)  # fmt: skip
def test_bad_wmt_terms_name_the_line(tmp_path: Path, line: str, problem: str) -> None:
    (tmp_path / "terms").write_text(line + "\n", "utf-8")

    with pytest.raises(InvalidFile, match=problem):
        read_wmt_terms(tmp_path / "terms", "de", "en")


def test_misaligned_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("one\ntwo\n", "utf-8")
    (tmp_path / "b").write_text("un\n", "utf-8")

    with pytest.raises(InvalidFile, match="has 2 lines but"):
        load_evalset("en", "fr", source=tmp_path / "a", reference=tmp_path / "b")
    with pytest.raises(ValueError, match="give a memory file"):
        load_evalset("en", "fr", source=tmp_path / "a")


def test_glossary_terms_are_the_entries_found_in_each_segment(glossary: Path) -> None:
    entries = read_glossary_entries(glossary, "en", "fr")
    sources = ["Cover your coughs.", "The fever and the cough.", "Wash your hands."]

    terms = glossary_terms(entries, sources, "en", "fr")

    assert terms == [
        [TermPair("coughs", ("toux",))],
        [TermPair("fever", ("fièvre",)), TermPair("cough", ("toux",))],
        [],
    ]
