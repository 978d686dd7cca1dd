"""LibreTranslate's API driven by libretranslatepy and by Weblate's exact form request."""

from urllib.error import HTTPError

import httpx
import pytest
from libretranslatepy import LibreTranslateAPI

from eval.standin import MARKER, StandIn
from tests.service.compat.conftest import EN_FR_UNITS
from tests.service.conftest import Served


@pytest.fixture
def libre(service: Served, standin: StandIn) -> LibreTranslateAPI:
    return LibreTranslateAPI(f"{service.url}/libretranslate", api_key="anything")


def test_translate_with_the_client(libre: LibreTranslateAPI, standin: StandIn) -> None:
    assert libre.translate(EN_FR_UNITS[0][0], "en", "fr") == EN_FR_UNITS[0][1]
    assert libre.translate("A new sentence.", "en", "fr") == MARKER + "A new sentence."


def test_languages_and_detect_with_the_client(libre: LibreTranslateAPI) -> None:
    languages = {row["code"]: row for row in libre.languages()}
    assert {"en", "fr", "de", "pt-BR", "zh-Hans"} <= set(languages)
    assert "fr" in languages["en"]["targets"] and "en" not in languages["en"]["targets"]
    best = libre.detect("Ceci est une phrase en français, assez longue pour être reconnue.")[0]
    assert best["language"] == "fr" and 50 < best["confidence"] <= 100


def test_weblates_form_request(service: Served, standin: StandIn) -> None:
    response = httpx.post(  # weblate/machinery/libretranslate.py download_translations
        f"{service.url}/libretranslate/translate",
        data={"api_key": "", "q": "Hello <b>world</b>", "source": "en", "target": "de"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"translatedText": MARKER + "Hello <b>world</b>"}


def test_a_list_with_auto_detection_answers_per_text(service: Served, standin: StandIn) -> None:
    texts = ["Guten Morgen, wie geht es Ihnen heute?", "Buenos días, ¿cómo está usted hoy?"]
    response = httpx.post(
        f"{service.url}/libretranslate/translate",
        json={"q": texts, "source": "auto", "target": "fr", "format": "html"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["translatedText"] == [MARKER + text for text in texts]
    assert [d["language"] for d in body["detectedLanguage"]] == ["de", "es"]


def test_translate_file_then_download(service: Served, standin: StandIn) -> None:
    response = httpx.post(
        f"{service.url}/libretranslate/translate_file",
        data={"source": "en", "target": "fr"},
        files={"file": ("notes.md", b"# Title\n\nThe patient has a fever.\n", "text/markdown")},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    url = response.json()["translatedFileUrl"]
    downloaded = httpx.get(url)
    assert downloaded.status_code == 200
    assert downloaded.text == f"# {MARKER}Title\n\n{EN_FR_UNITS[1][1]}\n"
    assert httpx.get(url.replace("/notes.md", "x/notes.md")).status_code in (400, 404)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"q": "Hi", "source": "en", "target": "xx"}, 400, "target 'xx' is not supported"),
        (
            {"q": "Hi", "source": "klingon", "target": "fr"},
            400,
            "source 'klingon' is not supported",
        ),
        ({"source": "en", "target": "fr"}, 400, "Invalid request: missing q parameter"),
        ({"q": "Hi", "source": "en", "target": "fr", "format": "pdf"}, 400, "format 'pdf'"),
        ({"q": "x" * 10_001, "source": "en", "target": "fr"}, 400, "10001 characters"),
    ],
)
def test_errors_are_libretranslates_shape(
    service: Served, body: dict[str, object], status: int, error: str
) -> None:
    response = httpx.post(f"{service.url}/libretranslate/translate", json=body)
    assert response.status_code == status
    assert set(response.json()) == {"error"} and error in response.json()["error"]


def test_a_client_error_surfaces_as_an_http_error(libre: LibreTranslateAPI) -> None:
    with pytest.raises(HTTPError) as caught:
        libre.translate("Hi", "en", "xx")
    assert caught.value.code == 400


def test_a_model_failure_is_a_500_in_libretranslates_shape(
    service: Served, standin: StandIn
) -> None:
    standin.add_reply("Explode", 400)
    response = httpx.post(
        f"{service.url}/libretranslate/translate",
        json={"q": "Explode.", "source": "en", "target": "fr"},
    )
    assert response.status_code == 500
    assert "answered 400" in response.json()["error"]
