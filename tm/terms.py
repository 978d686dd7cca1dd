"""Term recognition in source segments and term verification in translations.

A `TermIndex` is built once per glossary and language pair. `find` returns the glossary
terms of a source segment; `verify` says, for each of them, whether a translation uses an
allowed target form, misses it, or uses a forbidden one.

Matching rules (both sides compare token *forms*, see `tm.stemming`):

- A term matches a run of consecutive tokens whose forms equal the term's forms, so
  matching is case-insensitive, ignores punctuation between words and tolerates
  inflection ("hand injury" finds "hand injuries", "Verletzung" finds "Verletzungen",
  "maladie respiratoire aiguë" finds "maladies respiratoires aiguës"); words the
  dictionary knows as different ("infection" / "infectivity") do not match.
- Spaced languages respect word boundaries ("art" never matches inside "start");
  Chinese, Japanese, Thai and Korean match on characters, with no boundary required.
- **Compounds.** In languages that write compounds closed up (German, Dutch, the
  Scandinavian languages), a term may also be the head or the first part of a word:
  "Verletzung" is found in "Handverletzungen" (the hit spans "verletzungen") and in
  "Verletzungsmuster" (the hit spans "Verletzung"), but "Lunge" not in "Stellung" nor
  "Hand" in "Handlung": the rest of the word must be dictionary words (`tm.compounds`).
  This holds on both sides: "Handverletzungen" in a translation satisfies "Verletzung".
  Case-sensitive terms match whole words only.
- **Case.** An entry marked `case_sensitive` must appear with the same letter case
  (compared up to where inflection starts: "iPhone" matches "iPhones", not "IPhone"). A short
  acronym (up to `ACRONYM_MAX_LETTERS` capitals: "AIDS", "WHO") does not match the same
  letters in lowercase when the dictionary knows them as a word ("aids", "who"); "HIV"
  still matches "hiv", "COVID-19" matches "covid-19".
- **Longest match wins.** Overlapping candidates are resolved by character length, then by
  position (leftmost first); entries sharing a source form (two translations of one term)
  all get a hit on the same span. Terms without any word character ("%") are never found.

Verification uses the target language's analyzer on the translation. An entry is
`FORBIDDEN` when a forbidden form occurs outside the span of an allowed form, even if an
allowed form occurs too (the translation has to change either way); else `PRESENT` when an
allowed form occurs; else `MISSING`. Target forms are compared case-insensitively, except
for `do_not_translate` entries: the source term must appear as written (inflection still
tolerated, "des iPhones" keeps "iPhone"). Each entry is checked once per translation,
whatever the number of its occurrences in the source.
"""

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

import ahocorasick

from tm.compounds import Compounds
from tm.models import GlossaryEntry
from tm.stemming import SEPARATOR, Analyzer, Tokens, analyzer_for

Span = tuple[int, int]

ACRONYM_MAX_LETTERS = 4
"""Longest capitalized token treated as an acronym that lowercase words must not match."""


class TermStatus(StrEnum):
    """The verdict of `TermIndex.verify` for one entry."""

    PRESENT = "present"
    MISSING = "missing"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class TermHit:
    """A glossary entry recognized in a source segment at text[start:end]."""

    entry: GlossaryEntry
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class TermCheck:
    """The verdict for one entry in a translation, with the span of the form that decided it."""

    entry: GlossaryEntry
    status: TermStatus
    span: Span | None = None
    found: str | None = None


@dataclass(frozen=True, slots=True)
class _Phrase:
    """One term form compiled for search: its key in `Tokens.joined` and its constraints."""

    key: str  # the forms joined by SEPARATOR, with one at each end that must be a word boundary
    head: bool  # may start inside a word, as the head of a compound
    first_part: bool  # may end inside a word, as the first part of a compound
    surface: tuple[str, ...]  # the NFKC tokens as written in the glossary
    folded: tuple[str, ...]  # the same, normalised (`tm.stemming.normalize`)
    forms: tuple[str, ...]
    exact_case: bool
    acronyms: tuple[int, ...]  # positions of tokens that must not match all-lowercase words


@dataclass(frozen=True, slots=True)
class _TargetForms:
    """An entry's allowed and forbidden target forms, compiled."""

    allowed: tuple[_Phrase, ...]
    forbidden: tuple[_Phrase, ...]


def _is_acronym(token: str) -> bool:
    """True for a short token written in capitals ("AIDS", "WHO"; not "COVID")."""
    return token.isupper() and 2 <= sum(char.isalpha() for char in token) <= ACRONYM_MAX_LETTERS


