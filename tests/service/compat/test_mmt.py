"""ModernMT's API driven by the official `modernmt` client and by MateCat's exact requests."""

import gzip
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from modernmt import ModernMT, ModernMTException

from eval.standin import MARKER, StandIn
from tests.service.compat.conftest import EN_FR_UNITS
from tests.service.conftest import Served


@pytest.fixture
def mmt(service: Served, standin: StandIn) -> Iterator[ModernMT]:
    client = ModernMT("any-key", platform="adaptmt-tests")
    # The client has no base-URL option; CAT tools (MateCat, Weblate) take one.
    client._ModernMT__base_url = f"{service.url}/mmt"  # type: ignore[attr-defined]
    yield client


def test_a_confirmed_segment_is_used_by_the_next_translation(mmt: ModernMT) -> None:
    memory = mmt.memories.create("mmt-project", description="from the client")
    assert memory.id in {m.id for m in mmt.memories.list()}
    sentence = "Restart the server after the upgrade."
    first = mmt.translate("en", "it", sentence, hints=[memory.id])
    assert first.translation == MARKER + sentence

    job = mmt.memories.add(memory.id, "en", "it", sentence, "Riavvia il server.", tuid="seg-1")
    assert (job.memory, job.progress) == (memory.id, 1.0)
    assert mmt.translate("en", "it", sentence, hints=[memory.id]).translation == (
        "Riavvia il server."
    )

    mmt.memories.replace(
        memory.id, "seg-1", "en", "it", sentence, "Riavvia il server dopo l'aggiornamento."
    )
    again = mmt.translate("en", "it", sentence, context_vector=f"{memory.id}:0.8")
    assert again.translation == "Riavvia il server dopo l'aggiornamento."
    assert (again.characters, again.billedCharacters) == (len(sentence), len(sentence))

    assert mmt.memories.delete(memory.id).id == memory.id
    with pytest.raises(ModernMTException) as caught:
        mmt.memories.get(memory.id)
    assert (caught.value.status, caught.value.type) == (404, "NotFoundException")


def test_without_hints_the_tenants_configured_memory_is_used(mmt: ModernMT) -> None:
    translations = mmt.translate("en", "fr", [EN_FR_UNITS[0][0], "Something new."])
    assert [t.translation for t in translations] == [EN_FR_UNITS[0][1], MARKER + "Something new."]


def test_languages_and_detection(mmt: ModernMT) -> None:
    pairs = mmt.list_supported_languages()
    assert "fr" in pairs["en"] and "en" not in pairs["en"]
    detected = mmt.detect_language("Questa è una frase italiana abbastanza lunga da riconoscere.")
    assert detected.detectedLanguage == "it"


@pytest.mark.parametrize(
    ("call", "status", "kind"),
    [
        (lambda c: c.translate("en", "not a language", "Hi"), 400, "ValidationException"),
        (lambda c: c.translate("en", "fr", "Hi", hints=["mem_none"]), 404, "NotFoundException"),
        (lambda c: c.memories.add("mem_none", "en", "fr", "a", "b"), 404, "NotFoundException"),
    ],
)
def test_errors_are_modernmts_envelope(mmt: ModernMT, call: object, status: int, kind: str) -> None:
    with pytest.raises(ModernMTException) as caught:
        call(mmt)  # type: ignore[operator]
    assert (caught.value.status, caught.value.type) == (status, kind)


def _matecat(service: Served, method: str, path: str, **fields: str) -> httpx.Response:
    """A request the way MateCat's MMTServiceApi::send makes it: a form POST with the override."""
    return httpx.post(
        f"{service.url}/mmt{path}",
        data=fields,
        headers={
            "X-HTTP-Method-Override": method,
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "MMT-ApiKey": "matecat-license",
            "MMT-Platform": "Matecat",
        },
    )


def test_matecats_requests(service: Served, standin: StandIn) -> None:
    created = _matecat(service, "POST", "/memories", name="matecat-tm", description="job 42")
    assert created.status_code == 200 and created.json()["status"] == 200
    memory_id = created.json()["data"]["id"]

    sentence = "Close all windows before you leave."
    stored = _matecat(
        service,
        "POST",
        f"/memories/{memory_id}/content",
        source="en-US",
        target="de-DE",
        sentence=sentence,
        translation="Schließen Sie alle Fenster, bevor Sie gehen.",
        session="s1",
    )
    assert stored.json()["data"]["progress"] == 1.0

    answer = _matecat(
        service,
        "GET",
        "/translate",
        source="en-US",
        target="de-DE",
        q=sentence,
        hints=memory_id,
        priority="normal",
        timeout="3000",
    )
    assert answer.json() == {
        "status": 200,
        "data": {
            "translation": "Schließen Sie alle Fenster, bevor Sie gehen.",
            "characters": len(sentence),
            "billedCharacters": len(sentence),
        },
    }
    languages = _matecat(service, "GET", "/languages").json()
    assert languages["status"] == 200 and "de" in languages["data"]["en"]
    gone = _matecat(service, "DELETE", f"/memories/{memory_id}")
    assert gone.json()["data"]["id"] == memory_id


def test_size_errors_keep_the_envelope(service: Served) -> None:
    response = _matecat(service, "GET", "/translate", source="en", target="fr", q="x" * 10_001)
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "ContentTooLargeException"
    assert response.json()["status"] == 413


def test_weblates_get_request(service: Served, standin: StandIn) -> None:
    headers = {"MMT-ApiKey": "k", "MMT-Platform": "Weblate", "MMT-PlatformVersion": "5.9"}
    params = {
        "q": EN_FR_UNITS[1][0],
        "source": "en",
        "target": "fr",
    }  # weblate/machinery/modernmt.py
    response = httpx.get(f"{service.url}/mmt/translate", params=params, headers=headers)
    assert response.json()["data"]["translation"] == EN_FR_UNITS[1][1]
    pairs = httpx.get(f"{service.url}/mmt/languages", headers=headers).json()["data"]
    assert "fr" in pairs["en"]


def test_a_model_failure_keeps_the_envelope(service: Served, standin: StandIn) -> None:
    standin.add_reply("Explode", 400)
    response = httpx.get(
        f"{service.url}/mmt/translate", params={"q": "Explode.", "source": "en", "target": "fr"}
    )
    assert response.status_code == 502
    assert response.json()["status"] == 502
    assert response.json()["error"]["type"] == "ServiceException"


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence"
 adminlang="en" o-tmf="test" creationtool="test" creationtoolversion="1"/>
<body><tu tuid="t1"><tuv xml:lang="en"><seg>Turn off the power.</seg></tuv>
<tuv xml:lang="es"><seg>Apague la alimentación.</seg></tuv></tu></body></tmx>""".encode()


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_tmx_import_and_its_import_job(
    mmt: ModernMT, tmp_path: Path, compression: str | None
) -> None:
    memory = mmt.memories.create(f"imported-{compression}")
    path = tmp_path / "memory.tmx"
    path.write_bytes(gzip.compress(TMX) if compression else TMX)
    job = mmt.memories.import_tmx(memory.id, str(path), compression=compression)
    assert (job.memory, job.size, job.progress) == (memory.id, 1, 1.0)
    assert mmt.memories.get_import_status(job.id).progress == 1.0
    translation = mmt.translate("en", "es", "Turn off the power.", hints=[memory.id])
    assert translation.translation == "Apague la alimentación."
    with pytest.raises(ModernMTException) as caught:
        mmt.memories.get_import_status("not-a-job")
    assert caught.value.status == 404
