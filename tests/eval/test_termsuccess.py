"""Term success rate, exact and lemmatized (`eval.termsuccess`)."""

import pytest

from eval.termsuccess import exact_match, lemmas, term_success
from eval.testset import TermPair


@pytest.mark.parametrize(
    ("form", "text", "found"),
    [
        ("hand injuries", "The treatment of Hand Injuries is hard.", True),
        ("hand injury", "The treatment of hand injuries is hard.", False),  # inflected
        ("art", "Start the engine.", False),  # inside a word
        ("COVID-19", "covid-19 cases rose.", True),
        ("C++", "Written in C++.", True),
        ("épidémie", "Pendant l'épidémie.", True),
        ("fièvre", "fie\u0300vre persistante", True),  # decomposed accents: NFC first
    ],
)
def test_exact_match(form: str, text: str, found: bool) -> None:
    assert exact_match(form, text) is found


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Die Handverletzungen heilen", "de", ("der", "handverletzung", "heilen")),
        ("hand injuries", "en", ("hand", "injury")),
        ("l'épidémie, maladies aiguës", "fr", ("l", "épidémie", "maladie", "aigu")),
        ("Foo bars", "km", ("foo", "bars")),  # Khmer: no dictionary, case-folded words
    ],
)
def test_lemmas(text: str, lang: str, expected: tuple[str, ...]) -> None:
    assert lemmas(text, lang) == expected


def test_rates_and_all_terms_shares() -> None:
    translations = [
        "The treatment of complex hand injuries.",  # treatment exact, hand injury by lemma
        "The outcome was good.",  # outcome exact; result missing
        "No terms here.",
    ]
    terms = [
        [TermPair("Versorgung", ("treatment",)), TermPair("Handverletzung", ("hand injury",))],
        [TermPair("Ergebnis", ("outcome",)), TermPair("Befund", ("finding", "result"))],
        [],
    ]

    scores = {s.metric: s for s in term_success(translations, terms, "en")}

    assert scores["TSR-exact"].value == pytest.approx(2 / 4)
    assert scores["TSR-lemma"].value == pytest.approx(3 / 4)
    assert scores["all-terms-exact"].value == 0.0
    assert scores["all-terms-lemma"].value == pytest.approx(1 / 2)
    assert scores["TSR-exact"].signature == (
        "TSR|match:regex|case:insensitive|bounds:word|terms:4|segments:2"
    )
    assert scores["TSR-lemma"].signature.startswith("TSR|match:lemmas|lemmatizer:simplemma-")


def test_no_terms_no_scores() -> None:
    assert term_success(["a", "b"], [[], []], "en") == []
