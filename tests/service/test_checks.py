from decimal import Decimal

import pytest

from service.checks import (
    CheckResult,
    Issue,
    IssueCode,
    check_chatter,
    check_length,
    check_numbers,
    check_tags,
    check_translation,
    check_untranslated,
    parse_numbers,
    strip_chatter,
)

MISSING, EXTRA = IssueCode.NUMBER_MISSING, IssueCode.NUMBER_EXTRA

NUMBERS = [
    # (source, output, issue codes)
    ("1,000.5 kg", "1 000,5 kg", []),
    ("1,000.5 kg", "1.000,5 kg", []),
    ("1,000.5 kg", "1\u202f000,5 kg", []),
    ("1,000.5 kg", "1'000.5 kg", []),
    ("1,234,567.89", "1.234.567,89", []),
    ("3.5 kg", "3,5 kg", []),
    ("1,000 files", "1000 Dateien", []),
    ("1,000 files", "1.000 Dateien", []),
    ("0.50 EUR", "0,5 EUR", []),
    ("50% off", "50 % Rabatt", []),
    ("-5 °C", "−5 °C", []),  # signs are ignored
    ("on 12.05.2023", "am 12.05.2023", []),
    ("version 1.000.5", "Version 1.000.5", []),  # no locale reading: compared as written
    ("3 of 4", "4 von 3", []),  # order is free
    ("<t1/> 5 <t2>6</t2>", "6 <t1/> 5 <t2></t2>", []),  # token numbers are not numbers
    ("5 files", "6 Dateien", [MISSING, EXTRA]),
    ("5 files", "Dateien", [MISSING]),
    ("files", "2 Dateien", [EXTRA]),
    ("1,000.5", "1.000", [MISSING, EXTRA]),
    ("2 and 2", "2 und 3", [MISSING, EXTRA]),
    ("version 1.000.5", "Version 1.000,5", [MISSING, EXTRA]),
]


@pytest.mark.parametrize(("source", "output", "codes"), NUMBERS)
def test_check_numbers(source: str, output: str, codes: list[IssueCode]) -> None:
    assert [issue.code for issue in check_numbers(source, output)] == codes


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1,000.5 and 7", [("1,000.5", {Decimal("1000.5")}), ("7", {Decimal(7)})]),
        ("1.000", [("1.000", {Decimal(1000), Decimal(1)})]),  # English thousand or German one
        ("1.000.5", [("1.000.5", {"1.000.5"})]),
        ("2019 100 people", [("2019", {Decimal(2019)}), ("100", {Decimal(100)})]),
        ("A4 and MP3", []),
    ],
)
def test_parse_numbers(text: str, numbers: list[tuple[str, set[Decimal | str]]]) -> None:
    assert [(n.text, set(n.values)) for n in parse_numbers(text)] == numbers


TAGS = [
    # (source, output, issue codes)
    ("<t1>a</t1> <t2/>", "<t2/> <t1>b</t1>", []),
    ("<t1>a</t1>", "<T1>b< /t1>", []),  # spellings that unmask accepts
    ("<t1>a</t1> <t2/>", "<t1>b</t1>", [IssueCode.TAG_MISSING]),
    ("<t1/>", "<t1/> <t1/>", [IssueCode.TAG_EXTRA]),
    ("<t1/>", "<t2/>", [IssueCode.TAG_MISSING, IssueCode.TAG_EXTRA]),
    ("<b>x</b> {0}", "<b>y</b> {0}", []),  # unmasked text works too
    ("<b>x</b> {0}", "y {0}", [IssueCode.TAG_MISSING, IssueCode.TAG_MISSING]),
]


@pytest.mark.parametrize(("source", "output", "codes"), TAGS)
def test_check_tags(source: str, output: str, codes: list[IssueCode]) -> None:
    assert [issue.code for issue in check_tags(source, output)] == codes


def test_tag_messages_name_the_tag() -> None:
    assert check_tags("<t1/> x", "x") == [
        Issue(IssueCode.TAG_MISSING, "the inline tag <t1/> of the source is missing")
    ]
    assert (
        check_tags("<t1/>", "<t1/><t1/>")[0].message
        == "the inline tag <t1/> appears 1 more time(s) than in the source"
    )


CHATTER = [
    # (model output, cleaned)
    ("Hallo Welt", "Hallo Welt"),
    ("  Hallo Welt\n", "Hallo Welt"),
    ("Here is the translation:\n\nHallo Welt", "Hallo Welt"),
    ("Here's the German translation of the text: Hallo Welt", "Hallo Welt"),
    ("Sure! Here is the translation:\nHallo Welt", "Hallo Welt"),
    ("Certainly, here is your translation: Hallo Welt", "Hallo Welt"),
    ("Translation: Hallo Welt", "Hallo Welt"),
    ("German translation:\nHallo Welt", "Hallo Welt"),
    ("Translated text: Hallo Welt", "Hallo Welt"),
    ("German: Hallo Welt", "Hallo Welt"),
    ('"Hallo Welt"', "Hallo Welt"),
    ("„Hallo Welt“", "Hallo Welt"),
    ("«Hallo Welt»", "Hallo Welt"),
    ("“Hallo Welt”", "Hallo Welt"),
    ('Here is the translation: "Hallo Welt"', "Hallo Welt"),
    ("Hallo Welt\n\nNote: I kept the name.", "Hallo Welt"),
    ("Hallo Welt\n(Note: literal translation)", "Hallo Welt"),
    ("Hallo Welt (Note: literal translation)", "Hallo Welt"),
    ("```\nHallo Welt\n```", "Hallo Welt"),
    ('Translation: "Hallo Welt"\n\nNote: informal.', "Hallo Welt"),
    ('"Ja" oder "Nein"', '"Ja" oder "Nein"'),  # quotes inside, not around
    ("Klicken Sie (Hinweis: unten) hier", "Klicken Sie (Hinweis: unten) hier"),
    ("Die Übersetzung ist fertig", "Die Übersetzung ist fertig"),
]


