"""Synthetic documents to translate or analyse: XLIFF 1.2 files shaped like a CAT tool's.

A document mixes segments copied from a memory (exact matches), small edits of memory
segments (fuzzy matches), new sentences, and repetitions of earlier segments, in set
shares; a tenth of the segments carry an inline `<g>` element around a few words. Sources
are built from `benchmarks.synthetic` tokens without their tags, so a copied segment is
byte-identical to its memory unit.
"""

import random
from dataclasses import dataclass
from xml.sax.saxutils import escape

from benchmarks.synthetic import TAGS, SyntheticTM

_TAG_TOKENS = frozenset(tag for pair in TAGS for tag in pair if tag)
INLINE_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Mix:
    """Shares of a document's segments by kind (the rest are new sentences)."""

    exact: float = 0.10
    fuzzy: float = 0.30
    repeated: float = 0.25


def plain(tokens: list[str]) -> list[str]:
    """Tokens without inline tags (their markup is added as XLIFF elements instead)."""
    return [t for t in tokens if t not in _TAG_TOKENS] or ["empty"]


def tag_free(sources: list[str]) -> list[str]:
    """The sources with no inline tag (to copy into a document as exact matches)."""
    return [s for s in sources if _TAG_TOKENS.isdisjoint(s.rstrip(".").split())]


def memory_sentences(generator: SyntheticTM, count: int) -> list[str]:
    """`count` tag-free sentences to store as a memory's sources."""
    return [generator.render(plain(generator.sentence())) for _ in range(count)]


def segments(generator: SyntheticTM, memory: list[str], count: int, mix: Mix = Mix()) -> list[str]:
    """`count` segment sources in document order (`memory`: the memory's tag-free sources)."""
    rng = random.Random(generator.seed + 1)
    out: list[str] = []
    for _ in range(count):
        draw = rng.random()
        if out and draw < mix.repeated:
            out.append(rng.choice(out))
        elif draw < mix.repeated + mix.exact:
            out.append(rng.choice(memory))
        elif draw < mix.repeated + mix.exact + mix.fuzzy:
            base = rng.choice(memory).rstrip(".").lower().split()
            out.append(generator.render(plain(generator.edit(base, rng.choice((1, 1, 2, 3))))))
        else:
            out.append(generator.render(plain(generator.sentence())))
    return out


def lengthen(generator: SyntheticTM, sources: list[str], sentences: int) -> list[str]:
    """Each distinct source followed by `sentences - 1` new sentences; repetitions stay
    equal (a document as long in segments, longer in bytes)."""
    longer: dict[str, str] = {}
    for source in sources:
        if source not in longer:
            extra = [generator.render(plain(generator.sentence())) for _ in range(sentences - 1)]
            longer[source] = " ".join([source, *extra])
    return [longer[source] for source in sources]


def xliff(sources: list[str], *, seed: int = 5) -> bytes:
    """An XLIFF 1.2 file (en -> de) with one untranslated trans-unit per source."""
    rng = random.Random(seed)
    marked: dict[str, str] = {}  # one markup per distinct source, so repetitions stay equal
    units = []
    for n, source in enumerate(sources, start=1):
        if source not in marked:
            words = escape(source).split(" ")
            if len(words) > 3 and rng.random() < INLINE_SHARE:
                i = rng.randrange(1, len(words) - 2)
                words[i] = f'<g id="1">{words[i]}'
                words[i + 1] = f"{words[i + 1]}</g>"
            marked[source] = " ".join(words)
        # one line per unit: 100,000 of them stay under the 20 MiB document limit
        units.append(f'<trans-unit id="{n}"><source>{marked[source]}</source></trans-unit>\n')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
        '  <file original="guide.html" source-language="en" target-language="de"'
        ' datatype="html">\n'
        "    <body>\n" + "".join(units) + "    </body>\n  </file>\n</xliff>\n"
    ).encode()
