"""Synthetic translation memories that look like real ones, for benchmarks and tests.

Words follow a Zipf law over a generated vocabulary, sentences are built from a shared
inventory of phrases (so unrelated segments overlap partially, as in real technical text),
carry numbers and inline tags now and then, and a set share of units are small edits of
other units (the near-duplicates real TMs are full of: a changed number, a word swapped,
a clause added).
"""

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
TAGS = [("<b>", "</b>"), ("<i>", "</i>"), ('<g id="1">', "</g>"), ("{0}", ""), ("%s", "")]


@dataclass
class SyntheticTM:
    """A reproducible generator of segments, near-duplicates and queries."""

    seed: int = 7
    vocabulary: int = 60_000
    phrases: int = 40_000
    zipf: float = 1.1

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        words = set()
        while len(words) < self.vocabulary:
            words.add("".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(1, 4))))
        self.words = sorted(sorted(words), key=lambda w: self.rng.random())
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 1) ** self.zipf for rank in range(self.vocabulary))
        )
        self.phrase_list = [self.draw_words(self.rng.randint(2, 5)) for _ in range(self.phrases)]
        self.phrase_cum_weights = list(
            itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(self.phrases))
        )

    def draw_words(self, count: int) -> list[str]:
        """`count` words drawn from the Zipf distribution."""
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=count)

    def sentence(self) -> list[str]:
        """A fresh sentence as a list of tokens (words, numbers, tags)."""
        rng = self.rng
        out: list[str] = []
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5))):
            out += rng.choices(self.phrase_list, cum_weights=self.phrase_cum_weights)[0]
            out += self.draw_words(rng.randint(0, 3))
        if rng.random() < 0.2:
            out.insert(rng.randrange(len(out) + 1), str(rng.randint(1, 5000)))
        if rng.random() < 0.1:
            opening, closing = rng.choice(TAGS)
            i = rng.randrange(len(out))
            out.insert(i, opening)
            if closing:
                out.insert(
                    rng.randint(i + 2, len(out) + 1) if i + 2 <= len(out) else len(out), closing
                )
        return out

    def edit(self, tokens: list[str], edits: int) -> list[str]:
        """`tokens` with `edits` random word substitutions, insertions or deletions."""
        rng = self.rng
        out = list(tokens)
        for _ in range(edits):
            op = rng.random()
            if op < 0.5 and out:
                out[rng.randrange(len(out))] = self.draw_words(1)[0]
            elif op < 0.8 or len(out) < 2:
                out.insert(rng.randrange(len(out) + 1), self.draw_words(1)[0])
            else:
                del out[rng.randrange(len(out))]
        return out

    @staticmethod
    def render(tokens: list[str]) -> str:
        """Tokens as a sentence: capitalised, spaced, with a full stop."""
        text = " ".join(tokens)
        return text[:1].upper() + text[1:] + "."

    def units(self, count: int, near_duplicates: float = 0.35) -> Iterator[tuple[str, str]]:
        """`count` (source, target) pairs; `near_duplicates` of them edit an earlier unit."""
        rng = self.rng
        recent: list[list[str]] = []
        for i in range(count):
            if recent and rng.random() < near_duplicates:
                tokens = self.edit(rng.choice(recent), rng.choice((1, 1, 2, 3)))
            else:
                tokens = self.sentence()
            if len(recent) < 50_000:
                recent.append(tokens)
            else:
                recent[rng.randrange(len(recent))] = tokens
            source = self.render(tokens)
            yield source, f"[{i}] " + source[::-1]

    def queries(self, sources: list[str], count: int) -> Iterator[tuple[str, str]]:
        """`count` (kind, query) pairs of varied similarity to `sources`."""
        kinds = ("exact", "light", "medium", "heavy", "novel")
        for i in range(count):
            kind = kinds[i % len(kinds)]
            if kind == "novel":
                yield kind, self.render(self.sentence())
                continue
            base = self.rng.choice(sources).rstrip(".").lower().split()
            edits = {"exact": 0, "light": 1, "medium": 3, "heavy": 6}[kind]
            yield kind, self.render(self.edit(base, edits))
