"""Term success rate as the WMT 2023 terminology task measures it, exact and lemmatized.

Every (segment, term) pair counts once: a success when the translation contains one of
the term's target forms.

- **exact**: a regular expression per form: the form as written, letter case ignored, not
  inside a longer word (no letter or digit on either side).
- **lemma**: an exact success, or the form's words and the translation's words
  lemmatized (simplemma, the target language's dictionary) and case-folded, the form's
  lemmas occurring as a contiguous run of the translation's: `Handverletzung` finds
  `Handverletzungen`. Words are runs of letters and digits: `l'épidémie` is `l` +
  `épidémie`. As the task's lemmatized accuracy, it counts what either variant finds.

The term success rate (TSR) is successes over term pairs; "all terms" is the share of the
segments that have terms whose every term succeeded. Segments without terms count in
neither.
"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.metadata import version

import simplemma
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

from eval.scores import Score, Unit
from eval.testset import TermPair
from tm.langs import primary_language

_WORD_RE = re.compile(r"\w+")
_LEMMA_CACHE = 100_000
"""Lemmatized words kept (a test set's vocabulary fits)."""


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4096)
def _exact_pattern(form: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(_normalize(form))}(?!\w)", re.IGNORECASE)


def exact_match(form: str, text: str) -> bool:
    """Whether `form` occurs in `text` as written, any letter case, at word boundaries."""
    return _exact_pattern(form).search(_normalize(text)) is not None


def _lemmatizer_language(lang: str) -> str | None:
    """simplemma's code for a BCP-47 tag, or None when it has no dictionary for it."""
    code = primary_language(lang)
    return code if code in SUPPORTED_LANGUAGES else None


@lru_cache(maxsize=_LEMMA_CACHE)
def _lemma(word: str, language: str | None) -> str:
    if language is None:
        return word.casefold()
    return str(simplemma.lemmatize(word, lang=language)).casefold()


def lemmas(text: str, lang: str) -> tuple[str, ...]:
    """The text's words, lemmatized and case-folded."""
    language = _lemmatizer_language(lang)
    return tuple(_lemma(word, language) for word in _WORD_RE.findall(_normalize(text)))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle:
        return False
    width = len(needle)
    return any(haystack[i : i + width] == needle for i in range(len(haystack) - width + 1))


def term_success(
    translations: Sequence[str], terms: Sequence[Sequence[TermPair]], target_lang: str
) -> list[Score]:
    """TSR and the all-terms share, exact and lemmatized; none when no segment has terms."""
    total = sum(len(pairs) for pairs in terms)
    if not total:
        return []
    lemma_sig = f"lemmatizer:simplemma-{version('simplemma')}|lang:{target_lang}"
    if _lemmatizer_language(target_lang) is None:
        lemma_sig = f"lemmatizer:none|lang:{target_lang}"
    variants: list[tuple[str, str, Callable[[TermPair, str, tuple[str, ...]], bool]]] = [
        ("exact", "match:regex|case:insensitive|bounds:word", _exact_success),
        ("lemma", f"match:lemmas|{lemma_sig}", _lemma_success(target_lang)),
    ]
    scores: list[Score] = []
    with_terms = sum(1 for pairs in terms if pairs)
    for name, how, succeeds in variants:
        hits = 0
        complete = 0
        for translation, pairs in zip(translations, terms, strict=True):
            words = lemmas(translation, target_lang) if name == "lemma" and pairs else ()
            found = sum(succeeds(pair, translation, words) for pair in pairs)
            hits += found
            complete += bool(pairs) and found == len(pairs)
        counts = f"terms:{total}|segments:{with_terms}"
        scores.append(Score(f"TSR-{name}", hits / total, f"TSR|{how}|{counts}", unit=Unit.SHARE))
        scores.append(
            Score(
                f"all-terms-{name}",
                complete / with_terms,
                f"all-terms|{how}|{counts}",
                unit=Unit.SHARE,
            )
        )
    return scores


def _exact_success(pair: TermPair, translation: str, words: tuple[str, ...]) -> bool:
    return any(exact_match(form, translation) for form in pair.targets)


def _lemma_success(target_lang: str) -> Callable[[TermPair, str, tuple[str, ...]], bool]:
    def succeeds(pair: TermPair, translation: str, words: tuple[str, ...]) -> bool:
        return _exact_success(pair, translation, words) or any(
            _contains(words, lemmas(form, target_lang)) for form in pair.targets
        )

    return succeeds
