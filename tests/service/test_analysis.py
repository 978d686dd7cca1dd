"""Leverage analysis: segments and words per match band, repetitions, context matches."""

import random
from pathlib import Path

import httpx
import pytest

from service.analysis import Leverage, analyze, band_of, count_words, translatable
from service.documents import Document, Segment, read_document
from tm.fuzzy import score
from tm.models import TranslationUnit
from tm.store import Store, open_store

MEMORY = [
    ("Open the file.", "Öffnen Sie die Datei."),
    ("Close the file.", "Schließen Sie die Datei."),
    ("Save all open documents before you quit the application.", "Speichern ..."),
]
DOCUMENT = [
    "Open the file.",  # exact, opens the document: 101 (context)
    "Close the file.",  # exact after an exact one: 101
    "Nothing in this sentence resembles anything stored.",  # none
    "Close the file.",  # repetition
    "Save all open documents before you quit the app.",  # fuzzy
    "Open the file.",  # repetition
]


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, "100"),
        (99, "95-99"),
        (95, "95-99"),
        (94, "85-94"),
        (75, "75-84"),
        (50, "50-74"),
        (49, "none"),
        (None, "none"),
    ],
)
def test_scores_fall_in_their_bands(score: int | None, band: str) -> None:
    assert band_of(score) == band


async def test_a_document_is_counted_per_band(tmp_path: Path) -> None:
    async with open_store(tmp_path / "tm.sqlite3") as store:
        memory = await store.create_memory("m")
        await store.add_units(memory.id, [TranslationUnit(s, t, "en", "de") for s, t in MEMORY])
        document = read_document(
            "\n\n".join(DOCUMENT).encode(), "a.txt", source_lang="en", target_lang="de"
        )
        leverage = await analyze(store, document, [memory.id])
    counts = {band: c.segments for band, c in leverage.bands.items() if c.segments}
    fuzzy = counts.keys() - {"101", "none", "repetitions"}
    assert counts["101"] == 2 and counts["none"] == 1 and counts["repetitions"] == 2
    assert len(fuzzy) == 1 and counts[fuzzy.pop()] == 1
    assert leverage.bands["repetitions"].words == 6
    assert leverage.words == sum(len(s.split()) for s in DOCUMENT)


def test_analyze_over_http_needs_no_llm(api: httpx.Client) -> None:
    memory = api.post("/v1/memories", json={"name": "analysis"}).json()["id"]
    source, target = MEMORY[0]
    unit = {"source": source, "target": target, "source_lang": "en", "target_lang": "de"}
    api.post(f"/v1/memories/{memory}/units", json=unit).raise_for_status()
    response = api.post(
        "/v1/analyze",
        files={"file": ("a.txt", b"Open the file.\n\nNo match at all here.\n\nOpen the file.")},
        data={"source_lang": "en", "target_lang": "de", "memories": memory},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    bands = {b["band"]: b["segments"] for b in body["bands"]}
    assert bands["101% (context)"] == bands["no match"] == bands["repetitions"] == 1
    assert (body["segments"], body["words"]) == (3, 11)


async def per_segment_leverage(store: Store, document: Document, memory_id: str) -> Leverage:
    """The leverage table the slow way: one `match` per segment, in document order."""
    leverage, seen, previous_exact = Leverage(), set(), True
    for segment in translatable(document):
        found = await store.match([memory_id], segment.source, "en", "de", k=1, min_score=50)
        score = found[0].score if found else None
        exact = score == 100
        if segment.source in seen:
            leverage.add("repetitions", count_words(segment))
        else:
            seen.add(segment.source)
            band = "101" if exact and previous_exact else band_of(score)
            leverage.add(band, count_words(segment))
        previous_exact = exact
    return leverage


async def test_the_batched_analysis_counts_as_one_lookup_per_segment(tmp_path: Path) -> None:
    rng = random.Random(3)
    words = [
        "open",
        "close",
        "save",
        "print",
        "the",
        "a",
        "file",
        "page",
        "window",
        "folder",
        "now",
        "all",
        "new",
    ]
    sentences = [" ".join(rng.choices(words, k=rng.randint(3, 8))) + "." for _ in range(400)]
    async with open_store(tmp_path / "tm.sqlite3") as store:
        memory = await store.create_memory("m")
        units = [TranslationUnit(s, s.upper(), "en", "de") for s in sentences[:200]]
        await store.add_units(memory.id, units)
        text = "\n\n".join(rng.choice(sentences) for _ in range(600))
        document = read_document(text.encode(), "a.txt", source_lang="en", target_lang="de")
        batched = await analyze(store, document, [memory.id])
        expected = await per_segment_leverage(store, document, memory.id)
    assert batched == expected
    assert sum(1 for c in batched.bands.values() if c.segments) >= 5  # most bands are used


CASE_MEMORY = [
    "Open the file.",
    "Close the window now.",
    "Save all open documents before you quit the application.",
    "Print page 5 of 7.",
]
CASES = [  # (segment, its band), in document order
    ("Open the file.", "101"),  # exact, opening the document
    ("Close the window now.", "101"),  # exact after an exact segment
    ("Nothing in this sentence resembles anything stored.", "none"),
    ("Print page 5 of 7.", "100"),  # exact after a segment without a match
    ("Print page 6 of 7.", "95-99"),  # a number differs: 99
    ("Save all open documents before you quit the app.", "85-94"),  # one word of 9: 88
    ("Close the window.", "75-84"),  # 75
    ("Open the file.", "repetitions"),
    ("Close the door now please.", "50-74"),  # 60
    ("open the file", "95-99"),  # case and punctuation only: 99
    ("Print page 6 of 7.", "repetitions"),
]


def brute_force_leverage(memory: list[str], segments: list[Segment]) -> Leverage:
    """The leverage table by scoring every segment against every unit with `tm.fuzzy`."""
    leverage, seen, previous_exact = Leverage(), set(), True
    for segment in segments:
        best = max(score(segment.source, unit) for unit in memory)
        exact = best == 100
        if segment.source in seen:
            band = "repetitions"
        else:
            seen.add(segment.source)
            band = "101" if exact and previous_exact else band_of(best if best >= 50 else None)
        leverage.add(band, count_words(segment))
        previous_exact = exact
    return leverage


async def test_each_case_lands_in_its_band_as_brute_force_scoring_puts_it(
    tmp_path: Path,
) -> None:
    async with open_store(tmp_path / "tm.sqlite3") as store:
        memory = await store.create_memory("m")
        await store.add_units(memory.id, [TranslationUnit(s, s, "en", "de") for s in CASE_MEMORY])
        text = "\n\n".join(segment for segment, _ in CASES)
        document = read_document(text.encode(), "a.txt", source_lang="en", target_lang="de")
        leverage = await analyze(store, document, [memory.id])
    segments = translatable(document)
    assert [s.source for s in segments] == [segment for segment, _ in CASES]
    expected = Leverage()
    for segment, (_, band) in zip(segments, CASES, strict=True):
        expected.add(band, count_words(segment))
    assert brute_force_leverage(CASE_MEMORY, segments) == expected
    assert leverage == expected
