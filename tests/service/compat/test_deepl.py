"""DeepL API v2 driven by DeepL's own Python client and by Weblate's exact requests."""

from collections.abc import Iterator
from pathlib import Path

import deepl
import httpx
import pytest

from eval.standin import MARKER, StandIn
from service.app import create_app
from tests.service.compat.conftest import EN_FR_UNITS
from tests.service.conftest import Served, settings_for


@pytest.fixture
def translator(service: Served, standin: StandIn) -> Iterator[deepl.Translator]:
    client = deepl.Translator("any-key:fx", server_url=service.url)
    yield client
    client.close()


def test_translate_text_uses_the_tenants_memory_and_the_model(
    translator: deepl.Translator, standin: StandIn
) -> None:
    exact, _ = EN_FR_UNITS[0]
    results = translator.translate_text(
        [exact, "The patient has a cough."], source_lang="EN", target_lang="FR"
    )
    assert [r.text for r in results] == [EN_FR_UNITS[0][1], MARKER + "The patient has a cough."]
    assert {r.detected_source_lang for r in results} == {"EN"}
    prompt = standin.requests[-1].messages
    assert any("Le patient a de la fièvre." in m["content"] for m in prompt), "fuzzy example"


def test_context_and_formality_reach_the_prompt_but_are_not_translated(
    translator: deepl.Translator, standin: StandIn
) -> None:
    result = translator.translate_text(
        "Open it.",
        source_lang="EN",
        target_lang="DE",
        context="A dialog about a bank account.",
        formality="more",
    )
    assert result.text == MARKER + "Open it."
    last_user = standin.requests[-1].messages[-1]["content"]
    assert "A dialog about a bank account." in last_user
    assert "formal register" in last_user
    assert last_user.endswith("Open it.")


def test_source_language_is_detected_when_omitted(translator: deepl.Translator) -> None:
    result = translator.translate_text(
        "Das ist ein ziemlich langer deutscher Satz über das Wetter.", target_lang="EN-GB"
    )
    assert result.detected_source_lang == "DE"


def test_xml_tag_handling_keeps_ignored_elements_byte_for_byte(
    translator: deepl.Translator, standin: StandIn
) -> None:
    text = 'Click <x id="12"></x> then <b>save</b>.'
    result = translator.translate_text(
        text, source_lang="EN", target_lang="FR", tag_handling="xml", ignore_tags=["x"]
    )
    assert result.text == MARKER + text


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("source", {"EN", "DE", "ZH", "PT"}), ("target", {"EN-GB", "EN-US", "PT-BR", "ZH-HANS"})],
)
def test_languages(translator: deepl.Translator, kind: str, expected: set[str]) -> None:
    langs = (
        translator.get_source_languages() if kind == "source" else translator.get_target_languages()
    )
    assert expected <= {lang.code for lang in langs}


def test_glossary_lifecycle_and_its_terms_reach_the_prompt(
    translator: deepl.Translator, standin: StandIn
) -> None:
    entries = {"fever": "fièvre", "cough": "toux"}
    glossary = translator.create_glossary("weblate:demo:en:fr", "EN", "FR", entries)
    assert (glossary.source_lang, glossary.target_lang, glossary.entry_count) == ("EN", "FR", 2)
    assert glossary.glossary_id in {g.glossary_id for g in translator.list_glossaries()}
    assert translator.get_glossary_entries(glossary) == entries
    assert translator.get_glossary(glossary.glossary_id).name == "weblate:demo:en:fr"
    assert ("en", "fr") in {
        (pair.source_lang, pair.target_lang) for pair in translator.get_glossary_languages()
    }

    translator.translate_text(
        "A dry cough at night.", source_lang="EN", target_lang="FR", glossary=glossary
    )
    assert '"cough" as "toux"' in standin.requests[0].messages[-1]["content"]

    translator.delete_glossary(glossary)
    with pytest.raises(deepl.GlossaryNotFoundException):
        translator.get_glossary(glossary.glossary_id)


