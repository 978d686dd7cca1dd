"""Term recognition and verification (`tm.terms`) on real data, and its speed.

    .venv/bin/python -m benchmarks.tm_terms [--data DIR] [--json PATH]

1. WMT23 terminology, de -> en: every (de, en) pair of the set is one entry of a single
   glossary. Recognition: the share of annotated source terms found in their segment;
   verification: the share of annotated target terms found present in the reference.
2. TICO-19, en -> fr: the glossary CSV against the TMX. For each (segment, recognized
   entry), whether the reference has an allowed target form (inflection-aware versus exact
   substring), and how often a segment's terms are "present" in *another* segment's
   reference (the false-present rate).
3. Speed: a synthetic 50,000-entry de -> en glossary made of real words; index build time,
   recognition and verification time per segment, one core.

Sections 1 and 2 run once per stemmer (`tm.stemming.Stemmer`) to compare them; only
`auto` has the dictionary that matching inside compounds needs.
The CSV and TMX are parsed here with the standard library and lxml, on purpose: the
benchmark depends on `tm.terms` alone.
"""

import argparse
import csv
import json
import platform
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import snowballstemmer
from lxml import etree

from tm.compounds import MIN_COMPOUND_MODIFIER, MIN_COMPOUND_PART
from tm.models import GlossaryEntry
from tm.stemming import Analyzer, Stemmer
from tm.terms import TermHit, TermIndex, TermStatus

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SPEED_ENTRIES = 50_000
SEED = 13
SYNTHETIC_STOPWORDS = 150
PUNCTUATION = ".,;:()[]\"'"


@dataclass
class Wmt:
    """The WMT23 de-en terminology test set: segments, references, terms per segment."""

    sources: list[str]
    references: list[str]
    terms: list[list[tuple[str, str]]]  # (de, en) pairs per segment


def load_wmt(data: Path, kind: str) -> Wmt:
    """Read the WMT23 set with the `.term.<kind>` annotations (proper or random)."""

    def lines(suffix: str) -> list[str]:
        return (data / f"wmt23-term.deen.{suffix}").read_text(encoding="utf-8").splitlines()

    terms = [[(t["de"], t["en"]) for t in json.loads(line)] for line in lines(f"term.{kind}")]
    return Wmt(lines("de"), lines("en"), terms)


def load_tico_glossary(data: Path) -> list[GlossaryEntry]:
    """The TICO-19 en-fr terminology CSV as glossary entries."""
    with (data / "tico19.en-fr.glossary.csv").open(encoding="utf-8", newline="") as handle:
        return [
            GlossaryEntry(row["sourceString"], [row["targetString"]])
            for row in csv.DictReader(handle)
        ]


def load_tico_tmx(data: Path) -> list[tuple[str, str]]:
    """The (en, fr) segment pairs of the TICO-19 TMX."""
    pairs = []
    for _, tu in etree.iterparse(str(data / "tico19.en-fr.tmx"), tag="tu"):
        segs = {
            tuv.get(XML_LANG, "")[:2]: "".join(seg.itertext())
            for tuv in tu.iter("tuv")
            if (seg := tuv.find("seg")) is not None
        }
        if segs.get("en") and segs.get("fr"):
            pairs.append((segs["en"], segs["fr"]))
        tu.clear()
    return pairs


def share(numerator: int, denominator: int) -> float:
    """numerator / denominator, 0 when empty."""
    return numerator / denominator if denominator else 0.0


