"""Terms inside closed compounds: German, Dutch and the Scandinavian languages.

These languages write compounds as one word (Hand + Verletzungen = "Handverletzungen"), so
a term can be part of a longer word. `Compounds` says where a term is
- the **head** (final part): "Verletzung" in "Handverletzungen", or
- the **first part**: "Lymphknoten" in "Lymphknotengeschwulst", "Verletzung" in
  "Verletzungsmuster" (after the linking "s"),
of a word, under these conditions, checked with simplemma's dictionary of the language:
- the term has at least `MIN_COMPOUND_PART` letters; in German, where nouns are
  capitalized, the term and the word are both capitalized (compounds of nouns);
- before a head: a dictionary word (or one followed by a linking element) ends the part
  before it, which is not a bare derivational prefix ("Aufklappen" is no kind of
  "Klappen"); the head reduces to the term's form and the dictionary knows it as the same
  word ("Lunge" is not in "Stellung": "lung" is no word; "Rauchen" not in "Gebrauch");
- after a first part: the term is not a bare prefix ("Über" is not in "Übersicht") and the
  rest of the word starts with a dictionary word of at least `MIN_COMPOUND_PART`
  characters, after an optional linking element ("Hand" is not in "Handlung": "lung" is no
  word). The first part is the term as written ("Lymphknoten") or its stem ("Zell" for
  "Zellen" in "Zelloberfläche").
A term strictly inside a word (neither head nor first part) is not recognized, nor is any
term of a language without a dictionary. The WMT23 de-en terminology set annotates both
kinds: heads ("Verletzung" for "Handverletzungen") and first parts ("Lymphknoten" for
"Lymphknotengeschwulst", about 0.3% of its terms).
"""

from functools import lru_cache

from tm.stemming import Analyzer, normalize

MIN_COMPOUND_PART = 4
"""Fewest letters of a term found inside a compound, and of a dictionary word accepted as
the rest of one."""

MIN_COMPOUND_MODIFIER = 3
"""Shortest whole part before a head ("Ohr" in "Ohrverletzung")."""

HEAD_ALIGNMENT_SLACK = 2
"""How far a head's start in the surface word may drift from its start in the stem (ß/ss)."""

PART_CACHE_SIZE = 1 << 16
"""Word parts whose dictionary verdicts are remembered."""


def _words(text: str) -> tuple[str, ...]:
    """The space-separated words of `text`."""
    return tuple(text.split())


_DANO_NORWEGIAN = (
    _words("af be efter frem for ind med mod om op på til u ud under over"),
    ("", "s", "e"),
)
COMPOUNDING = {
    "de": (
        _words(
            "ab an auf aus be bei dar durch ein emp ent er fort ge her hin hinter miss mit nach "
            "nicht ober über um un unter ur ver vor weg wider zer zu zurück zusammen "
            "anti contra dis hyper inter intra para post prä pro re sub super trans"
        ),
        ("", "s", "es", "n", "en", "er", "e", "ens"),
    ),
    "nl": (
        _words("aan af be bij door ge her in mee na om on ont op over te toe uit ver voor"),
        ("", "s", "en", "e"),
    ),
    "sv": (
        _words("av be efter fram för in med mot om på till un under upp ut över"),
        ("", "s", "a", "u", "o", "e"),
    ),
    "da": _DANO_NORWEGIAN,
    "no": _DANO_NORWEGIAN,
    "nb": _DANO_NORWEGIAN,
    "nn": _DANO_NORWEGIAN,
}
"""Languages that write compounds closed up: (prefixes that make derived words rather than
compounds, linking elements that may join two parts)."""

NOUN_CAPITALIZING_LANGUAGES = frozenset({"de"})
"""Languages that capitalize nouns, where only a capitalized term is part of a capitalized word."""


class Compounds:
    """Where a term may sit inside a compound word of the analyzer's language."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.enabled = analyzer.language in COMPOUNDING and analyzer.lexicon
        prefixes, links = COMPOUNDING.get(analyzer.language, ((), ("",)))
        self._prefixes = frozenset(prefixes)
        self._links = links
        self._before_head = lru_cache(maxsize=PART_CACHE_SIZE)(self._ends_in_word)
        self._after_first_part = lru_cache(maxsize=PART_CACHE_SIZE)(self._starts_with_word)

    def may_contain(self, term: str) -> bool:
        """Whether a term token (as written) may be found inside a compound at all."""
        return self.enabled and len(term) >= MIN_COMPOUND_PART and term.isalpha()

    def _nouns(self, word: str, term: str) -> bool:
        """False where nouns are capitalized and the word or the term is not."""
        if self.analyzer.language not in NOUN_CAPITALIZING_LANGUAGES:
            return True
        return word[:1].isupper() and term[:1].isupper()

    def head_start(self, word: str, inside: int, term: str, term_form: str) -> int | None:
        """Where `term` starts as the head of `word`, its form starting at `inside`; or None."""
        if not (self.may_contain(term) and self._nouns(word, term)):
            return None
        for shift in range(HEAD_ALIGNMENT_SLACK + 1):
            for start in dict.fromkeys((inside - shift, inside + shift)):
                if (
                    MIN_COMPOUND_MODIFIER <= start < len(word)
                    and self.analyzer.form(word[start:]) == term_form
                    and self._before_head(normalize(word[:start]))
                    and self.analyzer.known(word[start:])
                    and self._same_head(term, word[start:])
                ):
                    return start
        return None

    def _same_head(self, term: str, head: str) -> bool:
        """Whether the head is a form of the term's word (a noun where nouns are capitalized)."""
        if self.analyzer.language in NOUN_CAPITALIZING_LANGUAGES:
            return self.analyzer.same_word(term, head[:1].upper() + head[1:], as_written=True)
        return self.analyzer.same_word(term, head)

    def first_part_end(self, word: str, term: str, term_form: str) -> int | None:
        """Where `term` ends as the first part of `word`; or None."""
        if not (self.may_contain(term) and self._nouns(word, term)):
            return None
        folded_term, folded_word = normalize(term), normalize(word)
        if folded_term in self._prefixes or len(folded_word) != len(word):
            return None  # "Über" in "Übersicht"; or a character that changes length when folded
        for end in dict.fromkeys((len(folded_term), len(term_form))):
            if (
                end < len(word)
                and folded_word[:end] == folded_term[:end]
                and self._after_first_part(folded_word[end:])
            ):
                return end
        return None

    def _ends_in_word(self, part: str) -> bool:
        """Whether a (normalised) part before a head is a word, or ends with one (+ a link)."""
        if part in self._prefixes:
            return False
        known = self.analyzer.known
        for link in self._links:
            if not part.endswith(link):
                continue
            stem = part[: len(part) - len(link)]
            if len(stem) >= MIN_COMPOUND_MODIFIER and known(stem):
                return True
            if any(known(stem[start:]) for start in range(1, len(stem) - MIN_COMPOUND_PART + 1)):
                return True
        return False

    def _starts_with_word(self, rest: str) -> bool:
        """Whether a (normalised) rest after a first part starts with a word."""
        for link in self._links:
            if not rest.startswith(link):
                continue
            tail = rest[len(link) :]
            for end in range(len(tail), MIN_COMPOUND_PART - 1, -1):
                if self.analyzer.known(tail[:end]):
                    return True
        return False
