"""Checks on a model output against its (masked) source, and the cleanup of model chatter.

Each check returns `Issue`s (a code and a message); `check_translation` runs them all.
Messages are plain English sentences that serve both the API caller and the APE prompt,
which lists them as the problems to fix. Term problems come from `tm.terms` and are merged
with `CheckResult.add_term_problems`.

Call `strip_chatter` on a raw output before checking it; the CHATTER issue reports
whether a raw output needed that cleanup.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from service.placeholders import count_codes, strip_codes
from tm.langs import display_name, same_family

UNTRANSLATED_MIN_WORDS = 3
"""Sources with fewer words (names, "OK", "Windows Update") may rightly stay unchanged."""

LENGTH_CHECK_MIN_CHARS = 20
"""Sources shorter than this (weighted characters) vary too much in length to judge."""

MIN_LENGTH_RATIO = 1 / 3
MAX_LENGTH_RATIO = 3.0
"""Output/source length outside these bounds is absurd for any language pair: a truncated,
repeated or explained translation."""

WIDE_CHAR_WEIGHT = 2.5
"""Weight of a Han, kana or Hangul character against a Latin one: an English sentence of 100
characters becomes about 30-45 in Chinese or Japanese and 50 in Korean."""

_WIDE_CHAR_RE = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_NUMBER_RE = re.compile(
    r"(?<!\w)(?:"
    r"(?P<lead>\d{1,3})(?P<sep>[,.'’ \u00a0\u202f\u2009])(?P<groups>\d{3}(?:(?P=sep)\d{3})*)"
    r"(?:(?P<dec>[.,])(?P<frac>\d+))?"
    r"|(?P<int>\d+)(?:[.,](?P<plain_frac>\d+))?"
    r")(?!\d)"
)
_QUOTES = {
    '"': '"',
    "“": "”",
    "„": "“",
    "«": "»",
    "‘": "’",
    "'": "'",
    "「": "」",
    "『": "』",
    "‹": "›",
}
_POLITE = r"(?:(?:sure|certainly|of course|okay|ok)\b[^\n:]{0,20}?[.!,]\s*)?"
_LABEL = (
    r"(?:here(?:'s|’s|\s+is|\s+are)\b[^\n:]{0,80}"
    r"|(?:[^\W\d_]+[ \t]+){0,3}?translation\b[^\n:]{0,40}"
    r"|translated text|output"
    r")\s*:"
)
_PREAMBLE_RE = re.compile(rf"\A\s*{_POLITE}{_LABEL}\s*", re.IGNORECASE)
_NOTE_WORDS = r"(?:notes?|explanation|translator'?s? notes?|n\.b\.|literally)\s*:"
_NOTE_RE = re.compile(
    rf"\n\s*\(?\s*{_NOTE_WORDS}[\s\S]*\Z|\s*\(\s*{_NOTE_WORDS}[^()]*\)\s*\Z", re.IGNORECASE
)
_FENCE_RE = re.compile(r"\A```[\w-]*\n(?P<body>[\s\S]*?)\n?```\Z")


class IssueCode(StrEnum):
    """What is wrong with an output."""

    EMPTY = "empty"
    CHATTER = "chatter"
    TAG_MISSING = "tag_missing"
    TAG_EXTRA = "tag_extra"
    NUMBER_MISSING = "number_missing"
    NUMBER_EXTRA = "number_extra"
    UNTRANSLATED = "untranslated"
    LENGTH_RATIO = "length_ratio"
    TERM = "term"
    APE_FAILED = "ape_failed"  # the post-editing call failed; the draft was kept
    QE_FAILED = "qe_failed"  # quality estimation failed; the segment has no QE score


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an output."""

    code: IssueCode
    message: str


@dataclass(slots=True)
class CheckResult:
    """The issues of one output; empty when it passed every check."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check found a problem."""
        return not self.issues

    @property
    def codes(self) -> set[IssueCode]:
        """The distinct issue codes."""
        return {issue.code for issue in self.issues}

    @property
    def messages(self) -> list[str]:
        """The issue messages, as the APE prompt lists them."""
        return [issue.message for issue in self.issues]

    def add_term_problems(self, problems: Iterable[str]) -> None:
        """Merge the term problems reported by `tm.terms`."""
        self.issues.extend(Issue(IssueCode.TERM, problem) for problem in problems)


def check_translation(
    source: str, output: str, *, source_lang: str, target_lang: str
) -> CheckResult:
    """Run every check on `output` (the model's text, still masked) against the masked `source`."""
    if not output.strip():
        return CheckResult([Issue(IssueCode.EMPTY, "the translation is empty")])
    issues = [
        *check_chatter(source, output, target_lang),
        *check_tags(source, output),
        *check_numbers(source, output),
        *check_untranslated(source, output, source_lang, target_lang),
        *check_length(source, output),
    ]
    return CheckResult(issues)


def check_tags(source: str, output: str) -> list[Issue]:
    """The output must hold the same inline tags and placeholders as the source, each as often."""
    expected, found = count_codes(source), count_codes(output)
    issues = [
        Issue(IssueCode.TAG_MISSING, f"the inline tag {code} of the source is missing")
        for code in (expected - found).elements()
    ]
    for code, extra in (found - expected).items():
        where = (
            f"appears {extra} more time(s) than in the source"
            if code in expected
            else "is not in the source"
        )
        issues.append(Issue(IssueCode.TAG_EXTRA, f"the inline tag {code} {where}"))
    return issues


