"""The fuzzy-match score: how similar a stored source segment is to a new one, 0-100.

The score is word-based, as in Trados Studio and OmegaT, so that a 70% match means "about
70% of the words line up":

1. *Normalise.* Unicode NFKC, casefold, whitespace collapsed. Tokens are words (`\\w+`
   runs); punctuation is not a token. A standalone number becomes the token `#` and an
   inline tag or placeholder (`<b>`, `</g1>`, `<x2/>`, TMX `<bpt ...>...</bpt>`, `{0}`,
   `{{name}}`, `%s`, `%1$d`) becomes the token `<>`, so "Page 5" and "Page 7" align word
   for word. Scripts written without spaces (Chinese, Japanese kana, Thai, Lao, Khmer,
   Myanmar) give one token per character, as CAT tools do for CJK.
2. *Similarity.* `sim = 1 - d / max(n, m)` where `d` is the Levenshtein distance between
   the two token sequences (insert, delete, substitute a word: cost 1) and `n`, `m` their
   lengths.
3. *Score.* 100 when the two segments are the same text (NFC, whitespace collapsed);
   otherwise `floor(100 * sim)` minus `NUMBER_PENALTY` per number that differs and
   `TAG_PENALTY` per tag or placeholder that differs (counted as the larger of the two
   one-sided multiset differences), clamped to `[0, MAX_FUZZY_SCORE]`. Case, punctuation or
   spacing differences alone therefore give 99: a 100 always means the same segment.

The word-level distance has a property the index relies on (see `tm.index`): two segments
with `sim >= t` share at least `t * max(n, m)` tokens, so candidates can be found exactly
from the rarest words of the query.
"""

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

EXACT_SCORE = 100
MAX_FUZZY_SCORE = 99  # any difference at all keeps a match below 100
NUMBER_PENALTY = 1  # per differing number: "Page 5" vs "Page 7" scores 99, not 100
TAG_PENALTY = 1  # per differing inline tag or placeholder
DEFAULT_MIN_SCORE = 50  # lowest score a lookup returns unless asked otherwise

NUMBER_TOKEN = "#"
TAG_TOKEN = "<>"
EMPTY_TOKEN = "\x00"  # the single token of a segment without words, so it can be indexed
TOKEN_SEPARATOR = "\x1f"  # joins a segment's tokens into the one string stores keep

