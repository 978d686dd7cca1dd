"""Term recognition and verification (`tm.terms`): known-value tables in several languages."""

import pytest

from tm.models import GlossaryEntry
from tm.terms import TermCheck, TermHit, TermIndex, TermStatus


def entry(source: str, *targets: str, **options: object) -> GlossaryEntry:
    """A glossary entry; the target defaults to the source."""
    return GlossaryEntry(source, list(targets) or [source], **options)  # type: ignore[arg-type]


def found(index: TermIndex, text: str) -> list[tuple[str, str]]:
    """(entry source, matched text) for each hit, in text order."""
    return [(hit.entry.source, hit.text) for hit in index.find(text)]


RECOGNITION = [
    # English: inflection, word boundaries, derivation, punctuation
    ("en", ["hand injury"], "Two hand injuries were seen.", [("hand injury", "hand injuries")]),
    ("en", ["virus"], "Viruses and a virus.", [("virus", "Viruses"), ("virus", "virus")]),
    ("en", ["art"], "At the start of the art", [("art", "art")]),
    ("en", ["art"], "Artists start", []),
    ("en", ["infection"], "Its infectivity is high", []),
    ("en", ["infection"], "Two infections", [("infection", "infections")]),
    (
        "en",
        ["COVID-19"],
        "covid 19 and COVID-19",
        [("COVID-19", "covid 19"), ("COVID-19", "COVID-19")],
    ),
    ("en", ["COVID-19"], "ＣＯＶＩＤ－１９ cases", [("COVID-19", "ＣＯＶＩＤ－１９")]),
    ("en", ["patient"], "the patient's file", [("patient", "patient")]),
    # longest match wins, no overlaps; ties go to the leftmost
    (
        "en",
        ["cell", "stem cell", "stem cell therapy"],
        "Stem cell therapy and cell counts",
        [("stem cell therapy", "Stem cell therapy"), ("cell", "cell")],
    ),
    (
        "en",
        ["blood pressure", "pressure ulcer"],
        "high blood pressure ulcer",
        [("blood pressure", "blood pressure")],
    ),
    (
        "en",
        ["pressure", "pressure ulcers"],
        "a pressure ulcer",
        [("pressure ulcers", "pressure ulcer")],
    ),
    # acronyms never match an all-lowercase word
    ("en", ["AIDS"], "first aids and AIDS", [("AIDS", "AIDS")]),
    ("en", ["WHO"], "who said it? The WHO did", [("WHO", "WHO")]),
    # German: case endings, plural, compounds (head and first part), false compounds
    ("de", ["Verletzung"], "Zwei Verletzungen", [("Verletzung", "Verletzungen")]),
    (
        "de",
        ["akute Verletzung"],
        "bei akuten Verletzungen",
        [("akute Verletzung", "akuten Verletzungen")],
    ),
    ("de", ["Verletzung"], "Handverletzungen", [("Verletzung", "verletzungen")]),
    ("de", ["Verletzung"], "Das Verletzungsmuster", [("Verletzung", "Verletzung")]),
    (
        "de",
        ["Verletzung", "Handverletzung"],
        "Handverletzungen",
        [("Handverletzung", "Handverletzungen")],
    ),
    ("de", ["Handverletzung"], "Kinderhandverletzungen", [("Handverletzung", "handverletzungen")]),
    ("de", ["Lymphknoten"], "Lymphknotengeschwulst", [("Lymphknoten", "Lymphknoten")]),
    ("de", ["Lunge"], "Lungenentzündung", [("Lunge", "Lunge")]),
    ("de", ["Lunge"], "Die Stellung", []),
    ("de", ["Hand"], "Die Handlung", []),
    ("de", ["Klappen"], "Das Aufklappen", []),
    ("de", ["Art"], "Die Arterie", []),
    ("de", ["Muster"], "Das Verletzungsmuster", [("Muster", "muster")]),
    (
        "de",
        ["Transit-Thrombus"],
        "ein Transit Thrombus",
        [("Transit-Thrombus", "Transit Thrombus")],
    ),
    # French: plurals, accents kept, elision
    (
        "fr",
        ["maladie respiratoire aiguë"],
        "Des maladies respiratoires aiguës",
        [("maladie respiratoire aiguë", "maladies respiratoires aiguës")],
    ),
    ("fr", ["air"], "dans l'air", [("air", "air")]),
    ("fr", ["côte"], "à côté", []),
    ("fr", ["vaccin"], "il faut vacciner", []),
    # Spanish
    (
        "es",
        ["enfermedad respiratoria"],
        "Las enfermedades respiratorias",
        [("enfermedad respiratoria", "enfermedades respiratorias")],
    ),
    ("es", ["año"], "el ano", []),
    # Chinese, Japanese, Thai: characters, no word boundaries
    ("zh", ["病毒"], "冠状病毒感染", [("病毒", "病毒")]),
    ("zh", ["病毒", "冠状病毒"], "新型冠状病毒", [("冠状病毒", "冠状病毒")]),
    ("zh", ["COVID-19"], "COVID-19在中国", [("COVID-19", "COVID-19")]),
    ("ja", ["ウイルス"], "新型コロナウイルス感染症", [("ウイルス", "ウイルス")]),
    ("ja", ["感染症", "ｳｲﾙｽ"], "ウイルス感染症", [("ｳｲﾙｽ", "ウイルス"), ("感染症", "感染症")]),
    ("th", ["ไวรัส"], "ไวรัสโคโรนา", [("ไวรัส", "ไวรัส")]),
]


