"""The fuzzy-match score: known values."""

import random

import pytest

from benchmarks.synthetic import SyntheticTM
from tm.fuzzy import (
    EXACT_SCORE,
    MAX_FUZZY_SCORE,
    TOKEN_SEPARATOR,
    prepare,
    score,
    stored_form,
    surface,
)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Click OK to continue.", "Click OK to continue.", 100),
        ("Click  OK to\tcontinue. ", "Click OK to continue.", 100),  # whitespace is not a change
        ("Click OK to continue.", "click ok to continue.", 99),  # case only: never 100
        ("Click OK to continue.", "Click OK to continue", 99),  # punctuation only
        ("Page 5 of 7", "Page 6 of 7", 99),  # one number differs
        ("Page 5 of 7", "Page 6 of 8", 98),  # two numbers differ
        ("Click <b>OK</b> now", "Click <i>OK</i> now", 98),  # two tags differ
        ("{0} files deleted", "{1} files deleted", 99),  # placeholder differs
        ("Click OK to continue.", "Click Cancel to continue.", 75),  # 1 of 4 words
        ("The patient is sick.", "The patients are sick.", 50),  # word-based: 2 of 4
        ("Save the file", "Save the file now", 75),  # insertion: 3 of 4
        ("Save the file", "Delete all folders", 0),
        ("我爱北京", "我爱上海", 50),  # one token per Han character
        ("東京へ行きます", "東京へ行きました", 75),  # kana too: 2 edits over 8 tokens
        ("!!!", "???", 99),  # no words: identical empty token lists, different text
    ],
)
def test_score_known_values(a: str, b: str, expected: int) -> None:
    assert score(a, b) == expected
    assert score(b, a) == expected  # symmetric


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Hello, World!", ("hello", "world")),
        ("Version 2.5 is out", ("version", "#", "is", "out")),
        ("covid19 spreads", ("covid19", "spreads")),  # digits inside a word stay in it
        ("Press <x1/> then %s or {{name}}", ("press", "<>", "then", "<>", "or", "<>")),
        ('Go <bpt i="1">&lt;b&gt;</bpt>now<ept i="1">&lt;/b&gt;</ept>', ("go", "<>", "now", "<>")),
        ("ﬁle", ("file",)),  # NFKC folds the ligature
        ("中文abc", ("中", "文", "abc")),
        ("", ("\x00",)),
    ],
)
def test_tokens(text: str, tokens: tuple[str, ...]) -> None:
    assert prepare(text).tokens == tokens


# ASCII text without `<`, `{` or `%` takes a shorter path in `prepare`
PLAIN_ASCII = [
    # (text, tokens, numbers)
    ("Save the file.", ("save", "the", "file"), ()),
    ("  Hello   WORLD  7 ", ("hello", "world", "#"), ("7",)),
    ("1,234.5 units at 3.", ("#", "units", "at", "#"), ("1,234.5", "3")),
    ("1.5a b12 12ab x_y", ("#", "5a", "b12", "12ab", "x_y"), ("1",)),  # number runs end at a word
    ("4, 5. 6,7", ("#", "#", "#"), ("4", "5", "6,7")),
    ("...", ("\x00",), ()),
    ("", ("\x00",), ()),
]


@pytest.mark.parametrize(("text", "tokens", "numbers"), PLAIN_ASCII)
def test_plain_ascii_tokens(text: str, tokens: tuple[str, ...], numbers: tuple[str, ...]) -> None:
    prepared = prepare(text)
    assert (prepared.tokens, prepared.numbers, prepared.tags) == (tokens, numbers, ())


def test_plain_ascii_path_agrees_with_the_general_one() -> None:
    # a trailing non-ASCII word sends the same text through the general tokenizer
    texts = [text for text, _, _ in PLAIN_ASCII]
    texts += [source for source, _ in SyntheticTM(seed=3).units(3_000)]
    rng = random.Random(5)  # dense in digits, separators and word edges
    texts += ["".join(rng.choices("aZ_09.,- \t!", k=rng.randint(1, 12))) for _ in range(5_000)]
    for text in texts:
        plain, general = prepare(text), prepare(text + " é")
        assert (*plain.tokens, "é") == general.tokens or plain.tokens == ("\x00",), text
        assert (plain.numbers, plain.tags) == (general.numbers, general.tags), text
        assert plain.surface + " é" == general.surface or not plain.surface, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Save  the file.", ("Save the file.", "save\x1fthe\x1ffile")),
        ("Page 5 of 7", ("Page 5 of 7", "page\x1f#\x1fof\x1f#")),
        ("1,234.5 units", ("1,234.5 units", "#\x1funits")),  # separated numbers: by regex
        ("Press {0} now", ("Press {0} now", "press\x1f<>\x1fnow")),
        ("a<b>5</b>%s{x}", ("a<b>5</b>%s{x}", "a\x1f<>\x1f#\x1f<>\x1f<>\x1f<>")),
        ("mark \x01 kept", ("mark \x01 kept", "mark\x1fkept")),  # the mark itself: general path
        ("中文abc", ("中文abc", "中\x1f文\x1fabc")),
        ("...", ("...", "\x00")),
        ("", ("", "\x00")),
    ],
)
def test_stored_form(text: str, expected: tuple[str, str]) -> None:
    assert stored_form(text) == expected


def test_stored_form_agrees_with_prepare() -> None:
    texts = [text for text, _, _ in PLAIN_ASCII]
    texts += [source for source, _ in SyntheticTM(seed=4).units(3_000)]
    rng = random.Random(6)  # dense in digits, separators, placeables and word edges
    pieces = [*"aZ_09.,-<>{}%/ \t!é\x01", "<b>", "</b>", "<x1/>", "{0}", "{{name}}", "%s", "%1$d"]
    pieces += ['<ph x="1">{0}</ph>', '<bpt i="1">&lt;b&gt;</bpt>', '<g id="2">', "</g>"]
    texts += ["".join(rng.choices(pieces, k=rng.randint(1, 12))) for _ in range(10_000)]
    for text in texts:
        prepared = prepare(text)
        assert stored_form(text) == (prepared.surface, TOKEN_SEPARATOR.join(prepared.tokens)), text


def test_only_identical_text_scores_100() -> None:
    assert score("Open the file", "Open the file") == EXACT_SCORE
    near = ["Open the file.", "open the file", "Open  the file!", "Open the File"]
    assert all(score("Open the file", other) == MAX_FUZZY_SCORE for other in near)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cafe\u0301  au\u00a0lait ", "Café au lait"),
        ("\ta\r\nb\x0bc\x1fd\u3000e\u2028", "a b c d e"),  # every Unicode whitespace
        ("  ", ""),
    ],
)
def test_surface_normalizes_unicode_and_space(text: str, expected: str) -> None:
    assert surface(text) == expected