# Scripts written without spaces: one token per character.
_UNSPACED = (
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    "\u3040-\u30ff\u31f0-\u31ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
)
_PLACEABLE = (
    r"<(?P<inline>bpt|ept|ph|it|ut|sub)\b[^<>]*>.*?</(?P=inline)>"  # TMX inline element
    r"|</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>"  # XML/HTML/XLIFF tag
    r"|\{\{[^{}]*\}\}|\{[^{}\s]*\}"  # {{name}}, {0}, {name}
    r"|%(?:\d+\$)?[-+ 0#]*\d*(?:\.\d+)?[sdifuxXeEgGcpo@]"  # printf
)
_TOKEN_RE = re.compile(
    rf"(?P<tag>{_PLACEABLE})"
    rf"|(?P<num>\d+(?:[.,]\d+)*)(?![^\W{_UNSPACED}])"
    rf"|(?P<char>[{_UNSPACED}])"
    rf"|(?P<word>[^\W{_UNSPACED}]+)",
    re.DOTALL,
)
_SPACE_RE = re.compile(r"\s+")
# ASCII text without `<`, `{` or `%` can hold no placeable and no unspaced script, so
# `_TOKEN_RE` reduces to its number and word branches: `findall` on the lowercased text
# gives the tokens without a Python step per match (most segments of European languages).
_PLAIN_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*(?!\w)|\w+")
# every token starts after a non-word character, so the numbers are found on their own;
# a number holds only digits, `.` and `,`, a word always a letter or `_`
_PLAIN_NUMBER_RE = re.compile(r"(?<!\w)\d+(?:[.,]\d+)*(?!\w)")
_NUMBER_CHARS = "0123456789.,"
# Quicker still, when no digit is followed by `.` or `,` and another digit (`3.5`,
# `1,000`): then each run of word characters (ASCII `\w`) is one token, a number when it
# is all digits. The runs come from one `bytes.translate` (lowercasing, and every other
# byte to a space) and `split`; a second table maps digits to `0` and `.` `,` to `.`, so
# that `0.0` finds a number with a decimal or thousands separator.
_ASCII_WORD = b"0123456789_abcdefghijklmnopqrstuvwxyz"
_WORD_RUNS = bytes(
    byte + 32 if 65 <= byte <= 90 else byte if byte in _ASCII_WORD else 32 for byte in range(256)
)
_NUMBER_SHAPES = bytes(
    48 if 48 <= byte <= 57 else 46 if byte in b".," else 32 for byte in range(256)
)
_SEPARATED_NUMBER = b"0.0"
_NUMBER_TOKEN_BYTES = NUMBER_TOKEN.encode()
_TAG_TOKEN_BYTES = TAG_TOKEN.encode()
_TOKEN_SEPARATOR_BYTES = TOKEN_SEPARATOR.encode()
# `stored_form` replaces each placeable of ASCII text by this mark, spaced, so that it is
# a run of its own; `_MARKED_WORD_RUNS` keeps the mark as a word byte (text that holds the
# mark itself takes `prepare`)
_PLACEABLE_MARK = "\x01"
_PLACEABLE_MARK_BYTES = _PLACEABLE_MARK.encode()
_MARKED_PLACEABLE = f" {_PLACEABLE_MARK} "
_PLACEABLE_RE = re.compile(_PLACEABLE, re.DOTALL)
_MARKED_WORD_RUNS = _WORD_RUNS[:1] + _PLACEABLE_MARK_BYTES + _WORD_RUNS[2:]


def level_reached(score: int | None, levels: Sequence[int]) -> int | None:
    """The highest of `levels` (ascending) that `score` reaches; None when it reaches none."""
    if score is None or not levels or score < levels[0]:
        return None
    return max(level for level in levels if level <= score)


def surface(text: str) -> str:
    """The text as compared for a 100% match: NFC, whitespace collapsed and trimmed."""
    # str.split() splits at the same whitespace as `\s` (Py_UNICODE_ISSPACE), and strips
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True, slots=True)
class Prepared:
    """A segment analysed once for scoring: its surface, tokens, numbers and tags."""

    surface: str
    tokens: tuple[str, ...]
    numbers: tuple[str, ...]
    tags: tuple[str, ...]


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def prepare(text: str) -> Prepared:
    """Analyse `text` for scoring and indexing."""
    if text.isascii() and "<" not in text and "{" not in text and "%" not in text:
        return _prepare_plain(text)
    tokens: list[str] = []
    numbers: list[str] = []
    tags: list[str] = []
    for m in _TOKEN_RE.finditer(text):
        kind, found = m.lastgroup, m.group()
        if kind == "word" or kind == "char":
            # ASCII is its own NFKC form and casefolds as it lowercases: skip the Unicode work
            tokens.append(found.lower() if found.isascii() else _fold(found))
        elif kind == "num":
            tokens.append(NUMBER_TOKEN)
            numbers.append(found)
        else:
            tokens.append(TAG_TOKEN)
            tags.append(_SPACE_RE.sub(" ", found))
    return Prepared(surface(text), tuple(tokens) or (EMPTY_TOKEN,), tuple(numbers), tuple(tags))


def _prepare_plain(text: str) -> Prepared:
    """`prepare` for ASCII text without placeables: the same result, in a few C calls."""
    raw = text.encode("ascii")
    shapes = raw.translate(_NUMBER_SHAPES)
    if _SEPARATED_NUMBER in shapes:
        return _prepare_plain_numbers(text)
    runs = raw.translate(_WORD_RUNS).decode("ascii").split()
    plain_surface = " ".join(text.split())  # ASCII is its own NFC form
    if b"0" not in shapes:
        return Prepared(plain_surface, tuple(runs) or (EMPTY_TOKEN,), (), ())
    numbers = tuple(run for run in runs if run.isdigit())
    tokens = [NUMBER_TOKEN if run.isdigit() else run for run in runs]
    return Prepared(plain_surface, tuple(tokens) or (EMPTY_TOKEN,), numbers, ())


