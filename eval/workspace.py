"""The store a run translates against: its TM and glossaries, built fresh for every run.

The TM is whatever units the harness hands over: a memory file, or the test set itself
(then looked up leave-one-out, see `eval.loo`). Terms become glossaries: a glossary file
is one glossary for every segment; WMT 2023 per-segment terms become one small glossary
per segment, so that each segment is held to its own terms only, as in the shared task.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eval.testset import EvalSet, TermPair
from tm.models import GlossaryEntry, TranslationUnit
from tm.store.base import Store

TM_NAME = "eval-tm"
GLOSSARY_NAME = "eval-glossary"


@dataclass(frozen=True, slots=True)
class Workspace:
    """What the pipeline translates with: the TM and each segment's glossaries, by id."""

    memories: list[str]  # empty: no TM
    glossaries: list[list[str]] | None  # per segment; None: no terms


async def build_workspace(
    store: Store,
    evalset: EvalSet,
    *,
    tm: Iterable[TranslationUnit] | None = None,
    glossary: Sequence[GlossaryEntry] | None = None,
) -> Workspace:
    """Import the TM units and the terms into `store`; the ids the runner needs."""
    memories: list[str] = []
    if tm is not None:
        memory = await store.create_memory(TM_NAME)
        await store.add_units(memory.id, tm)
        memories.append(memory.id)
    glossaries: list[list[str]] | None = None
    if glossary is not None:
        glossary_id = await _glossary(store, evalset, GLOSSARY_NAME, glossary)
        glossaries = [[glossary_id]] * len(evalset)
    elif evalset.terms is not None:
        glossaries = []
        for index, pairs in enumerate(evalset.terms):
            entries = _entries(pairs)
            ids = [await _glossary(store, evalset, f"segment-{index}", entries)] if entries else []
            glossaries.append(ids)
    return Workspace(memories, glossaries)


async def _glossary(
    store: Store, evalset: EvalSet, name: str, entries: Sequence[GlossaryEntry]
) -> str:
    glossary = await store.create_glossary(name, evalset.source_lang, evalset.target_lang)
    await store.add_entries(glossary.id, entries)
    return glossary.id


def _entries(pairs: Sequence[TermPair]) -> list[GlossaryEntry]:
    """Glossary entries of a segment's terms; one entry per source term, all its targets."""
    targets: dict[str, list[str]] = {}
    for pair in pairs:
        merged = targets.setdefault(pair.source, [])
        merged.extend(t for t in pair.targets if t not in merged)
    return [GlossaryEntry(source, allowed) for source, allowed in targets.items()]
