"""Tokens, forms and dictionary checks of `tm.stemming`."""

import pytest

from tm.stemming import Analyzer, Stemmer, analyzer_for

TOKENS = [
    # (lang, text, [(surface, form)])
    (
        "en",
        "The patient's test",
        [("The", "the"), ("patient", "patient"), ("s", "s"), ("test", "test")],
    ),
    ("en", "COVID-19 injuries", [("COVID", "covid"), ("19", "19"), ("injuries", "injuri")]),
    ("en", "ＡＢＣ ﬁle", [("ＡＢＣ", "abc"), ("ﬁle", "file")]),
    ("fr", "cafe\u0301 l'air", [("cafe\u0301", "caf"), ("l", "l"), ("air", "air")]),
    ("de", "Straße Verletzungen", [("Straße", "strass"), ("Verletzungen", "verletz")]),
    ("es", "enfermedad enfermedades", [("enfermedad", "enfermed"), ("enfermedades", "enfermed")]),
    (
        "zh",
        "新型病毒COVID",
        [("新", "新"), ("型", "型"), ("病", "病"), ("毒", "毒"), ("COVID", "covid")],
    ),
    (
        "ja",
        "ｳｲﾙｽ感染",
        [("ｳ", "ウ"), ("ｲ", "イ"), ("ﾙ", "ル"), ("ｽ", "ス"), ("感", "感"), ("染", "染")],
    ),
    ("th", "ไวรัส", [("ไ", "ไ"), ("ว", "ว"), ("รั", "รั"), ("ส", "ส")]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), TOKENS)
def test_tokens(lang: str, text: str, expected: list[tuple[str, str]]) -> None:
    tokens = analyzer_for(lang).tokens(text)
    surfaces = [text[start:end] for start, end in zip(tokens.starts, tokens.ends, strict=True)]
    assert list(zip(surfaces, tokens.forms, strict=True)) == expected
    assert tokens.joined == " " + " ".join(tokens.forms) + " "
    assert [tokens.joined[offset:].split(" ", 1)[0] for offset in tokens.offsets] == tokens.forms


def test_empty_text_has_no_tokens() -> None:
    tokens = analyzer_for("en").tokens(" -- ")
    assert (tokens.forms, tokens.joined) == ([], " ")


STEMMERS = [
    # (lang, requested, used, has a dictionary check)
    ("de", Stemmer.AUTO, Stemmer.SNOWBALL, True),
    ("en-GB", Stemmer.AUTO, Stemmer.SNOWBALL, True),
    ("bg", Stemmer.AUTO, Stemmer.SIMPLEMMA, False),
    ("zh", Stemmer.AUTO, Stemmer.NONE, False),
    ("ja", Stemmer.SNOWBALL, Stemmer.NONE, False),
    ("fr", Stemmer.SNOWBALL, Stemmer.SNOWBALL, False),
]


@pytest.mark.parametrize(("lang", "requested", "used", "lexicon"), STEMMERS)
def test_stemmer_choice(lang: str, requested: Stemmer, used: Stemmer, lexicon: bool) -> None:
    analyzer = Analyzer(lang, requested)
    assert (analyzer.stemmer, analyzer.lexicon) == (used, lexicon)


SAME_WORD = [
    ("en", "infection", "infections", True),
    ("en", "infection", "infectivity", False),
    ("en", "transmission", "transmissible", False),
    ("fr", "vaccin", "vacciner", False),
    ("fr", "symptôme", "symptômes", True),
    ("de", "Fall", "Fällen", True),
    ("de", "Marker", "Marks", False),
    ("en", "microchimerism", "microchimerisms", True),  # unknown to the dictionary: no veto
]


@pytest.mark.parametrize(("lang", "a", "b", "same"), SAME_WORD)
def test_same_word(lang: str, a: str, b: str, same: bool) -> None:
    assert analyzer_for(lang).same_word(a, b) is same
