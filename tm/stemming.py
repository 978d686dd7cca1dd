"""Word forms for term matching: tokenization, normalisation and stemming per language.

An `Analyzer` cuts a text into tokens, keeps each token's character span in the original
string and gives it a *form*, the key that term matching compares:

- **Tokens.** A word token is a run of letters, digits, underscores and combining marks
  (decomposed accents and Indic vowel signs stay inside their word). Everything else,
  hyphens and apostrophes included, separates tokens and is ignored by matching:
  "Transit-Thrombus" and "Transit Thrombus" give the same forms, "l'air" is "l" + "air".
  Characters of scripts written without spaces (Han, Hiragana, Katakana, Hangul, Thai,
  Lao, Khmer, Myanmar) are one token each, with their combining marks, so a Chinese or
  Japanese term matches inside a longer run of characters; Latin words inside such text
  are still word tokens.
- **Normalisation.** Unicode NFKC (full-width and compatibility characters fold to their
  plain forms), then `str.casefold` ("Straße" -> "strasse"). Accents are kept: they tell
  French and Spanish words apart (côte/côté, año/ano) and folding them gained nothing on
  the benchmark data. The German Snowball stemmer folds umlauts itself.
- **Stemming** (`Stemmer.AUTO`). Word tokens are reduced with the Snowball stemmer of the
  language, which makes matching tolerant of inflection in every language it covers, known
  words or not. A word simplemma's dictionary knows is stemmed from its lemma, which
  mends Snowball's inconsistencies (Spanish "enfermedad" -> "enfermed" but "enfermedades"
  -> "enfermedad"). Snowball also strips derivational suffixes (infection, infectivity and
  infect all become "infect"; vacciner -> "vaccin"), so two different tokens whose forms
  agree are taken for one word only if the dictionary does not know both with different
  lemmas (`Analyzer.same_word`). Languages without Snowball use simplemma's lemmas as
  forms; languages with neither match on normalised tokens.

Compounds (a term inside a longer word) are handled by `tm.compounds` with the analyzer's
dictionary.

Forms are cached per analyzer (`FORM_CACHE_SIZE` distinct tokens), so warm analysis costs
about a microsecond per token. Snowball stemmers are pure Python and not thread-safe: the
uncached path holds a lock. simplemma's dictionary for a language is loaded on first use
(about 1 s and 100 MB for German, 0.2 s and 25 MB for English).
"""

import re
import sys
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache

from tm.langs import primary_language

FORM_CACHE_SIZE = 1 << 18
"""Distinct raw tokens whose forms (and lemmas) an analyzer remembers (some 50 MB when full)."""

SEPARATOR = " "
"""Joins forms in `Tokens.joined`; never part of a form."""

SNOWBALL_NAMES = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
"""ISO 639-1 code -> Snowball algorithm (ones the installed snowballstemmer lacks are skipped)."""


SIMPLEMMA_NAMES = {"no": "nb", "hr": "hbs", "sr": "hbs", "bs": "hbs"}
"""Languages simplemma knows under another code."""

_SPACELESS_RANGES = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff\u31f0-\u31ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\uac00-\ud7af"  # Hangul syllables (particles attach to nouns)
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # Han extensions
)


class Stemmer(StrEnum):
    """How word tokens are reduced to a form."""

    AUTO = (
        "auto"  # Snowball (from the lemma, with the dictionary's veto); else simplemma; else none
    )
    SNOWBALL = "snowball"  # Snowball alone
    SIMPLEMMA = "simplemma"  # simplemma's lemmas alone (unknown words unchanged)
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Tokens:
    """An analyzed text: token spans, their forms, and the forms joined for automaton search."""

    starts: list[int]
    ends: list[int]
    folded: list[str]  # each token normalised (`normalize`), before stemming
    forms: list[str]
    joined: str  # SEPARATOR, then each form followed by SEPARATOR
    offsets: list[int]  # where each form starts in `joined`

    def token_at(self, position: int) -> int:
        """The index of the token whose form covers `position` of `joined`."""
        return bisect_right(self.offsets, position) - 1


@cache
def _token_pattern() -> re.Pattern[str]:
    """Spaceless-script characters one by one, else runs of word characters and marks."""
    marks = _combining_mark_class()
    return re.compile(
        rf"(?P<char>[{_SPACELESS_RANGES}][{marks}]*)|(?:[^\W{_SPACELESS_RANGES}]|[{marks}])+"
    )


def _combining_mark_class() -> str:
    """A regex class body of every combining mark (Mn, Mc, Me), which `\\w` leaves out."""
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in ranges)


def normalize(text: str) -> str:
    """NFKC then casefold: the comparison form of a token before stemming."""
    return unicodedata.normalize("NFKC", text).casefold()


def _available(language: str) -> tuple[bool, bool]:
    """Whether Snowball and simplemma cover `language`."""
    import simplemma.strategies.dictionaries.dictionary_factory as simplemma_dicts
    import snowballstemmer

    return (
        SNOWBALL_NAMES.get(language) in snowballstemmer.algorithms(),
        SIMPLEMMA_NAMES.get(language, language) in simplemma_dicts.SUPPORTED_LANGUAGES,
    )