def wmt_figures(wmt: Wmt, stemmer: Stemmer) -> dict[str, Any]:
    """Recognition and verification rates of the WMT23 terms, all pairs in one glossary.

    A term counts as recognized when its own entry is hit, or when it lies inside a longer
    glossary term that won the span (longest match wins). "Attainable" terms are those whose
    string occurs in their segment at all: the others come from misaligned annotation lines.
    """
    pairs = sorted({pair for segment in wmt.terms for pair in segment})
    entries = [GlossaryEntry(de, [en]) for de, en in pairs]
    entry_of = dict(zip(pairs, entries, strict=True))
    started = time.perf_counter()
    index = TermIndex(
        entries, "de", "en", source_analyzer=Analyzer("de", stemmer),
        target_analyzer=Analyzer("en", stemmer),
    )  # fmt: skip
    build_s = time.perf_counter() - started
    counts = dict.fromkeys(
        ("terms", "own", "inside", "attainable", "attained", "present", "reachable", "reached"),
        0,
    )  # fmt: skip
    for source, reference, terms in zip(wmt.sources, wmt.references, wmt.terms, strict=True):
        hits = index.find(source)
        found = {id(hit.entry) for hit in hits}
        for pair in terms:
            entry = entry_of[pair]
            own = id(entry) in found
            recognized = own or _inside_longer(index, entry, source, hits)
            attainable = pair[0].casefold() in source.casefold()
            present = index.verify(reference, [entry])[0].status is TermStatus.PRESENT
            reachable = pair[1] in reference
            counts["terms"] += 1
            counts["own"] += own
            counts["inside"] += recognized
            counts["attainable"] += attainable
            counts["attained"] += attainable and recognized
            counts["present"] += present
            counts["reachable"] += reachable
            counts["reached"] += reachable and present
    total = counts["terms"]
    return {
        "entries": len(entries),
        "terms": total,
        "build_s": round(build_s, 3),
        "recognized": share(counts["inside"], total),
        "recognized_own_entry": share(counts["own"], total),
        "recognized_of_attainable": share(counts["attained"], counts["attainable"]),
        "source_substring_baseline": share(counts["attainable"], total),
        "target_present": share(counts["present"], total),
        "target_present_of_attainable": share(counts["reached"], counts["reachable"]),
        "target_exact_substring_baseline": share(counts["reachable"], total),
    }


def _inside_longer(
    index: TermIndex, entry: GlossaryEntry, source: str, hits: list[TermHit]
) -> bool:
    """True when `entry` alone is found in `source` inside the span of a longer hit."""
    alone = TermIndex([entry], "de", "en", source_analyzer=index.source_analyzer).find(source)
    return any(other.start <= hit.start and hit.end <= other.end for hit in alone for other in hits)


def tico_figures(
    glossary: list[GlossaryEntry], pairs: list[tuple[str, str]], stemmer: Stemmer
) -> dict[str, Any]:
    """Target-form presence in TICO-19 references, and the false-present rate.

    The false-present control checks each (segment, entry) against the reference of another
    segment whose source has no recognized entry with the same target: a "present" there is
    a target form the source did not call for.
    """
    index = TermIndex(
        glossary, "en", "fr", source_analyzer=Analyzer("en", stemmer),
        target_analyzer=Analyzer("fr", stemmer),
    )  # fmt: skip
    hits = [index.find(source) for source, _ in pairs]
    targets = [{hit.entry.targets[0].casefold() for hit in segment} for segment in hits]
    order = list(range(len(pairs)))
    random.Random(SEED).shuffle(order)
    cursor = 0
    counts = dict.fromkeys(
        ("checks", "present", "exact", "folded", "false_present", "false_exact"), 0
    )
    for (_, reference), segment in zip(pairs, hits, strict=True):
        for check in index.verify(reference, segment):
            target = check.entry.targets[0]
            while target.casefold() in targets[order[cursor % len(order)]]:
                cursor += 1
            other = pairs[order[cursor % len(order)]][1]
            cursor += 1
            counts["checks"] += 1
            counts["present"] += check.status is TermStatus.PRESENT
            counts["exact"] += target in reference
            counts["folded"] += target.casefold() in reference.casefold()
            wrong = index.verify(other, [check.entry])[0]
            counts["false_present"] += wrong.status is TermStatus.PRESENT
            counts["false_exact"] += target.casefold() in other.casefold()
    checks = counts["checks"]
    return {
        "entries": len(glossary),
        "segments": len(pairs),
        "segments_with_terms": sum(bool(segment) for segment in hits),
        "checks": checks,
        "present": share(counts["present"], checks),
        "exact_substring": share(counts["exact"], checks),
        "casefolded_substring": share(counts["folded"], checks),
        "false_present": share(counts["false_present"], checks),
        "false_present_casefolded_substring": share(counts["false_exact"], checks),
    }