def test_translate_document_through_a_job(translator: deepl.Translator, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("Wash your hands.\n\nThe patient has a fever.\n", encoding="utf-8")
    target = tmp_path / "notes.fr.txt"
    status = translator.translate_document_from_filepath(
        source, target, source_lang="EN", target_lang="FR"
    )
    assert status.done
    assert target.read_text(encoding="utf-8") == (
        f"{MARKER}Wash your hands.\n\n{EN_FR_UNITS[1][1]}\n"
    )


def test_a_documents_language_is_detected(translator: deepl.Translator, tmp_path: Path) -> None:
    source = tmp_path / "brief.txt"
    source.write_text("Bitte waschen Sie sich regelmäßig die Hände mit Seife.\n", encoding="utf-8")
    target = tmp_path / "brief.fr.txt"
    translator.translate_document_from_filepath(source, target, target_lang="FR")
    assert target.read_text(encoding="utf-8").startswith(MARKER + "Bitte waschen")


def test_a_document_key_is_required(translator: deepl.Translator, tmp_path: Path) -> None:
    handle = translator.translate_document_upload(
        b"Hello.\n", filename="a.txt", source_lang="EN", target_lang="FR"
    )
    handle_with_wrong_key = deepl.DocumentHandle(handle.document_id, "not-the-key")
    with pytest.raises(deepl.DeepLException, match="Not found"):
        translator.translate_document_get_status(handle_with_wrong_key)


def test_usage_counts_characters(translator: deepl.Translator) -> None:
    before = translator.get_usage().character.count
    translator.translate_text("Twelve chars", source_lang="EN", target_lang="FR")
    usage = translator.get_usage()
    assert usage.character.count == before + len("Twelve chars")
    assert not usage.any_limit_reached


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda t: t.translate_text("Hi", source_lang="EN", target_lang="XX"),
            deepl.DeepLException,
            "Bad request.*target_lang",
        ),
        (
            lambda t: t.translate_text("Hi", source_lang="KLINGON", target_lang="FR"),
            deepl.DeepLException,
            "Bad request.*source_lang",
        ),
        (
            lambda t: t.translate_text("Hi", source_lang="EN", target_lang="FR", glossary="glo_0"),
            deepl.DeepLException,
            "Not found",
        ),
        (lambda t: t.get_glossary("glo_missing"), deepl.GlossaryNotFoundException, "not found"),
        (
            lambda t: t.translate_document_upload(
                b"%PDF-1.7", filename="a.pdf", source_lang="EN", target_lang="FR"
            ),
            deepl.DeepLException,
            "Bad request.*pdf",
        ),
        (
            lambda t: t.translate_document_upload(b"%PDF-1.7", filename="a.pdf", target_lang="FR"),
            deepl.DeepLException,
            "Bad request.*pdf",
        ),
    ],
)
def test_errors_have_deepls_statuses(
    translator: deepl.Translator, call: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(translator)  # type: ignore[operator]


WEBLATE_REQUEST = {  # weblate/machinery/deepl.py download_multiple_translations
    "text": ['Hello <x id="7"></x>!', "Save the file before closing."],
    "source_lang": "EN",
    "target_lang": "FR",
    "formality": "default",
    "tag_handling": "xml",
    "ignore_tags": ["x"],
}


def test_weblates_request_as_it_sends_it(service: Served, standin: StandIn) -> None:
    response = httpx.post(
        f"{service.url}/v2/translate",
        json=WEBLATE_REQUEST,
        headers={"Authorization": "DeepL-Auth-Key key:fx"},
    )
    assert response.status_code == 200, response.text
    assert [t["text"] for t in response.json()["translations"]] == [
        MARKER + 'Hello <x id="7"></x>!',
        EN_FR_UNITS[0][1],
    ]


def test_form_body_with_repeated_text_and_legacy_auth_key(
    service: Served, standin: StandIn
) -> None:
    response = httpx.post(
        f"{service.url}/v2/translate",
        data={"auth_key": "k", "text": ["One.", "Two."], "target_lang": "FR", "source_lang": "EN"},
    )
    assert response.status_code == 200, response.text
    assert [t["text"] for t in response.json()["translations"]] == [
        MARKER + "One.",
        MARKER + "Two.",
    ]


def test_invalid_glossary_entries_are_a_400_and_create_nothing(service: Served) -> None:
    glossaries = httpx.get(f"{service.url}/v2/glossaries").json()["glossaries"]
    body = {"name": "broken", "source_lang": "en", "target_lang": "fr", "entries": "a\tb\nfever\n"}
    response = httpx.post(f"{service.url}/v2/glossaries", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Invalid glossary entries: line 2 needs source and target"
    }
    assert httpx.get(f"{service.url}/v2/glossaries").json()["glossaries"] == glossaries


def test_missing_text_is_a_400_in_deepls_shape(service: Served) -> None:
    response = httpx.post(f"{service.url}/v2/translate", json={"target_lang": "FR"})
    assert response.status_code == 400
    assert response.json() == {"message": "Parameter 'text' not specified."}


@pytest.fixture(scope="module")
def limited(server: StandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A service with keys and a 20-character monthly limit."""
    settings = settings_for(
        tmp_path_factory.mktemp("limited"), server.base_url, compat_character_limit=20
    )
    served = Served(create_app(settings), settings)
    yield served
    served.stop()


def test_quota_is_456_and_a_wrong_key_403(limited: Served, standin: StandIn) -> None:
    import asyncio

    from tm.store import open_store

    async def make_key() -> str:
        assert limited.settings is not None
        async with open_store(limited.settings.database_url) as store:
            return (await store.create_key("acme"))[1]

    key = asyncio.run(make_key())
    translator = deepl.Translator(key, server_url=limited.url)
    assert translator.translate_text("Fifteen chars..", source_lang="EN", target_lang="FR")
    with pytest.raises(deepl.QuotaExceededException):
        translator.translate_text("Ten chars.", source_lang="EN", target_lang="FR")
    usage = translator.get_usage()
    assert (usage.character.count, usage.character.limit) == (15, 20)
    wrong = deepl.Translator("not-a-key", server_url=limited.url)
    with pytest.raises(deepl.AuthorizationException):
        wrong.translate_text("Hi", source_lang="EN", target_lang="FR")


def test_a_model_failure_is_a_500_in_deepls_shape(service: Served, standin: StandIn) -> None:
    standin.add_reply("Explode", 400)
    response = httpx.post(
        f"{service.url}/v2/translate",
        json={"text": ["Explode."], "source_lang": "EN", "target_lang": "FR"},
    )
    assert response.status_code == 500
    assert set(response.json()) == {"message"} and "answered 400" in response.json()["message"]
