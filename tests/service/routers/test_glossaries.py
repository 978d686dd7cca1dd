"""Glossaries over HTTP: CRUD, entries, TBX/CSV import and export, edits seen at once."""

import httpx

from eval.standin import StandIn

TICO_CSV = b"""id,sourceLang,targetLang,sourceString,targetString
1,en,fr,contact tracing,recherche des contacts
2,en,fr,quarantine,quarantaine
"""

TBX = b"""<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dct" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
<tbxHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></tbxHeader>
<text><body>
<conceptEntry id="c1">
 <langSec xml:lang="en"><termSec><term>lockdown</term></termSec></langSec>
 <langSec xml:lang="fr">
  <termSec><term>confinement</term></termSec>
  <termSec><term>bouclage</term>
   <termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></termSec>
 </langSec>
</conceptEntry>
</body></text></tbx>"""


def _create(api: httpx.Client, name: str) -> str:
    body = {"name": name, "source_lang": "en", "target_lang": "fr"}
    response = api.post("/v1/glossaries", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_create_list_get_delete(api: httpx.Client) -> None:
    glossary = _create(api, "crud")

    assert glossary in [g["id"] for g in api.get("/v1/glossaries").json()["glossaries"]]
    assert api.get(f"/v1/glossaries/{glossary}").json()["source_lang"] == "en"
    assert api.delete(f"/v1/glossaries/{glossary}").status_code == 204
    assert api.get(f"/v1/glossaries/{glossary}").json()["error"]["code"] == "unknown_glossary"


def test_tico_csv_and_tbx_imports_and_exports(api: httpx.Client) -> None:
    glossary = _create(api, "imports")

    from_csv = api.post(f"/v1/glossaries/{glossary}/import", files={"file": ("g.csv", TICO_CSV)})
    from_tbx = api.post(f"/v1/glossaries/{glossary}/import", files={"file": ("g.tbx", TBX)})
    entries = api.get(f"/v1/glossaries/{glossary}/entries").json()["entries"]
    exported = api.get(f"/v1/glossaries/{glossary}/export", params={"format": "tbx"})

    assert (from_csv.json()["written"], from_tbx.json()["written"]) == (2, 1)
    lockdown = next(e for e in entries if e["source"] == "lockdown")
    assert (lockdown["targets"], lockdown["forbidden"]) == (["confinement"], ["bouclage"])
    copy = _create(api, "imports-copy")
    api.post(f"/v1/glossaries/{copy}/import", files={"file": ("copy.tbx", exported.content)})
    copied = api.get(f"/v1/glossaries/{copy}/entries").json()["entries"]
    assert sorted((e["source"], e["targets"], e["forbidden"]) for e in copied) == sorted(
        (e["source"], e["targets"], e["forbidden"]) for e in entries
    )


def test_a_hostile_tbx_is_refused_and_stores_nothing(api: httpx.Client) -> None:
    glossary = _create(api, "hostile")
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + TBX[38:]

    response = api.post(f"/v1/glossaries/{glossary}/import", files={"file": ("g.tbx", bomb)})

    assert (response.status_code, response.json()["error"]["code"]) == (422, "unsafe_xml")
    assert api.get(f"/v1/glossaries/{glossary}").json()["entry_count"] == 0


def test_an_entry_added_or_deleted_is_enforced_by_the_next_request(
    api: httpx.Client, standin: StandIn
) -> None:
    glossary = _create(api, "live-edits")
    request = {"source_lang": "en", "target_lang": "fr", "glossaries": [glossary]}
    request["segments"] = ["Quarantine ends today."]

    before = api.post("/v1/translate", json=request).json()["segments"][0]
    entry = {"source": "quarantine", "targets": ["quarantaine"]}
    api.post(f"/v1/glossaries/{glossary}/entries", json={"entries": [entry]})
    during = api.post("/v1/translate", json=request).json()["segments"][0]
    entry_id = api.get(f"/v1/glossaries/{glossary}/entries").json()["entries"][0]["id"]
    assert api.delete(f"/v1/glossaries/{glossary}/entries/{entry_id}").status_code == 204
    after = api.post("/v1/translate", json=request).json()["segments"][0]

    assert (before["terms"], after["terms"]) == ([], [])
    assert [t["term"] for t in during["terms"]] == ["quarantine"]
    prompts = [
        r.messages[-1]["content"]
        for r in standin.requests
        if "Source (" not in r.messages[-1]["content"]
    ]
    assert ["quarantaine" in p for p in prompts] == [False, True, False]