def synthetic_glossary(sources: list[str], targets: list[str], size: int) -> list[GlossaryEntry]:
    """`size` plausible entries: n-grams of `sources` and random word mixes, random targets.

    Like real terms, an n-gram neither starts nor ends with one of the corpus's
    `SYNTHETIC_STOPWORDS` most frequent words, and random mixes use no such word.
    """
    rng = random.Random(SEED)
    source_words = [[word.strip(PUNCTUATION) for word in line.split()] for line in sources]
    frequency = Counter(word.casefold() for words in source_words for word in words)
    stopwords = {word for word, _ in frequency.most_common(SYNTHETIC_STOPWORDS)} | {""}
    content = sorted(
        {word for words in source_words for word in words if word.casefold() not in stopwords}
    )
    target_words = [word for line in targets for word in line.split()]
    terms: set[str] = set()
    while len(terms) < size:
        if rng.random() < 0.6:
            words = rng.choice(source_words)
            length = rng.choice((1, 1, 2, 2, 3, 4))
            start = rng.randrange(max(1, len(words) - length + 1))
            gram = words[start : start + length]
            if (
                gram
                and gram[0].casefold() not in stopwords
                and gram[-1].casefold() not in stopwords
            ):
                terms.add(" ".join(gram))
        else:
            terms.add(" ".join(rng.sample(content, rng.randint(1, 3))))
    return [
        GlossaryEntry(
            term,
            [" ".join(rng.sample(target_words, rng.randint(1, 3)))],
            forbidden=[rng.choice(target_words)] if rng.random() < 0.1 else [],
        )
        for term in sorted(terms)
    ]


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    """p50 / p99 / mean in microseconds."""
    ordered = sorted(samples_ns)
    return {
        "p50_us": ordered[len(ordered) // 2] / 1e3,
        "p99_us": ordered[int(len(ordered) * 0.99)] / 1e3,
        "mean_us": statistics.fmean(ordered) / 1e3,
    }


def timed(calls: Iterator[Callable[[], object]]) -> list[int]:
    """The CPU time of each call in nanoseconds (process time: other load does not count)."""
    samples = []
    for call in calls:
        started = time.process_time_ns()
        call()
        samples.append(time.process_time_ns() - started)
    return samples


def speed_figures(wmt: Wmt, size: int) -> dict[str, Any]:
    """Build, recognition and verification times with a synthetic 50k-entry glossary.

    "held_out": the glossary's n-grams come from one half of the WMT segments and the other
    half is timed (a domain glossary on new text). "same_text": the n-grams come from the
    timed segments themselves, so most words are inside a term (a worst case). Each is timed twice:
    the first pass pays for stemming words never seen, the second runs on warm caches.
    """
    order = list(range(len(wmt.sources)))
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    fitted, timed_ids = order[:half], order[half:]
    sources = [wmt.sources[i] for i in timed_ids]
    references = [wmt.references[i] for i in timed_ids]
    results: dict[str, Any] = {"entries": size, "segments": len(sources)}
    for name, glossary_ids in (("held_out", fitted), ("same_text", timed_ids)):
        glossary = synthetic_glossary(
            [wmt.sources[i] for i in glossary_ids], [wmt.references[i] for i in glossary_ids], size
        )
        started = time.perf_counter()
        index = TermIndex(glossary, "de", "en", source_analyzer=Analyzer("de"),
                          target_analyzer=Analyzer("en"))  # fmt: skip
        build_s = time.perf_counter() - started
        figures: dict[str, Any] = {"build_s": round(build_s, 2)}
        for run in ("first_pass", "warm"):
            figures[f"find_{run}"] = percentiles(timed(partial(index.find, s) for s in sources))
        hits = [index.find(source) for source in sources]
        for run in ("first_pass", "warm"):
            figures[f"verify_{run}"] = percentiles(
                timed(partial(index.verify, r, h) for r, h in zip(references, hits, strict=True))
            )
        figures["hits_per_segment"] = statistics.fmean(len(h) for h in hits)
        results[name] = figures
    return results


def signature() -> dict[str, Any]:
    """How the figures were computed, so later runs can be compared."""
    return {
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
        "snowballstemmer": version("snowballstemmer"),
        "simplemma": version("simplemma"),
        "pyahocorasick": version("pyahocorasick"),
        "snowball_backend": type(snowballstemmer.stemmer("english")).__module__,
        "timing": "time.process_time_ns per call",
        "min_compound_part": MIN_COMPOUND_PART,
        "min_compound_modifier": MIN_COMPOUND_MODIFIER,
        "seed": SEED,
    }


WMT_COLUMNS = (
    ("recognized", "recognized"),
    ("recognized_own_entry", "own entry"),
    ("recognized_of_attainable", "of attainable"),
    ("target_present", "target present"),
    ("target_present_of_attainable", "of attainable"),
)
TICO_COLUMNS = (
    ("present", "present"),
    ("exact_substring", "exact substr"),
    ("casefolded_substring", "casefolded substr"),
    ("false_present", "false present"),
    ("false_present_casefolded_substring", "(substr)"),
)


def table(rows: dict[str, dict[str, Any]], columns: tuple[tuple[str, str], ...]) -> list[str]:
    """Rows of figures as aligned text lines, one column per (key, heading)."""
    lines = ["  " + " " * 18 + "".join(f"{heading:>18}" for _, heading in columns)]
    for label, figures in rows.items():
        lines.append(f"  {label:18}" + "".join(f"{figures[key]:>18.4f}" for key, _ in columns))
    return lines


def report(results: dict[str, Any]) -> str:
    """The results as readable text."""
    wmt, tico, speed = results["wmt23"], results["tico19"], results["speed"]
    first_wmt, first_tico = next(iter(wmt.values())), next(iter(tico.values()))
    lines = [
        "Term recognition and verification (tm.terms)",
        "",
        f"WMT23 de-en: {first_wmt['terms']} annotated terms, all {first_wmt['entries']} pairs "
        "in one glossary (proper set; random set below it)",
        *table(wmt, WMT_COLUMNS),
        "",
        f"TICO-19 en-fr: {first_tico['entries']} entries, {first_tico['segments']} segments, "
        f"{first_tico['checks']} (segment, entry) checks with the first stemmer",
        *table(tico, TICO_COLUMNS),
        "",
        f"Speed: {speed['entries']} entries, {speed['segments']} segments, CPU time, one core",
    ]
    for name in ("held_out", "same_text"):
        figures = speed[name]
        hits = figures["hits_per_segment"]
        lines.append(f"  {name}: build {figures['build_s']} s, {hits:.1f} hits/segment")
        for key in ("find_first_pass", "find_warm", "verify_first_pass", "verify_warm"):
            times = figures[key]
            lines.append(
                f"    {key:18} p50 {times['p50_us']:6.0f} us   p99 {times['p99_us']:6.0f} us   "
                f"mean {times['mean_us']:6.0f} us"
            )
    lines.append(f"\nsignature: {results['signature']}")
    return "\n".join(lines)


def main() -> None:
    """Run all sections, print the report, write JSON if asked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--entries", type=int, default=SPEED_ENTRIES)
    parser.add_argument(
        "--stemmers",
        default="auto,snowball,simplemma,none",
        help="comma-separated, first is the default",
    )
    args = parser.parse_args()
    stemmers = [Stemmer(name) for name in args.stemmers.split(",")]
    wmt = {kind: load_wmt(args.data, kind) for kind in ("proper", "random")}
    glossary, pairs = load_tico_glossary(args.data), load_tico_tmx(args.data)
    results: dict[str, Any] = {
        "wmt23": {
            f"{kind}/{stemmer}": wmt_figures(wmt[kind], stemmer)
            for kind in ("proper", "random")
            for stemmer in stemmers
        },
        "tico19": {str(stemmer): tico_figures(glossary, pairs, stemmer) for stemmer in stemmers},
        "speed": speed_figures(wmt["proper"], args.entries),
        "signature": signature(),
    }
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