@pytest.mark.parametrize(("lang", "sources", "text", "expected"), RECOGNITION)
def test_recognition(
    lang: str, sources: list[str], text: str, expected: list[tuple[str, str]]
) -> None:
    index = TermIndex([entry(source) for source in sources], lang, "en")
    assert found(index, text) == expected


CASE_SENSITIVE = [
    ("AIDS", "AIDS", True),
    ("AIDS", "aids", False),
    ("AIDS", "Aids", False),
    ("iPhone", "iPhones", True),
    ("iPhone", "IPhone", False),
    ("Apple", "Apples", True),
    ("Apple", "apple", False),
]


@pytest.mark.parametrize(("source", "text", "hit"), CASE_SENSITIVE)
def test_case_sensitive_entries(source: str, text: str, hit: bool) -> None:
    index = TermIndex([entry(source, case_sensitive=True)], "en", "fr")
    assert bool(index.find(f"The {text} here")) is hit


POSITIONS = [
    ("en", "hand injury", "Two hand injuries.", (4, 17)),
    ("de", "Verletzung", "Die Handverletzungen heilen", (8, 20)),
    ("de", "Verletzung", "Straßenverletzungen", (7, 19)),
    ("zh", "病毒", "冠状病毒感染", (2, 4)),
    ("fr", "maladie", "Les maladies", (4, 12)),
]


@pytest.mark.parametrize(("lang", "source", "text", "span"), POSITIONS)
def test_positions(lang: str, source: str, text: str, span: tuple[int, int]) -> None:
    (hit,) = TermIndex([entry(source)], lang, "en").find(text)
    assert (hit.start, hit.end) == span
    assert hit.text == text[hit.start : hit.end]


def test_entries_sharing_a_source_all_get_the_span() -> None:
    first, second = entry("outbreak", "épidémie"), entry("outbreak", "flambée")
    hits = TermIndex([first, second], "en", "fr").find("The outbreak grew")
    assert hits == [TermHit(first, 4, 12, "outbreak"), TermHit(second, 4, 12, "outbreak")]


@pytest.mark.parametrize("source", ["%", "", "  -  "])
def test_terms_without_words_are_never_found(source: str) -> None:
    assert TermIndex([entry(source)], "en", "fr").find("50 % - done") == []