def _same_case(term: str, surface: str) -> bool:
    """True unless the two differ only in letter case before their first real difference."""
    for a, b in zip(term, surface, strict=False):
        if a != b:
            return a.casefold() != b.casefold()
    return True


def _is_word(analyzer: Analyzer, word: str) -> bool:
    """Whether a lowercase token may be a word of its own (always, without a dictionary)."""
    return not analyzer.lexicon or analyzer.known(word)


def _compile(
    analyzer: Analyzer, compounds: Compounds, text: str, *, exact_case: bool, acronyms: bool
) -> _Phrase | None:
    """Compile one term form, or None when it has no word to match."""
    tokens = analyzer.tokens(text)
    if not tokens.forms:
        return None
    surface = tuple(
        unicodedata.normalize("NFKC", text[start:end])
        for start, end in zip(tokens.starts, tokens.ends, strict=True)
    )
    head = not exact_case and compounds.may_contain(surface[0])
    first_part = not exact_case and compounds.may_contain(surface[-1])
    return _Phrase(
        key=("" if head else SEPARATOR)
        + SEPARATOR.join(tokens.forms)
        + ("" if first_part else SEPARATOR),
        head=head,
        first_part=first_part,
        surface=surface,
        folded=tuple(tokens.folded),
        forms=tuple(tokens.forms),
        exact_case=exact_case,
        acronyms=tuple(i for i, token in enumerate(surface) if acronyms and _is_acronym(token)),
    )


class TermIndex:
    """A glossary compiled for recognition (source side) and verification (target side)."""

    def __init__(
        self,
        entries: Sequence[GlossaryEntry],
        source_lang: str,
        target_lang: str,
        *,
        source_analyzer: Analyzer | None = None,
        target_analyzer: Analyzer | None = None,
    ) -> None:
        self.entries = tuple(entries)
        self.source_analyzer = source_analyzer or analyzer_for(source_lang)
        self.target_analyzer = target_analyzer or analyzer_for(target_lang)
        self._source_compounds = Compounds(self.source_analyzer)
        self._target_compounds = Compounds(self.target_analyzer)
        self._positions = {id(entry): i for i, entry in enumerate(self.entries)}
        self._automaton = self._build_automaton()
        self._targets = [self._compile_targets(entry) for entry in self.entries]

    def __len__(self) -> int:
        """The number of entries."""
        return len(self.entries)

    def _build_automaton(self) -> ahocorasick.Automaton:
        """An Aho-Corasick automaton from source keys to their phrases and entry indices."""
        by_key: dict[str, dict[_Phrase, list[int]]] = {}
        for i, entry in enumerate(self.entries):
            phrase = _compile(
                self.source_analyzer,
                self._source_compounds,
                entry.source,
                exact_case=entry.case_sensitive,
                acronyms=True,
            )
            if phrase is not None:
                by_key.setdefault(phrase.key, {}).setdefault(phrase, []).append(i)
        automaton = ahocorasick.Automaton()
        for key, phrases in by_key.items():
            automaton.add_word(key, tuple((phrase, tuple(ids)) for phrase, ids in phrases.items()))
        if by_key:
            automaton.make_automaton()
        return automaton

    def _compile_targets(self, entry: GlossaryEntry) -> _TargetForms:
        """The compiled allowed and forbidden target forms of one entry."""
        allowed = list(entry.allowed)
        if entry.do_not_translate and entry.source not in allowed:
            allowed.append(entry.source)

        def compile_all(forms: Iterable[str], exact_case: bool) -> tuple[_Phrase, ...]:
            phrases = (
                _compile(
                    self.target_analyzer,
                    self._target_compounds,
                    form,
                    exact_case=exact_case,
                    acronyms=False,
                )
                for form in forms
            )
            return tuple(phrase for phrase in phrases if phrase is not None)

        return _TargetForms(
            allowed=compile_all(allowed, entry.do_not_translate),
            forbidden=compile_all(entry.forbidden, False),
        )

    def find(self, text: str) -> list[TermHit]:
        """The glossary terms in a source segment: longest first, no overlaps, in text order."""
        if not len(self._automaton):
            return []
        tokens = self.source_analyzer.tokens(text)
        candidates: dict[Span, set[int]] = {}
        for end, phrases in self._automaton.iter(tokens.joined):
            key_start = end - len(phrases[0][0].key) + 1
            for phrase, ids in phrases:
                span = _match(self._source_compounds, phrase, text, tokens, key_start)
                if span is not None:
                    candidates.setdefault(span, set()).update(ids)
        hits: list[TermHit] = []
        taken = bytearray(len(text))
        for start, end in sorted(candidates, key=lambda span: (span[0] - span[1], span[0])):
            if 1 in taken[start:end]:
                continue
            taken[start:end] = b"\x01" * (end - start)
            hits += (
                TermHit(self.entries[i], start, end, text[start:end])
                for i in sorted(candidates[start, end])
            )
        hits.sort(key=lambda hit: hit.start)
        return hits

    def verify(self, translation: str, terms: Iterable[TermHit | GlossaryEntry]) -> list[TermCheck]:
        """For each distinct entry among `terms`, whether `translation` uses it rightly."""
        tokens = self.target_analyzer.tokens(translation)
        checks: list[TermCheck] = []
        seen: set[int] = set()
        for term in terms:
            entry = term.entry if isinstance(term, TermHit) else term
            if id(entry) in seen:
                continue
            seen.add(id(entry))
            position = self._positions.get(id(entry))
            forms = (
                self._targets[position] if position is not None else self._compile_targets(entry)
            )
            checks.append(self._check(entry, forms, translation, tokens))
        return checks

    def check(self, source: str, translation: str) -> list[TermCheck]:
        """Recognize the terms of `source` and verify them in `translation`."""
        return self.verify(translation, self.find(source))

    def _check(
        self, entry: GlossaryEntry, forms: _TargetForms, translation: str, tokens: Tokens
    ) -> TermCheck:
        """The verdict for one entry in an analyzed translation."""
        allowed = sorted(self._occurrences(forms.allowed, translation, tokens))
        forbidden = sorted(
            span
            for span in self._occurrences(forms.forbidden, translation, tokens)
            if not any(start <= span[0] and span[1] <= end for start, end in allowed)
        )
        for status, spans in ((TermStatus.FORBIDDEN, forbidden), (TermStatus.PRESENT, allowed)):
            if spans:
                start, end = spans[0]
                return TermCheck(entry, status, (start, end), translation[start:end])
        return TermCheck(entry, TermStatus.MISSING)

    def _occurrences(self, phrases: Iterable[_Phrase], text: str, tokens: Tokens) -> Iterator[Span]:
        """The character spans where any of `phrases` occurs in an analyzed target text."""
        joined = tokens.joined
        for phrase in phrases:
            position = joined.find(phrase.key)
            while position >= 0:
                span = _match(self._target_compounds, phrase, text, tokens, position)
                if span is not None:
                    yield span
                position = joined.find(phrase.key, position + 1)


