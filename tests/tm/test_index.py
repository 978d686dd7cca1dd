"""The fuzzy index returns exactly what exhaustive scoring returns."""

import functools
import random

import numpy as np
import pytest

import tm.index as index_module
from benchmarks.synthetic import SyntheticTM
from tm.fuzzy import Prepared, prepare, score
from tm.index import INDEX_MIN_SCORE, FuzzyIndex

K = 5


def exhaustive(query: str, sources: dict[int, str], k: int, min_score: int) -> list[int]:
    """The top-k score list by scoring every unit."""
    q = prepare(query)
    scores = sorted((score(q, _prepared(s)) for s in sources.values()), reverse=True)
    return [s for s in scores if s >= min_score][:k]


@functools.cache
def _prepared(text: str) -> Prepared:
    return prepare(text)


def build(
    units: list[tuple[int, str]],
    *,
    batch: int,
    max_code: int | None = None,
    target: str = "fr-Latn",
) -> FuzzyIndex:
    index = FuzzyIndex() if max_code is None else FuzzyIndex(max_code=max_code)
    for start in range(0, len(units), batch):
        index.add(
            (uid, src, prepare(src).tokens, target) for uid, src in units[start : start + batch]
        )
    return index


@pytest.fixture(scope="module")
def corpus() -> tuple[SyntheticTM, list[tuple[int, str]]]:
    generator = SyntheticTM(seed=5, vocabulary=2_000, phrases=1_500)
    return generator, [(i + 1, s) for i, (s, _) in enumerate(generator.units(3_000))]


@pytest.mark.parametrize(
    ("batch", "freeze", "max_code"),
    [
        (3_000, None, None),  # one bulk segment
        (37, None, None),  # small adds into the mutable delta
        (37, 150, None),  # small adds frozen into segments, merged, re-ranked, rebuilt
        (500, None, 300),  # token codes shared: scores re-checked on real tokens
    ],
)
def test_top_k_equals_exhaustive_scoring(
    corpus, monkeypatch, batch: int, freeze: int | None, max_code: int | None
) -> None:
    if freeze is not None:
        monkeypatch.setattr(index_module, "DELTA_FREEZE_UNITS", freeze)
    generator, units = corpus
    index = build(units, batch=batch, max_code=max_code)
    if freeze is not None:
        assert index._segments  # the delta was frozen into segments (and merged, rebuilt)
    sources = dict(units)
    queries = list(generator.queries([s for _, s in units], 100))
    for _, query in queries:
        got = [hit.score for hit in index.search(prepare(query), K, INDEX_MIN_SCORE)]
        assert got == exhaustive(query, sources, K, INDEX_MIN_SCORE), query


def test_a_compacted_index_has_one_segment_and_finds_the_same(corpus, monkeypatch) -> None:
    monkeypatch.setattr(index_module, "DELTA_FREEZE_UNITS", 150)
    generator, units = corpus
    index = build(units[:-20], batch=37)
    index.add((uid, src, prepare(src).tokens, "fr-Latn") for uid, src in units[-20:])
    queries = [query for _, query in generator.queries([s for _, s in units], 60)]
    before = [[(h.unit_id, h.score) for h in index.search(prepare(q), K, 50)] for q in queries]
    assert len(index._segments) + (index._delta.units > 0) > 1  # postings in several parts
    index.compact()
    assert len(index._segments) == 1 and index._delta.units == 0
    after = [[(h.unit_id, h.score) for h in index.search(prepare(q), K, 50)] for q in queries]
    assert after == before
    assert [hit[1] for hit in after[0]] == exhaustive(queries[0], dict(units), K, 50)


def test_higher_min_score_and_larger_k(corpus) -> None:
    generator, units = corpus
    index = build(units, batch=3_000)
    sources = dict(units)
    for _, query in list(generator.queries([s for _, s in units], 40)):
        for k, min_score in [(1, 50), (10, 70), (3, 90)]:
            got = [hit.score for hit in index.search(prepare(query), k, min_score)]
            assert got == exhaustive(query, sources, k, min_score)


def test_removed_units_are_not_found() -> None:
    index = FuzzyIndex()
    index.add(
        [
            (1, "Open the file", prepare("Open the file").tokens, "de-Latn"),
            (2, "Open the folder", prepare("Open the folder").tokens, "de-Latn"),
        ]
    )
    index.remove([1])
    assert [(h.unit_id, h.score) for h in index.search(prepare("Open the file"), 5, 50)] == [
        (2, 66)
    ]
    assert len(index) == 1