VERIFICATION = [
    # (source lang, target lang, entry, translation, status, found)
    (
        "en",
        "de",
        entry("injury", "Verletzung"),
        "Zwei Verletzungen",
        TermStatus.PRESENT,
        "Verletzungen",
    ),
    (
        "en",
        "de",
        entry("injury", "Verletzung"),
        "Zwei Handverletzungen",
        TermStatus.PRESENT,
        "verletzungen",
    ),
    (
        "en",
        "de",
        entry("injury", "Verletzung"),
        "Das Verletzungsmuster",
        TermStatus.PRESENT,
        "Verletzung",
    ),
    ("en", "de", entry("injury", "Verletzung"), "Zwei Wunden", TermStatus.MISSING, None),
    (
        "en",
        "fr",
        entry("acute respiratory disease", "maladie respiratoire aiguë"),
        "Les maladies respiratoires aiguës",
        TermStatus.PRESENT,
        "maladies respiratoires aiguës",
    ),
    ("en", "fr", entry("spread", "propagation"), "le virus se propage", TermStatus.MISSING, None),
    (
        "en",
        "es",
        entry("disease", "enfermedad"),
        "Las enfermedades",
        TermStatus.PRESENT,
        "enfermedades",
    ),
    ("en", "zh", entry("virus", "病毒"), "冠状病毒感染", TermStatus.PRESENT, "病毒"),
    ("en", "ja", entry("virus", "ウイルス"), "コロナウイルス", TermStatus.PRESENT, "ウイルス"),
    # forbidden forms win over allowed ones, unless they lie inside an allowed form
    (
        "en",
        "de",
        entry("wound", "Verletzung", forbidden=["Wunde"]),
        "Wunden",
        TermStatus.FORBIDDEN,
        "Wunden",
    ),
    (
        "en",
        "de",
        entry("wound", "Verletzung", forbidden=["Wunde"]),
        "Verletzungen und Wunden",
        TermStatus.FORBIDDEN,
        "Wunden",
    ),
    (
        "en",
        "fr",
        entry("respiratory disease", "maladie respiratoire", forbidden=["maladie"]),
        "une maladie respiratoire",
        TermStatus.PRESENT,
        "maladie respiratoire",
    ),
    # do-not-translate: the source as written, inflection tolerated
    (
        "en",
        "de",
        entry("iPhone", do_not_translate=True),
        "Das iPhone",
        TermStatus.PRESENT,
        "iPhone",
    ),
    (
        "en",
        "de",
        entry("iPhone", do_not_translate=True),
        "des iPhones",
        TermStatus.PRESENT,
        "iPhones",
    ),
    ("en", "de", entry("iPhone", do_not_translate=True), "Das Iphone", TermStatus.MISSING, None),
    ("en", "de", entry("iPhone", do_not_translate=True), "Das Handy", TermStatus.MISSING, None),
]


@pytest.mark.parametrize(
    ("source_lang", "target_lang", "term", "translation", "status", "text"), VERIFICATION
)
def test_verification(
    source_lang: str,
    target_lang: str,
    term: GlossaryEntry,
    translation: str,
    status: TermStatus,
    text: str | None,
) -> None:
    (check,) = TermIndex([term], source_lang, target_lang).verify(translation, [term])
    assert (check.status, check.found) == (status, text)
    if check.span is not None:
        assert translation[check.span[0] : check.span[1]] == check.found


def test_verify_checks_each_entry_once_from_hits_or_entries() -> None:
    injury, hand = entry("injury", "Verletzung"), entry("hand", "Hand")
    index = TermIndex([injury, hand], "en", "de")
    source = "An injury, another injury and a hand"
    hits = index.find(source)
    assert [hit.entry.source for hit in hits] == ["injury", "injury", "hand"]
    assert index.verify("Eine Verletzung", hits) == [
        TermCheck(injury, TermStatus.PRESENT, (5, 15), "Verletzung"),
        TermCheck(hand, TermStatus.MISSING),
    ]
    assert index.check(source, "Eine Verletzung") == index.verify("Eine Verletzung", hits)


def test_verify_accepts_entries_outside_the_index() -> None:
    outsider = entry("virus", "Virus")
    (check,) = TermIndex([], "en", "de").verify("Viren und ein Virus", [outsider])
    assert check.status is TermStatus.PRESENT


def test_status_values_are_strings() -> None:
    assert [str(status) for status in TermStatus] == ["present", "missing", "forbidden"]
