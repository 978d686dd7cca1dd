"""The SQLite store through its public interface."""

import io
from collections.abc import Iterator

import pytest

from tests.tm.store.conftest import sources_and_targets, tu
from tm.errors import (
    Conflict,
    InvalidFile,
    InvalidLanguage,
    NotFound,
    UnknownGlossary,
    UnknownMemory,
)
from tm.formats import read_memory, write_memory
from tm.models import GlossaryEntry, Origin, TranslationUnit
from tm.store import Store, open_store


async def test_same_source_replaces_target(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("Save the file.", "Enregistrez le fichier.")])
    result = await store.add_units(
        mem.id, [tu("Save  the file. ", "Enregistrer le fichier.", origin=Origin.CORRECTION)]
    )
    assert (result.added, result.updated) == (0, 1)
    assert await sources_and_targets(store, mem.id) == [
        ("Save the file.", "Enregistrer le fichier.")
    ]
    assert (await store.get_memory(mem.id)).unit_count == 1


async def test_same_tuid_with_new_source_moves_the_unit(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("Open the file", "Ouvrir le fichier", tuid="t1")])
    await store.add_units(mem.id, [tu("Open the folder", "Ouvrir le dossier", tuid="t1")])
    assert await sources_and_targets(store, mem.id) == [("Open the folder", "Ouvrir le dossier")]
    matches = await store.match([mem.id], "Open the file", "en", "fr")
    assert [(m.unit.source, m.score) for m in matches] == [("Open the folder", 66)]
    assert (await store.get_memory(mem.id)).unit_count == 1


async def test_other_language_pair_is_a_different_unit(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("Save", "Enregistrer"), tu("Save", "Speichern", tgt="de")])
    assert (await store.get_memory(mem.id)).unit_count == 2
    (match,) = await store.match([mem.id], "Save", "en", "de")
    assert match.unit.target == "Speichern"


@pytest.mark.parametrize(
    ("stored", "asked", "found"),
    [
        (("en-US", "fr-FR"), ("en", "fr"), True),
        (("en_GB", "fr"), ("en-US", "fr-CA"), True),
        (("zh-CN", "en"), ("zh-Hans", "en"), True),
        (("zh-TW", "en"), ("zh-CN", "en"), False),
        (("de", "en"), ("nl", "en"), False),
    ],
)
async def test_lookup_by_language_family(
    store: Store, stored: tuple[str, str], asked: tuple[str, str], found: bool
) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("Hello world", "x", *stored)])
    matches = await store.match([mem.id], "Hello world", *asked)
    assert bool(matches) is found


async def test_unit_added_is_used_by_the_next_lookup(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu(f"Line {i} of the report", f"Ligne {i}") for i in range(50)])
    assert (await store.match([mem.id], "Close the dialog box", "en", "fr")) == []
    await store.add_units(mem.id, [tu("Close the dialog box", "Fermez la boîte de dialogue")])
    (match,) = await store.match([mem.id], "Close the dialog box", "en", "fr")
    assert (match.score, match.unit.target) == (100, "Fermez la boîte de dialogue")


async def test_matches_across_memories_best_first(store: Store) -> None:
    a = await store.create_memory("a")
    b = await store.create_memory("b")
    await store.add_units(a.id, [tu("Delete the selected files", "A")])
    await store.add_units(b.id, [tu("Delete the selected file", "B")])
    matches = await store.match([a.id, b.id], "Delete the selected file", "en", "fr", k=2)
    assert [(m.unit.target, m.score) for m in matches] == [("B", 100), ("A", 75)]


def broken_after(count: int) -> Iterator[TranslationUnit]:
    for i in range(count):
        yield tu(f"Segment {i} is fine", f"Segment {i}")
    raise InvalidFile("line 42: unexpected end of file")


async def test_failed_import_leaves_the_memory_unchanged(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("Keep me", "Gardez-moi")])
    await store.match([mem.id], "Keep me", "en", "fr")  # index loaded before the failure
    with pytest.raises(InvalidFile):
        await store.add_units(mem.id, broken_after(100))
    assert await sources_and_targets(store, mem.id) == [("Keep me", "Gardez-moi")]
    assert (await store.get_memory(mem.id)).unit_count == 1
    assert [
        m.unit.source for m in await store.match([mem.id], "Segment 5 is fine", "en", "fr")
    ] == []


