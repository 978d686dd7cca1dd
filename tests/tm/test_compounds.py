"""Terms inside closed compounds (`tm.compounds`)."""

import pytest

from tm.compounds import Compounds
from tm.stemming import analyzer_for

HEADS = [
    # (word, term, where the head starts, or None)
    ("Handverletzungen", "Verletzung", 4),
    ("Wirbelsäulenverletzungen", "Verletzung", 12),
    ("Straßenverletzungen", "Verletzung", 7),
    ("Facharzt", "Arzt", 4),
    ("Stellung", "Lunge", None),  # "lung" is no word
    ("Aufklappen", "Klappen", None),  # "auf" makes a derived word
    ("Gebrauch", "Rauchen", None),  # "Geb" is no word
    ("verursachen", "Ursachen", None),  # not a noun
    ("Handverletzungen", "verletzung", None),  # a lowercase German term is no noun
]


@pytest.mark.parametrize(("word", "term", "start"), HEADS)
def test_head_start(word: str, term: str, start: int | None) -> None:
    analyzer = analyzer_for("de")
    compounds = Compounds(analyzer)
    form = analyzer.form(term)
    inside = analyzer.form(word).find(form)
    assert compounds.head_start(word, max(inside, 1), term, form) == start


FIRST_PARTS = [
    # (word, term, where the first part ends, or None)
    ("Lymphknotengeschwulst", "Lymphknoten", 11),
    ("Verletzungsmuster", "Verletzung", 10),
    ("Lungenentzündung", "Lunge", 5),
    ("Zelloberfläche", "Zellen", 4),
    ("Handlung", "Hand", None),  # "lung" is no word
    ("Übersicht", "Über", None),  # a prefix, not a word part
]


@pytest.mark.parametrize(("word", "term", "end"), FIRST_PARTS)
def test_first_part_end(word: str, term: str, end: int | None) -> None:
    analyzer = analyzer_for("de")
    compounds = Compounds(analyzer)
    assert compounds.first_part_end(word, term, analyzer.form(term)) == end


@pytest.mark.parametrize(
    ("lang", "enabled"), [("de", True), ("nl", True), ("en", False), ("fr", False)]
)
def test_compounding_languages(lang: str, enabled: bool) -> None:
    assert Compounds(analyzer_for(lang)).enabled is enabled