@pytest.mark.parametrize(("output", "cleaned"), CHATTER)
def test_strip_chatter(output: str, cleaned: str) -> None:
    assert strip_chatter(output, "Hello world", "de") == cleaned


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ('"Hello world"', '"Hallo Welt"'),  # the source is quoted too
        ("Translation: a service", "Translation: ein Dienst"),  # the source has the label
        ("Hello\n\nNote: be careful", "Hallo\n\nNote: Vorsicht"),  # the source has the note
        ("```\ncode\n```", "```\ncode\n```"),
    ],
)
def test_strip_chatter_keeps_what_the_source_has(source: str, output: str) -> None:
    assert strip_chatter(output, source, "de") == output


def test_check_chatter() -> None:
    assert check_chatter("Hello", "Hallo") == []
    assert [i.code for i in check_chatter("Hello", "Translation: Hallo")] == [IssueCode.CHATTER]


UNTRANSLATED = [
    # (source, output, source_lang, target_lang, flagged)
    ("Open the settings file now", "Open the settings file now", "en", "de", True),
    ("Open the settings file now", "open  the settings FILE now", "en", "de", True),
    ("Open the settings file now", "Öffnen Sie jetzt die Einstellungsdatei", "en", "de", False),
    (
        "Open the settings file now",
        "Open the settings file now",
        "en-US",
        "en-GB",
        False,
    ),  # same language
    ("Windows Update", "Windows Update", "en", "de", False),  # short: names stay
    ("<t1/> 12,5 %", "<t1/> 12,5 %", "en", "de", False),  # numbers and tags only
    ("<t1>Acme</t1> <t2/> {0}", "<t1>Acme</t1> <t2/> {0}", "en", "de", False),
]


@pytest.mark.parametrize(
    ("source", "output", "source_lang", "target_lang", "flagged"), UNTRANSLATED
)
def test_check_untranslated(
    source: str, output: str, source_lang: str, target_lang: str, flagged: bool
) -> None:
    issues = check_untranslated(source, output, source_lang, target_lang)
    assert [i.code for i in issues] == ([IssueCode.UNTRANSLATED] if flagged else [])


LENGTH = [
    # (source, output, flagged)
    (
        "The quick brown fox jumps over the lazy dog",
        "Der schnelle braune Fuchs springt über den faulen Hund",
        False,
    ),
    ("The quick brown fox jumps over the lazy dog", "Der Fuchs", True),
    ("The quick brown fox jumps over the lazy dog", "Der schnelle braune Fuchs " * 6, True),
    (
        "The quick brown fox jumps over the lazy dog",
        "敏捷的棕色狐狸跳过了懒狗",
        False,
    ),  # CJK weighted
    ("OK", "Einverstanden, alles in Ordnung", False),  # too short to judge
    ("<t1>The quick brown fox jumps</t1>", "<t1>Der Fuchs springt</t1>", False),
]


@pytest.mark.parametrize(("source", "output", "flagged"), LENGTH)
def test_check_length(source: str, output: str, flagged: bool) -> None:
    assert [i.code for i in check_length(source, output)] == (
        [IssueCode.LENGTH_RATIO] if flagged else []
    )


def test_check_translation_passes_a_good_output() -> None:
    result = check_translation(
        "Save <t1>1,000</t1> files now",
        "Jetzt <t1>1.000</t1> Dateien speichern",
        source_lang="en",
        target_lang="de",
    )
    assert result.ok
    assert result == CheckResult()


def test_check_translation_collects_every_issue() -> None:
    result = check_translation(
        "Save <t1>1,000</t1> files to the disk now",
        "Translation: Save 1,001 files to the disk now",
        source_lang="en",
        target_lang="de",
    )
    assert result.codes == {
        IssueCode.CHATTER,
        IssueCode.TAG_MISSING,
        IssueCode.NUMBER_MISSING,
        IssueCode.NUMBER_EXTRA,
    }
    assert not result.ok
    assert len(result.messages) == len(result.issues) == 5


@pytest.mark.parametrize("output", ["", "   \n"])
def test_empty_output(output: str) -> None:
    result = check_translation("Hello", output, source_lang="en", target_lang="de")
    assert result.issues == [Issue(IssueCode.EMPTY, "the translation is empty")]


def test_term_problems_are_merged() -> None:
    result = check_translation(
        "Save the file", "Speichern Sie die Akte", source_lang="en", target_lang="de"
    )
    result.add_term_problems(['"file" must be translated as "Datei"'])
    assert result.issues == [Issue(IssueCode.TERM, '"file" must be translated as "Datei"')]
    assert result.messages == ['"file" must be translated as "Datei"']