async def test_malformed_tmx_import_stores_nothing(store: Store) -> None:
    mem = await store.create_memory("client")
    tmx = (
        b'<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body>'
        b'<tu><tuv xml:lang="en"><seg>One</seg></tuv><tuv xml:lang="fr"><seg>Un</seg></tuv></tu>'
        b'<tu><tuv xml:lang="en"><seg>Two</seg></tuv><tuv xml:lang="fr"><seg>Deux'
    )
    with pytest.raises(InvalidFile):
        await store.add_units(mem.id, read_memory(io.BytesIO(tmx), "tmx"))
    assert (await store.get_memory(mem.id)).unit_count == 0


async def test_bad_language_is_refused_before_anything_is_stored(store: Store) -> None:
    mem = await store.create_memory("client")
    with pytest.raises(InvalidLanguage):
        await store.add_units(mem.id, [tu("fine", "bien"), tu("bad", "mal", tgt="klingonish")])
    assert (await store.get_memory(mem.id)).unit_count == 0


async def test_tenants_do_not_see_each_other(store: Store) -> None:
    mem = await store.create_memory("shared-name", tenant="acme")
    await store.create_memory("shared-name", tenant="globex")  # names are per tenant
    with pytest.raises(UnknownMemory):
        await store.get_memory(mem.id, tenant="globex")
    with pytest.raises(UnknownMemory):
        await store.add_units(mem.id, [tu("a", "b")], tenant="globex")
    with pytest.raises(UnknownMemory):
        await store.match([mem.id], "a", "en", "fr", tenant="globex")
    assert [m.name for m in await store.list_memories(tenant="acme")] == ["shared-name"]
    with pytest.raises(Conflict):
        await store.create_memory("shared-name", tenant="acme")


async def test_reopened_store_finds_its_units(url: str) -> None:
    async with open_store(url) as first:
        mem = await first.create_memory("client")
        await first.add_units(mem.id, [tu("Print the page", "Imprimez la page", tuid="p1")])
    async with open_store(url) as second:
        (match,) = await second.match([mem.id], "Print the pages", "en", "fr")
        assert (match.unit.target, match.unit.tuid, match.score) == ("Imprimez la page", "p1", 66)


async def test_delete_unit_and_memory(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("One", "Un"), tu("Two", "Deux")])
    (match,) = await store.match([mem.id], "One", "en", "fr")
    await store.delete_unit(mem.id, match.unit.id or 0)
    assert await store.match([mem.id], "One", "en", "fr") == []
    await store.delete_memory(mem.id)
    with pytest.raises(UnknownMemory):
        await store.get_memory(mem.id)


async def test_tmx_export_reimports_identically(store: Store) -> None:
    mem = await store.create_memory("client")
    units = [
        tu(
            'Click <bpt i="1">&lt;b&gt;</bpt>OK<ept i="1">&lt;/b&gt;</ept>',
            "Cliquez sur OK",
            tuid="u1",
            attributes={"project": "alpha"},
        ),
        tu("a < b & c", "a < b & c", "en-US", "fr-CA"),
    ]
    await store.add_units(mem.id, units)
    out = io.BytesIO()
    write_memory([u async for u in store.iter_units(mem.id)], out, "tmx", source_lang="en")
    copy = await store.create_memory("copy")
    await store.add_units(copy.id, read_memory(io.BytesIO(out.getvalue()), "tmx"))

    def key(u: TranslationUnit) -> tuple[object, ...]:
        return (u.source, u.target, u.source_lang, u.target_lang, u.tuid, u.attributes)

    assert [key(u) async for u in store.iter_units(copy.id)] == [
        key(u) async for u in store.iter_units(mem.id)
    ]


async def test_glossary_entries_replace_by_source(store: Store) -> None:
    glossary = await store.create_glossary("terms", "en", "de_DE")
    assert glossary.target_lang == "de-DE"
    await store.add_entries(glossary.id, [GlossaryEntry("injury", ["Verletzung"])])
    await store.add_entries(
        glossary.id, [GlossaryEntry("injury", ["Verletzung", "Wunde"], forbidden=["Schaden"])]
    )
    (entry,) = await store.entries(glossary.id)
    assert (entry.targets, entry.forbidden) == (["Verletzung", "Wunde"], ["Schaden"])
    assert (await store.get_glossary(glossary.id)).entry_count == 1
    with pytest.raises(UnknownGlossary):
        await store.entries(glossary.id, tenant="other")


async def test_loaded_index_is_not_shared_across_tenants(store: Store) -> None:
    mem = await store.create_memory("client", tenant="acme")
    await store.add_units(mem.id, [tu("Hello world", "Bonjour le monde")], tenant="acme")
    assert await store.match([mem.id], "Hello world", "en", "fr", tenant="acme")
    with pytest.raises(UnknownMemory):
        await store.match([mem.id], "Hello world", "en", "fr", tenant="globex")