def test_unit_added_is_found_by_next_search() -> None:
    index = build(
        [(i, f"Segment number {i} about topic {i % 7}") for i in range(1, 30_001)], batch=30_000
    )
    index.add(
        [(30_001, "A brand new correction", prepare("A brand new correction").tokens, "fr-Latn")]
    )
    hits = index.search(prepare("A brand new correction"), 1, 50)
    assert [(h.unit_id, h.score) for h in hits] == [(30_001, 100)]


def test_target_family_filter() -> None:
    index = FuzzyIndex()
    index.add(
        [
            (1, "Save the file", ("save", "the", "file"), "de-Latn"),
            (2, "Save the file now", ("save", "the", "file", "now"), "fr-Latn"),
        ]
    )
    assert [h.unit_id for h in index.search(prepare("Save the file"), 5, 50, "fr-Latn")] == [2]
    assert index.search(prepare("Save the file"), 5, 50, "ja-Jpan") == []


def test_ids_must_ascend() -> None:
    index = FuzzyIndex()
    index.add([(5, "a b", ("a", "b"), "x")])
    with pytest.raises(ValueError, match="ascending"):
        index.add([(3, "c d", ("c", "d"), "x")])


def test_random_small_memories_match_exhaustive() -> None:
    rng = random.Random(3)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
    for _ in range(30):
        units = [(i + 1, " ".join(rng.choices(words, k=rng.randint(1, 8)))) for i in range(80)]
        index = build(units, batch=rng.choice([1, 7, 80]))
        for _ in range(10):
            query = " ".join(rng.choices(words, k=rng.randint(1, 8)))
            got = [h.score for h in index.search(prepare(query), K, 50)]
            assert got == exhaustive(query, dict(units), K, 50), (query, units)


def _edited(rng: random.Random, tokens: list[str], words: list[str]) -> str:
    out = list(tokens)
    for _ in range(rng.randint(0, len(out) // 3)):
        out[rng.randrange(len(out))] = rng.choice(words)
    return " ".join(out)


@pytest.mark.parametrize("batch", [200, 7])
def test_long_segments_match_exhaustive(batch: int) -> None:
    """Queries past the 64-token LCS word and units past the 255-token length key."""
    rng = random.Random(11)
    words = [f"w{i}" for i in range(400)]
    bases = [rng.choices(words, k=rng.choice([40, 64, 65, 150, 260, 300])) for _ in range(25)]
    units = [(i + 1, _edited(rng, rng.choice(bases), words)) for i in range(200)]
    index = build(units, batch=batch)
    for _ in range(25):
        query = _edited(rng, rng.choice(bases), words)
        got = [h.score for h in index.search(prepare(query), K, 50)]
        assert got == exhaustive(query, dict(units), K, 50)


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 0, 0),
        (1, None, 1),
        (2**64 - 1, None, 64),
        (2**64 - 1, 2**64 - 1, 128),
        (0xFF00FF00FF00FF00, 0xFF00FF00FF00FF00, 64),
        (0x8000000000000001, 0x0000000100000000, 3),
    ],
)
def test_bit_counts(monkeypatch, native: bool, lo: int, hi: int | None, expected: int) -> None:
    if not native:
        monkeypatch.setattr(index_module, "_POPCOUNT", None)  # the numpy < 2 path
    elif index_module._POPCOUNT is None:
        pytest.skip("numpy < 2 has no native popcount")
    words = np.array([lo], np.uint64), None if hi is None else np.array([hi], np.uint64)
    assert index_module._bit_counts(*words).tolist() == [expected]


def test_an_exact_match_in_a_top_1_ends_the_search() -> None:
    """A full top k of 100s leaves nothing to find: the candidates after it are not scored."""
    rng = random.Random(9)
    words = [f"w{n}" for n in range(12)]
    query = "alpha beta gamma delta epsilon"
    units = [(1, query)] + [
        (n, f"{query} {' '.join(rng.choices(words, k=rng.randint(1, 4)))}")
        for n in range(2, 2 * index_module.SCORE_BATCH + 10)  # several rapidfuzz calls
    ]
    index = build(units, batch=len(units))
    assert [(h.unit_id, h.score) for h in index.search(prepare(query), 1, 50)] == [(1, 100)]
    assert [h.score for h in index.search(prepare(query), 3, 50)] == exhaustive(
        query, dict(units), 3, 50
    )