@dataclass(frozen=True, slots=True)
class Number:
    """A number as written, and every value a locale could mean by it."""

    text: str
    values: frozenset[Decimal | str]  # every value a locale could mean by `text`


def parse_numbers(text: str) -> list[Number]:
    """The numbers of a text, each with the values it can mean under English or European formats.

    `1,000.5`, `1 000,5` and `1.000,5` all mean 1000.5; `1,000` means 1000 or (in German) 1.
    A run that fits no format (`1.000.5`) stands for itself. Signs are ignored: hyphens and
    minus signs are too often ranges or dashes.
    """
    numbers = []
    for match in _NUMBER_RE.finditer(strip_codes(text)):
        values: set[Decimal | str] = set()
        if match["int"] is not None:
            fraction = match["plain_frac"]
            values.add(Decimal(f"{match['int']}.{fraction}" if fraction else match["int"]))
        elif match["dec"] is None:
            values.add(Decimal(match["lead"] + match["groups"].replace(match["sep"], "")))
            if match["sep"] in ".," and len(match["groups"]) == 3:
                values.add(Decimal(f"{match['lead']}.{match['groups']}"))
        elif match["dec"] != match["sep"]:
            digits = match["lead"] + match["groups"].replace(match["sep"], "")
            values.add(Decimal(f"{digits}.{match['frac']}"))
        else:
            values.add(match[0])
        numbers.append(Number(match[0], frozenset(values)))
    return numbers


def check_numbers(source: str, output: str) -> list[Issue]:
    """The output must hold the numbers of the source, in any locale's format, and no others."""
    missing = parse_numbers(source)
    extra = parse_numbers(output)
    for same in (lambda a, b: a.text == b.text, lambda a, b: bool(a.values & b.values)):
        for number in list(missing):
            partner = next((candidate for candidate in extra if same(number, candidate)), None)
            if partner is not None:
                missing.remove(number)
                extra.remove(partner)
    return [
        *(
            Issue(IssueCode.NUMBER_MISSING, f"the number {n.text} of the source is missing")
            for n in missing
        ),
        *(
            Issue(IssueCode.NUMBER_EXTRA, f"the number {n.text} is not in the source")
            for n in extra
        ),
    ]


def check_untranslated(source: str, output: str, source_lang: str, target_lang: str) -> list[Issue]:
    """Between languages, an output identical to a source of several words is untranslated."""
    if (
        same_family(source_lang, target_lang)
        or len(_WORD_RE.findall(strip_codes(source))) < UNTRANSLATED_MIN_WORDS
    ):
        return []
    if " ".join(source.split()).casefold() != " ".join(output.split()).casefold():
        return []
    return [
        Issue(
            IssueCode.UNTRANSLATED, f"the text was not translated into {display_name(target_lang)}"
        )
    ]


def _weighted_length(text: str) -> float:
    plain = " ".join(strip_codes(text).split())
    wide = len(_WIDE_CHAR_RE.findall(plain))
    return len(plain) - wide + wide * WIDE_CHAR_WEIGHT


def check_length(source: str, output: str) -> list[Issue]:
    """The output's length must be within MIN_LENGTH_RATIO..MAX_LENGTH_RATIO of the source's."""
    source_length = _weighted_length(source)
    if source_length < LENGTH_CHECK_MIN_CHARS:
        return []
    ratio = _weighted_length(output) / source_length
    if MIN_LENGTH_RATIO <= ratio <= MAX_LENGTH_RATIO:
        return []
    return [
        Issue(IssueCode.LENGTH_RATIO, f"the translation is {ratio:.2f} times as long as the source")
    ]


def check_chatter(source: str, output: str, target_lang: str | None = None) -> list[Issue]:
    """The output must be the translation alone: no preamble, wrapping quotes or notes."""
    if strip_chatter(output, source, target_lang) == output.strip():
        return []
    return [
        Issue(
            IssueCode.CHATTER,
            "the output holds text that is not part of the translation (a label, quotes or a note)",
        )
    ]


def strip_chatter(output: str, source: str = "", target_lang: str | None = None) -> str:
    """Remove what models add around a translation: "Here is the translation:", "German:", wrapping
    quotes, code fences and trailing notes; never what the source itself has."""
    text = output.strip()
    source = source.strip()
    language_label = (
        re.compile(
            rf"\A{re.escape(display_name(target_lang))}(?:\s*\([^)\n]*\))?\s*:\s*", re.IGNORECASE
        )
        if target_lang
        else None
    )
    for _ in range(3):  # chatter nests: a preamble, then quotes, then a note
        before = text
        for pattern in (_PREAMBLE_RE, language_label):
            if pattern and not pattern.match(source):
                text = pattern.sub("", text, count=1)
        if not _NOTE_RE.search(source):
            text = _NOTE_RE.sub("", text)
        if (fence := _FENCE_RE.match(text)) and "```" not in source:
            text = fence["body"]
        text = _unquote(text.strip(), source)
        if text == before:
            break
    return text


def _unquote(text: str, source: str) -> str:
    """Drop quotation marks that wrap the whole text, unless the source is quoted too."""
    if len(text) < 2 or (source and source[0] in _QUOTES):
        return text
    closing = _QUOTES.get(text[0])
    if closing is None or text[-1] != closing or closing in text[1:-1]:
        return text
    return text[1:-1].strip()
