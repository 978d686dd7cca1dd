"""Memories over HTTP: CRUD, units, TMX/CSV import and export, fuzzy lookups."""

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tm.store import file_import
from tm.store.file_import import FileUnits

TMX = b"""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence"
 adminlang="en" creationtool="test" creationtoolversion="1" o-tmf="test"/>
<body>
<tu tuid="t1"><tuv xml:lang="en"><seg>Wash your hands with
 <bpt i="1">&lt;b&gt;</bpt>soap<ept i="1">&lt;/b&gt;</ept>.</seg></tuv>
<tuv xml:lang="fr-FR"><seg>Lavez-vous les mains au
 <bpt i="1">&lt;b&gt;</bpt>savon<ept i="1">&lt;/b&gt;</ept>.</seg></tuv></tu>
<tu tuid="t2"><tuv xml:lang="en"><seg>Cover your cough.</seg></tuv>
<tuv xml:lang="fr-FR"><seg>Couvrez votre toux.</seg></tuv></tu>
</body></tmx>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>&b;</seg></tuv>
<tuv xml:lang="fr"><seg>x</seg></tuv></tu></body></tmx>"""


@dataclass
class Reader:
    """Where the test's uploads are parsed, and the files that a child process read."""

    where: str
    read_in_child: list[str] = field(default_factory=list)


@pytest.fixture(params=["process", "child"])
def reader(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, database: str
) -> Iterator[Reader]:
    """In the service's process, or, every upload counting as large, in a child process."""
    reader = Reader(request.param)
    if reader.where == "child":
        monkeypatch.setattr(file_import, "CHILD_MIN_BYTES", 0)
        from_child = FileUnits._from_child

        def spy(self: FileUnits, chunk_size: int) -> Generator[list[object]]:
            reader.read_in_child.append(self.path.suffix)
            return from_child(self, chunk_size)  # type: ignore[return-value]

        monkeypatch.setattr(FileUnits, "_from_child", spy)
    yield reader
    # the SQLite store writes analysed chunks from the child; PostgreSQL reads the copy itself
    child_expected = reader.where == "child" and database.startswith("sqlite")
    assert bool(reader.read_in_child) == child_expected


def _create(api: httpx.Client, name: str) -> str:
    response = api.post("/v1/memories", json={"name": name, "description": "test"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_create_list_get_and_delete(api: httpx.Client) -> None:
    memory = _create(api, "crud")

    assert api.post("/v1/memories", json={"name": "crud"}).json()["error"]["code"] == "conflict"
    assert memory in [m["id"] for m in api.get("/v1/memories").json()["memories"]]
    assert api.get(f"/v1/memories/{memory}").json()["unit_count"] == 0
    assert api.delete(f"/v1/memories/{memory}").status_code == 204
    missing = api.get(f"/v1/memories/{memory}")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_memory")


def test_a_tmx_upload_imports_and_exports_identically(api: httpx.Client, reader: Reader) -> None:
    memory = _create(api, f"tmx-roundtrip-{reader.where}")

    imported = api.post(
        f"/v1/memories/{memory}/import", files={"file": ("client.tmx", TMX, "application/xml")}
    )
    exported = api.get(f"/v1/memories/{memory}/export", params={"format": "tmx"})
    copy = _create(api, f"tmx-copy-{reader.where}")
    reimported = api.post(
        f"/v1/memories/{copy}/import", files={"file": ("copy.tmx", exported.content)}
    )

    assert imported.json() | {"skip_reasons": {}} == {
        "added": 2,
        "updated": 0,
        "written": 0,
        "skipped": 0,
        "skip_reasons": {},
    }
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/x-tmx+xml")
    assert b'<bpt i="1">&lt;b&gt;</bpt>' in exported.content
    assert reimported.json()["added"] == 2
    original = api.get(f"/v1/memories/{memory}/export", params={"format": "csv"}).text
    assert api.get(f"/v1/memories/{copy}/export", params={"format": "csv"}).text == original


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("bomb.tmx", BILLION_LAUGHS, "unsafe_xml"),
        ("broken.tmx", TMX[: len(TMX) // 2], "invalid_file"),
        ("memory.docx", b"PK\x03\x04", "invalid_file"),
        ("bad.csv", b"only,one,header\n", "invalid_file"),
    ],
)
def test_a_bad_file_gets_a_clear_error_and_stores_nothing(
    api: httpx.Client, name: str, content: bytes, code: str, reader: Reader
) -> None:
    memory = _create(api, f"bad-{name}-{reader.where}")
    api.post(f"/v1/memories/{memory}/import", files={"file": ("good.tmx", TMX)})

    response = api.post(f"/v1/memories/{memory}/import", files={"file": (name, content)})

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert api.get(f"/v1/memories/{memory}").json()["unit_count"] == 2


def test_units_are_added_replaced_by_tuid_and_deleted(api: httpx.Client) -> None:
    memory = _create(api, "units")
    unit = {"source": "Stay home.", "target": "Restez à la maison.", "tuid": "u1"}
    unit |= {"source_lang": "en", "target_lang": "fr"}

    first = api.post(f"/v1/memories/{memory}/units", json=unit).json()
    second = api.post(
        f"/v1/memories/{memory}/units", json=unit | {"target": "Restez chez vous."}
    ).json()

    assert (first["added"], second["updated"]) == (1, 1)
    unit_id = second["unit"]["id"]
    stored = api.get(f"/v1/memories/{memory}/units/{unit_id}").json()
    assert (stored["target"], stored["tuid"], stored["origin"]) == (
        "Restez chez vous.",
        "u1",
        "manual",
    )
    assert api.get(f"/v1/memories/{memory}").json()["unit_count"] == 1
    assert api.delete(f"/v1/memories/{memory}/units/{unit_id}").status_code == 204
    assert api.get(f"/v1/memories/{memory}/units/{unit_id}").status_code == 404


def test_a_confirmed_proposal_counts_as_unchanged(api: httpx.Client) -> None:
    memory = _create(api, "confirmed")
    unit = {"source": "Hello.", "target": "Bonjour.", "proposal": "Bonjour.", "source_lang": "en"}

    added = api.post(f"/v1/memories/{memory}/units", json=unit | {"target_lang": "fr"}).json()
    stats = api.get(f"/v1/memories/{memory}/stats").json()

    assert (added["unit"]["origin"], added["edit_distance"]) == ("confirmed", 0.0)
    assert (stats["edits"], stats["unchanged_share"], stats["mean_distance"]) == (1, 1.0, 0.0)
    assert len(stats["days"]) == 1


def test_matches_are_cat_style_lookups_across_language_variants(api: httpx.Client) -> None:
    memory = _create(api, "lookups")
    api.post(f"/v1/memories/{memory}/import", files={"file": ("client.tmx", TMX)})

    response = api.get(
        f"/v1/memories/{memory}/matches",
        params={"source": "Cover your mouth.", "source_lang": "en-US", "target_lang": "fr"},
    )

    matches = response.json()["matches"]
    assert [(m["source"], m["score"]) for m in matches] == [("Cover your cough.", 66)]


def test_an_invalid_language_in_a_lookup_is_a_422(api: httpx.Client) -> None:
    memory = _create(api, "lookup-lang")

    response = api.get(
        f"/v1/memories/{memory}/matches",
        params={"source": "x", "source_lang": "english please", "target_lang": "fr"},
    )

    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_language")