def exhaustive_level(query: str, sources: dict[int, str], levels: tuple[int, ...]) -> int | None:
    """The highest level the best exhaustive score reaches (None: below the lowest)."""
    best = max((score(prepare(query), _prepared(s)) for s in sources.values()), default=0)
    return max((level for level in levels if level <= best), default=None)


@pytest.mark.parametrize(
    "levels", [(50, 75, 85, 95, 100), (50, 75, 85, 95), (60, 100), (100,), (50, 99)]
)
def test_best_level_equals_exhaustive_scoring_rounded_down(levels: tuple[int, ...]) -> None:
    rng = random.Random(17)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
    for _ in range(25):
        units = [(i + 1, " ".join(rng.choices(words, k=rng.randint(1, 9)))) for i in range(60)]
        index = build(units, batch=rng.choice([1, 9, 60]))
        stored = [source for _, source in units]
        for _ in range(12):
            query = " ".join(rng.choices(words, k=rng.randint(1, 9)))
            if rng.random() < 0.3:  # an exact match, or one differing in case only
                query = rng.choice([str.upper, str.title, str.strip])(rng.choice(stored))
            got = index.best_level(prepare(query), levels)
            assert got == exhaustive_level(query, dict(units), levels), (query, levels)


def test_best_level_on_a_synthetic_memory_equals_exhaustive_scoring(corpus) -> None:
    """Many candidates per query, verified in several rounds: each level reached must raise
    the cutoff only to the next one."""
    generator, units = corpus
    index = build(units, batch=3_000)
    sources = dict(units)
    levels = (50, 75, 85, 95, 100)
    queries = [query for _, query in generator.queries(list(sources.values()), 120)]
    for query in queries + [source for _, source in units[:30]]:
        got = index.best_level(prepare(query), levels)
        assert got == exhaustive_level(query, sources, levels), query


def test_best_level_searches_on_past_a_lower_level_found_first(monkeypatch) -> None:
    """The query's rarest word brings a full batch of 50s first; the 90 shares only its
    more frequent words, so it is met only if the cutoff rises to 75, not past 100."""
    monkeypatch.setattr(index_module, "DELTA_FREEZE_UNITS", 100)  # words ranked by frequency
    words = [f"c{i}" for i in range(1, 10)]
    rng = random.Random(5)
    weak = [" ".join(["rare", *sorted(rng.sample(words, 4))]) for _ in range(300)]
    filler = [" ".join(reversed(words))] * 500  # makes every c word more frequent than "rare"
    strong = " ".join(words)
    units = list(enumerate([*weak, *filler, strong], 1))
    index = build(units, batch=len(units))
    query = f"rare {strong}"
    assert score(query, weak[0]) == 50 and score(query, strong) == 90
    assert index.best_level(prepare(query), (50, 75, 85, 95, 100)) == 85
    assert index.best_level(prepare(query), (50, 95)) == 50


@pytest.mark.parametrize(
    ("query", "target", "expected"),
    [
        ("Save the file", None, 100),
        ("Save  the file ", "fr-Latn", 100),  # the same surface: spacing collapsed
        ("Save the file", "de-Latn", 95),  # the exact unit was removed: its 99 twin
        ("save the file", "fr-Latn", 95),  # case only: 99
        ("Save the file", "ja-Jpan", None),  # no unit of that target family
        ("Print the file", "fr-Latn", 50),  # 66
        ("Nothing alike", None, None),
    ],
)
def test_best_level_of_exact_matches_respects_removals_and_targets(
    query: str, target: str | None, expected: int | None
) -> None:
    index = FuzzyIndex()
    index.add(
        [
            (1, "Save the file", ("save", "the", "file"), "de-Latn"),
            (2, "Save the file", ("save", "the", "file"), "fr-Latn"),
            (3, "Save the file.", ("save", "the", "file"), "de-Latn"),
        ]
    )
    index.remove([1])
    assert index.best_level(prepare(query), (50, 75, 85, 95, 100), target) == expected