@pytest.mark.parametrize(
    ("source", "src", "tgt", "found"),
    [
        ("Save the file.", "en-US", "fr-FR", "Enregistrer le fichier."),
        ("  Save   the file. ", "en_us", "fr_FR", "Enregistrer le fichier."),
        ("save the file.", "en-US", "fr-FR", None),  # a case difference is another segment
        ("Save the file.", "en", "fr", None),  # identity is by exact pair, not by family
        ("Save the file.", "en-US", "fr-CA", None),
    ],
)
async def test_unit_by_source(
    store: Store, source: str, src: str, tgt: str, found: str | None
) -> None:
    mem = await store.create_memory("client")
    await store.add_units(
        mem.id, [tu("Save the file.", "Enregistrer le fichier.", "en-US", "fr-FR")]
    )
    unit = await store.unit_by_source(mem.id, source, src, tgt)
    assert (unit.target if unit else None) == found


async def test_unit_by_source_is_the_unit_a_correction_replaced(store: Store) -> None:
    mem = await store.create_memory("client")
    await store.add_units(mem.id, [tu("Open", "Ouvrir"), tu("Close", "Fermer")])
    before = await store.unit_by_source(mem.id, "Close", "en", "fr")
    await store.add_units(mem.id, [tu("Close ", "Fermez", origin=Origin.CORRECTION)])
    after = await store.unit_by_source(mem.id, "Close", "en", "fr")
    assert before is not None and after is not None
    assert (after.id, after.target, after.origin) == (before.id, "Fermez", Origin.CORRECTION)
    with pytest.raises(UnknownMemory):
        await store.unit_by_source(mem.id, "Close", "en", "fr", tenant="other")


async def test_memory_revision_follows_every_unit_change(store: Store) -> None:
    mem = await store.create_memory("client")

    async def revision() -> int:
        return (await store.get_memory(mem.id)).revision

    assert mem.revision == 0
    await store.add_units(mem.id, [tu("One", "Un"), tu("Two", "Deux")])
    assert await revision() == 1
    await store.add_units(mem.id, [])
    assert await revision() == 1  # nothing changed
    await store.add_units(mem.id, [tu("One", "Une")])
    assert await revision() == 2
    with pytest.raises(InvalidLanguage):
        await store.add_units(mem.id, [tu("Three", "Trois"), tu("Four", "x", tgt="klingonish")])
    assert await revision() == 2  # rolled back with the units
    (match,) = await store.match([mem.id], "Two", "en", "fr")
    await store.delete_unit(mem.id, match.unit.id or 0)
    assert await revision() == 3
    assert [m.revision for m in await store.list_memories()] == [3]


async def test_glossary_revision_count_and_entry_removal(store: Store) -> None:
    glossary = await store.create_glossary("terms", "en", "fr")
    assert (glossary.revision, glossary.entry_count) == (0, 0)
    await store.add_entries(glossary.id, [GlossaryEntry("file", ["fichier"])])
    await store.add_entries(
        glossary.id, [GlossaryEntry("file", ["fichier"]), GlossaryEntry("folder", ["dossier"])]
    )
    await store.add_entries(glossary.id, [])
    after_adds = await store.get_glossary(glossary.id)
    assert (after_adds.revision, after_adds.entry_count) == (2, 2)
    file_entry, _ = await store.entries(glossary.id)
    await store.delete_entry(glossary.id, file_entry.id or 0)
    after_delete = await store.get_glossary(glossary.id)
    assert (after_delete.revision, after_delete.entry_count) == (3, 1)
    assert [e.source for e in await store.entries(glossary.id)] == ["folder"]
    assert [(g.revision, g.entry_count) for g in await store.list_glossaries()] == [(3, 1)]
    with pytest.raises(NotFound):
        await store.delete_entry(glossary.id, file_entry.id or 0)
    with pytest.raises(UnknownGlossary):
        await store.delete_entry(glossary.id, file_entry.id or 0, tenant="other")
    assert (await store.get_glossary(glossary.id)).revision == 3