class Analyzer:
    """Tokenizes, normalises and stems text of one language (see the module docstring)."""

    def __init__(self, lang: str, stemmer: Stemmer = Stemmer.AUTO) -> None:
        self.language = primary_language(lang)
        has_snowball, has_simplemma = _available(self.language)
        if stemmer is Stemmer.AUTO:
            stemmer = Stemmer.SNOWBALL if has_snowball else Stemmer.SIMPLEMMA
            self.lexicon = has_snowball and has_simplemma
        else:
            self.lexicon = False
        if (stemmer is Stemmer.SNOWBALL and not has_snowball) or (
            stemmer is Stemmer.SIMPLEMMA and not has_simplemma
        ):
            stemmer = Stemmer.NONE
        self.stemmer = stemmer
        self._lexicon_language = SIMPLEMMA_NAMES.get(self.language, self.language)
        self._lock = threading.Lock()
        self._stem = self._stem_function()
        self._word = lru_cache(maxsize=FORM_CACHE_SIZE)(self._analyze_word)
        self._lemmas = lru_cache(maxsize=FORM_CACHE_SIZE)(self._lemma_set)
        self.known = lru_cache(maxsize=FORM_CACHE_SIZE)(self._known)

    def _stem_function(self) -> Callable[[str], str]:
        """The word -> stem function of the stemmer in use."""
        if self.stemmer is Stemmer.SNOWBALL:
            import snowballstemmer

            stem_word = snowballstemmer.stemmer(SNOWBALL_NAMES[self.language]).stemWord

            def snowball(word: str) -> str:
                with self._lock:
                    return str(stem_word(word))

            if not self.lexicon:
                return snowball
            import simplemma

            language = self._lexicon_language

            def lemma_then_snowball(word: str) -> str:
                if simplemma.is_known(word, lang=language):
                    word = str(simplemma.lemmatize(word, lang=language)).casefold()
                return snowball(word)

            return lemma_then_snowball
        if self.stemmer is Stemmer.SIMPLEMMA:
            import simplemma

            language = self._lexicon_language
            return lambda word: str(simplemma.lemmatize(word, lang=language)).casefold()
        return lambda word: word

    def _analyze_word(self, token: str) -> tuple[str, str]:
        """The normalised token and its form (uncached)."""
        folded = normalize(token)
        form = folded
        if len(form) > 1 and any(char.isalpha() for char in form):
            form = self._stem(form) or form
        return folded, form.replace(SEPARATOR, "") or folded

    def form(self, token: str) -> str:
        """The form of one word token."""
        return self._word(token)[1]

    @staticmethod
    def _variants(word: str) -> set[str]:
        """The word as written, in lowercase and capitalized: dictionaries are case-sensitive."""
        return {word, word.lower(), word[:1].upper() + word[1:].lower()}

    def _lemma_set(self, word: str, as_written: bool) -> frozenset[str]:
        """The casefolded lemmas the dictionary gives `word`, as written or in any case."""
        import simplemma

        language = self._lexicon_language
        return frozenset(
            str(simplemma.lemmatize(variant, lang=language)).casefold()
            for variant in ({word} if as_written else self._variants(word))
            if simplemma.is_known(variant, lang=language)
        )

    def _known(self, word: str) -> bool:
        """Whether the dictionary knows `word` (False without a dictionary)."""
        import simplemma

        language = self._lexicon_language
        return self.lexicon and any(
            simplemma.is_known(variant, lang=language) for variant in self._variants(word)
        )

    def tokens(self, text: str) -> Tokens:
        """Cut `text` into tokens with their spans and forms."""
        starts: list[int] = []
        ends: list[int] = []
        folded: list[str] = []
        forms: list[str] = []
        offsets: list[int] = []
        analyze_word = self._word
        position = 1
        for match in _token_pattern().finditer(text):
            start, end = match.span()
            if match.lastgroup:  # a character of a spaceless script: never stemmed
                token_folded = token_form = normalize(match.group())
            else:
                token_folded, token_form = analyze_word(match.group())
            starts.append(start)
            ends.append(end)
            folded.append(token_folded)
            forms.append(token_form)
            offsets.append(position)
            position += len(token_form) + 1
        joined = SEPARATOR + SEPARATOR.join(forms) + SEPARATOR if forms else SEPARATOR
        return Tokens(starts, ends, folded, forms, joined, offsets)

    def forms(self, text: str) -> list[str]:
        """The forms of the tokens of `text`."""
        return self.tokens(text).forms

    def same_word(self, a: str, b: str, *, as_written: bool = False) -> bool:
        """False when the dictionary knows both tokens as forms of different words.

        The tokens are looked up in lowercase and capitalized too, unless `as_written`
        (a German compound's head, capitalized, is read as a noun: "Rauch", not "rauch").
        """
        if not self.lexicon:
            return True
        lemmas_a, lemmas_b = self._lemmas(a, as_written), self._lemmas(b, as_written)
        return not (lemmas_a and lemmas_b) or not lemmas_a.isdisjoint(lemmas_b)


def analyzer_for(lang: str, stemmer: Stemmer = Stemmer.AUTO) -> Analyzer:
    """A shared analyzer for `lang`, so indexes of one language share one form cache."""
    return _shared_analyzer(primary_language(lang), stemmer)


@lru_cache(maxsize=64)
def _shared_analyzer(language: str, stemmer: Stemmer) -> Analyzer:
    """The analyzer of one primary language, built once."""
    return Analyzer(language, stemmer)
