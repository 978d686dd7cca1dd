"""A memory file read in a child process imports exactly as one read in this process."""

import multiprocessing
from pathlib import Path

import pytest

from tests.tm.store.conftest import tu
from tm.errors import InvalidFile
from tm.formats import read_memory
from tm.store import Store, file_import, unit_identity
from tm.store.file_import import FileUnits

# (tuid, source, target, target language): duplicates by source and by tuid, a tuid that
# moves to another source, the same source in another pair
TUS = [
    ("t1", "Open the file", "Ouvrir le fichier", "fr"),
    ("t2", "Close it", "Fermez", "fr"),
    (None, "Open  the file", "Ouvrir ce fichier", "fr"),  # same source as t1: replaces it
    ("t2", "Close it now", "Fermez maintenant", "fr"),  # t2 moves: "Close it" goes
    ("t3", "Save", "Enregistrer", "fr"),
    ("t3", "Save", "Sauver", "fr"),  # same tuid and source: the newest wins
    ("t1", "Open the file", "Datei öffnen", "de"),  # another pair
    ("t4", "Keep me", "Gardez-moi", "fr"),  # already stored with another target
]
SKIPPED_TU = '<tu tuid="lonely"><tuv xml:lang="en"><seg>Alone</seg></tuv></tu>'


def tmx_file(path: Path, tus: list[tuple[str | None, str, str, str]], tail: str = "") -> Path:
    body = "".join(
        (f'<tu tuid="{tuid}">' if tuid else "<tu>")
        + f'<tuv xml:lang="en"><seg>{source}</seg></tuv>'
        + f'<tuv xml:lang="{lang}"><seg>{target}</seg></tuv></tu>\n'
        for tuid, source, target, lang in tus
    )
    path.write_text(
        f'<?xml version="1.0"?>\n<tmx version="1.4"><header srclang="en"/><body>\n'
        f"{body}{SKIPPED_TU}\n{tail}</body></tmx>\n",
        encoding="utf-8",
    )
    return path


async def contents(store: Store, memory_id: str) -> list[tuple[object, ...]]:
    return [
        (u.tuid, u.source, u.target, u.source_lang, u.target_lang, u.attributes)
        async for u in store.iter_units(memory_id)
    ]


@pytest.mark.parametrize("in_child", [True, False])
@pytest.mark.parametrize("chunk", [2, 5_000])
async def test_same_result_as_reading_in_this_process(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_child: bool, chunk: int
) -> None:
    monkeypatch.setattr(unit_identity, "WRITE_CHUNK", chunk)
    if in_child:
        monkeypatch.setattr(file_import, "CHILD_MIN_BYTES", 0)
    path = tmx_file(tmp_path / "client.tmx", TUS)
    inline, child = await store.create_memory("inline"), await store.create_memory("child")
    for memory in (inline, child):
        await store.add_units(memory.id, [tu("Keep me", "Garde-moi", tuid="t4")])
    await store.match([child.id], "Keep me", "en", "fr")  # its index is loaded: kept current

    reading, units = read_memory(path), FileUnits(path)
    expected = await store.add_units(inline.id, reading)
    assert await store.add_units(child.id, units) == expected
    assert await contents(store, child.id) == await contents(store, inline.id)
    assert (units.count, units.skipped) == (reading.count, reading.skipped) == (8, 1)
    (match,) = await store.match([child.id], "Close it now", "en", "fr")
    assert (match.score, match.unit.target) == (100, "Fermez maintenant")
    assert await store.match([child.id], "Close it", "en", "fr", min_score=100) == []
    assert multiprocessing.active_children() == []


async def test_malformed_file_midway_writes_nothing_and_the_child_is_gone(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unit_identity, "WRITE_CHUNK", 2)  # chunks written before the error
    monkeypatch.setattr(file_import, "CHILD_MIN_BYTES", 0)
    path = tmx_file(tmp_path / "broken.tmx", TUS, tail="<tu><tuv>")
    memory = await store.create_memory("client")
    await store.add_units(memory.id, [tu("Keep me", "Garde-moi", tuid="t4")])
    before = await contents(store, memory.id)

    with pytest.raises(InvalidFile) as in_process:
        list(read_memory(path))
    with pytest.raises(InvalidFile) as from_child:
        await store.add_units(memory.id, FileUnits(path))
    assert str(from_child.value) == str(in_process.value)
    assert await contents(store, memory.id) == before
    assert (await store.get_memory(memory.id)).revision == 1
    assert multiprocessing.active_children() == []


def test_a_reader_stopped_early_stops_its_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_import, "CHILD_MIN_BYTES", 0)
    chunks = FileUnits(tmx_file(tmp_path / "client.tmx", TUS * 50)).analysed_chunks(2)
    assert len(next(chunks)) == 2
    assert len(multiprocessing.active_children()) == 1
    chunks.close()  # as when the write fails or is interrupted
    assert multiprocessing.active_children() == []