async def test_writes_of_another_process_are_seen_by_the_next_lookup(url: str) -> None:
    async with open_store(url) as server, open_store(url) as cli:
        mem = await server.create_memory("client")
        await server.add_units(mem.id, [tu("Open the file", "Ouvrir le fichier", tuid="t1")])
        assert len(await server.match([mem.id], "Open the file", "en", "fr")) == 1  # loaded

        await cli.add_units(mem.id, [tu("Print the page", "Imprimer la page")])
        (printed,) = await server.match([mem.id], "Print the page", "en", "fr")
        assert printed.unit.target == "Imprimer la page"

        await cli.add_units(mem.id, [tu("Open the folder", "Ouvrir le dossier", tuid="t1")])
        await server.add_units(mem.id, [tu("Close the file", "Fermer le fichier")])  # own write
        matches = await server.match([mem.id], "Open the file", "en", "fr", k=5)
        assert sorted((m.unit.source, m.score) for m in matches) == [
            ("Close the file", 66),
            ("Open the folder", 66),
        ]
        assert (await server.get_memory(mem.id)).unit_count == 3

        await cli.delete_memory(mem.id)
        with pytest.raises(UnknownMemory):
            await server.match([mem.id], "Open the file", "en", "fr")


BEST_SCORE_MEMORIES = {
    "a": [("Open the file.", "Ouvrez le fichier."), ("Close the window now.", "Fermez.")],
    "b": [("Open the file", "Ouvrir le fichier"), ("Print page 5 of 7.", "Imprimer.")],
}


async def best_score_memories(store: Store, names: str) -> list[str]:
    """Makes BEST_SCORE_MEMORIES in `store`; the ids of those named (one letter each)."""
    ids = {}
    for name, pairs in BEST_SCORE_MEMORIES.items():
        ids[name] = (await store.create_memory(name)).id
        await store.add_units(ids[name], [tu(s, t) for s, t in pairs])
    return [ids[name] for name in names]


@pytest.mark.parametrize(
    ("source", "memories", "min_score", "expected"),
    [
        ("Open the file.", "ab", 50, 100),  # exact in a, 99 in b: the best wins
        ("Open the file", "b", 50, 100),
        ("open the file.", "a", 50, 99),  # case only
        ("Print page 6 of 7.", "b", 50, 99),  # a number differs
        ("Close the window.", "a", 50, 75),
        ("Close the window.", "a", 80, None),  # under min_score
        ("Nothing like anything stored here.", "ab", 50, None),
        ("Open the file.", "", 50, None),  # no memories
    ],
)
async def test_best_scores_are_the_top_match_scores(
    store: Store, source: str, memories: str, min_score: int, expected: int | None
) -> None:
    chosen = await best_score_memories(store, memories)
    sources = [source, "Open the file.", source]  # batched with others, repeated
    scores = await store.best_scores(chosen, sources, "en", "fr", min_score=min_score)
    assert scores[0] == scores[2] == expected
    # the interface's default (one `match` per source) agrees with the store's batch
    assert (
        await Store.best_scores(store, chosen, sources, "en", "fr", min_score=min_score) == scores
    )


@pytest.mark.parametrize(
    ("source", "memories", "levels", "expected"),
    [
        ("Open the file.", "ab", (50, 75, 85, 95, 100), 100),  # exact in a
        ("open the file.", "a", (50, 75, 85, 95, 100), 95),  # 99
        ("open the file.", "a", (50, 100), 50),
        ("Close the window.", "a", (50, 75, 85, 95, 100), 75),  # 75
        ("Close the window.", "a", (80, 100), None),
        ("Nothing like anything stored here.", "ab", (50, 100), None),
        ("Open the file.", "", (50, 100), None),  # no memories
    ],
)
async def test_best_levels_are_the_best_scores_rounded_down(
    store: Store, source: str, memories: str, levels: tuple[int, ...], expected: int | None
) -> None:
    chosen = await best_score_memories(store, memories)
    sources = [source, "Print page 6 of 7.", source]
    found = await store.best_levels(chosen, sources, "en", "fr", levels)
    assert found[0] == found[2] == expected
    # the interface's default (`best_scores` rounded down) agrees with the store's search
    assert await Store.best_levels(store, chosen, sources, "en", "fr", levels) == found


async def test_best_scores_see_another_process_s_writes(url: str) -> None:
    async with open_store(url) as server, open_store(url) as cli:
        mem = await server.create_memory("client")
        await server.add_units(mem.id, [tu("Open the file", "Ouvrir le fichier")])
        assert await server.best_scores([mem.id], ["Print the page"], "en", "fr") == [None]
        await cli.add_units(mem.id, [tu("Print the page", "Imprimer la page")])
        assert await server.best_scores([mem.id], ["Print the page"], "en", "fr") == [100]