def _prepare_plain_numbers(text: str) -> Prepared:
    """`_prepare_plain` for text with numbers such as `3.5` or `1,000`: by regex."""
    lowered = text.lower()
    tokens = _PLAIN_TOKEN_RE.findall(lowered)
    numbers = _PLAIN_NUMBER_RE.findall(lowered)
    if numbers:
        tokens = [token if token.strip(_NUMBER_CHARS) else NUMBER_TOKEN for token in tokens]
    return Prepared(surface(text), tuple(tokens) or (EMPTY_TOKEN,), tuple(numbers), ())


def stored_form(text: str) -> tuple[str, str]:
    """`text`'s surface and its tokens joined by `TOKEN_SEPARATOR`, as stores keep them.

    The same as `prepare(text)`'s surface and tokens. ASCII text (most sources of an
    import) takes a few C calls on bytes and builds no `Prepared`: its placeables are
    first replaced by a mark that becomes the tag token.
    """
    if text.isascii() and _PLACEABLE_MARK not in text:
        if "<" in text or "{" in text or "%" in text:
            joined = _ascii_tokens(_PLACEABLE_RE.sub(_MARKED_PLACEABLE, text), marked=True)
        else:
            joined = _ascii_tokens(text, marked=False)
        if joined is not None:
            return " ".join(text.split()), joined  # ASCII is its own NFC form
    prepared = prepare(text)
    return prepared.surface, TOKEN_SEPARATOR.join(prepared.tokens)


def _ascii_tokens(text: str, *, marked: bool) -> str | None:
    """The joined tokens of ASCII text whose placeables are marks; None when it holds a
    number such as `3.5` or `1,000` (those take `prepare`'s regex)."""
    raw = text.encode("ascii")
    shapes = raw.translate(_NUMBER_SHAPES)
    if _SEPARATED_NUMBER in shapes:
        return None
    runs = raw.translate(_MARKED_WORD_RUNS).split()
    if not runs:
        return EMPTY_TOKEN
    if b"0" in shapes:
        runs = [_NUMBER_TOKEN_BYTES if run.isdigit() else run for run in runs]
    if marked:
        runs = [_TAG_TOKEN_BYTES if run == _PLACEABLE_MARK_BYTES else run for run in runs]
    return _TOKEN_SEPARATOR_BYTES.join(runs).decode("ascii")


def tokens(text: str) -> tuple[str, ...]:
    """The word tokens of `text` as the score sees them."""
    return prepare(text).tokens


def _unmatched(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    if a == b:
        return 0
    ca, cb = Counter(a), Counter(b)
    return max(sum((ca - cb).values()), sum((cb - ca).values()))


def penalties(a: Prepared, b: Prepared) -> int:
    """The placeable penalties between two segments (numbers and tags that differ)."""
    return NUMBER_PENALTY * _unmatched(a.numbers, b.numbers) + TAG_PENALTY * _unmatched(
        a.tags, b.tags
    )


def similarity(a: Prepared, b: Prepared) -> float:
    """Word-level normalised Levenshtein similarity in [0, 1]."""
    return float(Levenshtein.normalized_similarity(a.tokens, b.tokens))


def finalize(a: Prepared, b: Prepared, sim: float) -> int:
    """Turn a token similarity into the 0-100 score (identity check, floor, penalties)."""
    if a.surface == b.surface:
        return EXACT_SCORE
    raw = math.floor(sim * 100 + 1e-9) - penalties(a, b)
    return max(0, min(MAX_FUZZY_SCORE, raw))


def score(a: Prepared | str, b: Prepared | str) -> int:
    """The CAT-style fuzzy-match score of two segments, 0-100 (100: the same segment)."""
    pa = prepare(a) if isinstance(a, str) else a
    pb = prepare(b) if isinstance(b, str) else b
    return finalize(pa, pb, similarity(pa, pb))