def _match(
    compounds: Compounds, phrase: _Phrase, text: str, tokens: Tokens, key_start: int
) -> Span | None:
    """The character span of `phrase` found at joined[key_start:], or None if it does not fit.

    The key fits when it starts at a word or at a compound head, ends at a word end or
    after a compound's first part, and the words found meet the phrase's case constraints
    and are the same words as the phrase's, not just the same stems.
    """
    first_char = key_start if phrase.head else key_start + 1
    key_end = key_start + len(phrase.key) - 1
    last_char = key_end if phrase.first_part else key_end - 1
    first, last = tokens.token_at(first_char), tokens.token_at(last_char)
    inside = first_char - tokens.offsets[first]
    after = tokens.offsets[last] + len(tokens.forms[last]) - 1 - last_char
    if inside and after and first == last:  # the middle of a word
        return None
    start, end = tokens.starts[first], tokens.ends[last]
    if inside:
        word = text[start : tokens.ends[first]]
        offset = compounds.head_start(word, inside, phrase.surface[0], phrase.forms[0])
        if offset is None:
            return None
        start += offset
    if after:
        word = text[tokens.starts[last] : end]
        length = compounds.first_part_end(word, phrase.surface[-1], phrase.forms[-1])
        if length is None:
            return None
        end = tokens.starts[last] + length
    analyzer = compounds.analyzer
    for j, term in enumerate(phrase.surface):
        i = first + j
        compared = (j == 0 and inside) or (i == last and after)  # by `compounds`
        if (compared or tokens.folded[i] == phrase.folded[j]) and not (
            phrase.exact_case or j in phrase.acronyms
        ):
            continue
        word = unicodedata.normalize("NFKC", text[tokens.starts[i] : tokens.ends[i]])
        if (
            (phrase.exact_case and not _same_case(term, word))
            or (j in phrase.acronyms and word.islower() and _is_word(analyzer, word))
            or not (compared or analyzer.same_word(term, word))
        ):
            return None
    return start, end
