"""`POST /v1/translate` end to end: real HTTP, a real SQLite store, the stand-in as the LLM."""

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eval.standin import MARKER, StandIn
from service.app import create_app
from tests.service.conftest import Served, settings_for

EN_FR = {"source_lang": "en", "target_lang": "fr"}


def _memory(api: httpx.Client, name: str, pairs: list[tuple[str, str]]) -> str:
    memory_id = api.post("/v1/memories", json={"name": name}).json()["id"]
    for source, target in pairs:
        unit = {"source": source, "target": target, **EN_FR}
        assert api.post(f"/v1/memories/{memory_id}/units", json=unit).status_code == 201
    return memory_id


def _glossary(api: httpx.Client, name: str, terms: dict[str, str]) -> str:
    glossary_id = api.post("/v1/glossaries", json={"name": name, **EN_FR}).json()["id"]
    entries = [{"source": s, "targets": [t]} for s, t in terms.items()]
    response = api.post(f"/v1/glossaries/{glossary_id}/entries", json={"entries": entries})
    assert response.status_code == 200, response.text
    return glossary_id


def _translate(api: httpx.Client, segments: list[str], **fields: object) -> httpx.Response:
    return api.post("/v1/translate", json={**EN_FR, "segments": segments, **fields})


@pytest.fixture(scope="module")
def patient_memory(service: Served) -> str:
    with httpx.Client(base_url=service.url) as api:
        return _memory(
            api,
            "patients",
            [
                ("The doctor has a fever today.", "Le médecin a de la fièvre aujourd'hui."),
                ("The patient has a cough.", "Le patient tousse."),
                ("The patient has a fever.", "Le patient a de la fièvre."),
                ("Wash your hands.", "Lavez-vous les mains."),
            ],
        )


def test_the_prompt_has_the_matches_least_similar_first_then_the_terms_then_the_source(
    api: httpx.Client, standin: StandIn, patient_memory: str
) -> None:
    glossary = _glossary(api, "fever-terms", {"high fever": "forte fièvre"})
    standin.add_reply("high fever", "Le patient a une forte fièvre.")

    response = _translate(
        api, ["The patient has a high fever."], memories=[patient_memory], glossaries=[glossary]
    )

    assert response.status_code == 200, response.text
    segment = response.json()["segments"][0]
    assert (segment["origin"], segment["text"]) == ("llm", "Le patient a une forte fièvre.")
    messages = standin.requests[-1].messages
    assert messages[0]["role"] == "system" and "French" in messages[0]["content"]
    shown = [m["content"] for m in messages if m["role"] == "assistant"]
    scores = {m["target"]: m["score"] for m in segment["matches"]}
    assert shown == sorted(shown, key=scores.__getitem__)  # ascending similarity
    assert shown[-1] == "Le patient a de la fièvre."  # the most similar right before the source
    last = messages[-1]["content"]
    assert '"high fever"' in last and "forte fièvre" in last
    assert last.rstrip().endswith("The patient has a high fever.")
    assert segment["terms"] == [
        {
            "source": "high fever",
            "term": "high fever",
            "targets": ["forte fièvre"],
            "status": "present",
            "found": "forte fièvre",
        }
    ]


def test_a_draft_missing_a_term_gets_exactly_one_post_edit_that_adds_it(
    api: httpx.Client, standin: StandIn
) -> None:
    glossary = _glossary(api, "ape-terms", {"contact tracing": "recherche des contacts"})
    standin.add_reply(
        "Contact tracing",
        ["Le traçage des contacts commence.", "La recherche des contacts commence."],
    )

    response = _translate(api, ["Contact tracing starts now."], glossaries=[glossary])

    segment = response.json()["segments"][0]
    assert len(standin.requests) == 2
    ape_prompt = standin.requests[1].messages[-1]["content"]
    assert "Le traçage des contacts commence." in ape_prompt
    assert '"contact tracing" must be translated as "recherche des contacts"' in ape_prompt
    assert segment["origin"] == "llm+ape"
    assert segment["text"] == "La recherche des contacts commence."
    assert [t["status"] for t in segment["terms"]] == ["present"]
    assert segment["llm_calls"] == 2
    assert response.json()["stats"]["ape"] == 1


def test_a_post_edit_that_fixes_nothing_keeps_the_draft(
    api: httpx.Client, standin: StandIn
) -> None:
    glossary = _glossary(api, "ape-fails", {"lockdown": "confinement"})
    standin.add_reply("lockdown", ["Le verrouillage est levé.", "Le bouclage est levé."])

    segment = _translate(api, ["The lockdown is over."], glossaries=[glossary]).json()["segments"][
        0
    ]

    assert (segment["origin"], segment["text"]) == ("llm", "Le verrouillage est levé.")
    assert [t["status"] for t in segment["terms"]] == ["missing"]
    assert any(issue["code"] == "term" for issue in segment["issues"])


def test_ape_can_be_turned_off_per_request(api: httpx.Client, standin: StandIn) -> None:
    glossary = _glossary(api, "no-ape", {"vaccine": "vaccin"})
    standin.add_reply("vaccine", "Le sérum est prêt.")

    response = _translate(
        api, ["The vaccine is ready."], glossaries=[glossary], options={"ape": False}
    )

    assert len(standin.requests) == 1
    assert response.json()["segments"][0]["terms"][0]["status"] == "missing"


def test_an_exact_match_is_reused_without_calling_the_llm(
    api: httpx.Client, standin: StandIn, patient_memory: str
) -> None:
    response = _translate(api, ["The patient has a cough."], memories=[patient_memory])

    segment = response.json()["segments"][0]
    assert (segment["origin"], segment["text"]) == ("tm", "Le patient tousse.")
    assert segment["matches"][0]["score"] == 100
    assert standin.requests == []


def test_a_correction_is_used_by_the_very_next_request(api: httpx.Client, standin: StandIn) -> None:
    memory = _memory(api, "adaptive", [])
    source = "Stay at home if you feel unwell."
    proposal = _translate(api, [source], memories=[memory]).json()["segments"][0]["text"]
    assert proposal == MARKER + source

    corrected = "Restez chez vous si vous ne vous sentez pas bien."
    posted = api.post(
        f"/v1/memories/{memory}/units",
        json={"source": source, "target": corrected, "proposal": proposal, **EN_FR},
    )
    assert posted.status_code == 201
    assert posted.json()["unit"]["origin"] == "correction"
    assert posted.json()["edit_distance"] > 0.5

    standin.reset()
    again = _translate(api, [source, "Stay at home if you feel sick."], memories=[memory])
    exact, similar = again.json()["segments"]
    assert (exact["origin"], exact["text"]) == ("tm", corrected)
    assert similar["origin"] == "llm"
    assert [m["target"] for m in similar["matches"]] == [corrected]
    assert corrected in [m["content"] for m in standin.requests[-1].messages]

    stats = api.get(f"/v1/memories/{memory}/stats").json()
    assert (stats["edits"], stats["unchanged_share"]) == (1, 0.0)
    assert stats["mean_distance"] == posted.json()["edit_distance"]


def test_inline_tags_and_placeholders_are_masked_for_the_model_and_restored(
    api: httpx.Client, standin: StandIn
) -> None:
    source = 'Click <b>Save</b> to keep {0} files in <x id="1"/> %s.'

    segment = _translate(api, [source]).json()["segments"][0]

    sent = standin.requests[-1].messages[-1]["content"]
    assert "<b>" not in sent and "{0}" not in sent and "%s" not in sent
    assert "<t1>Save</t1>" in sent and "<t2/>" in sent
    assert segment["text"] == MARKER + source
    assert segment["issues"] == []


def test_identical_segments_of_a_request_are_translated_once(
    api: httpx.Client, standin: StandIn
) -> None:
    response = _translate(api, ["Keep your distance.", "Wear a mask.", "Keep your distance."])

    texts = [s["text"] for s in response.json()["segments"]]
    assert texts == [MARKER + "Keep your distance.", MARKER + "Wear a mask.", texts[0]]
    assert len(standin.requests) == 2


def test_a_prompt_too_long_for_the_model_is_retried_with_fewer_examples(
    api: httpx.Client, standin: StandIn
) -> None:
    pairs = [
        (f"The patient in room {n} has a fever and a cough.", f"Le patient {n} a de la fièvre.")
        for n in range(1, 6)
    ]
    memory = _memory(api, "context", pairs)
    standin.max_context_tokens = 260

    response = _translate(
        api, ["The patient in room 9 has a fever and a cough."], memories=[memory]
    )

    segment = response.json()["segments"][0]
    assert segment["origin"] == "llm", segment
    first, last = standin.requests[0].messages, standin.requests[-1].messages
    assert len(last) < len(first)
    assert len(segment["matches"]) == (len(last) - 2) // 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"source_lang": "xx-notalang-42", "target_lang": "fr"}, 422, "invalid_language"),
        ({"source_lang": "en", "target_lang": "EN"}, 422, "invalid_language"),
        ({**EN_FR, "memories": ["no-such-memory"]}, 404, "unknown_memory"),
        ({**EN_FR, "glossaries": ["no-such-glossary"]}, 404, "unknown_glossary"),
        ({**EN_FR, "segments": ["x"] * 300}, 413, "request_too_large"),
        ({**EN_FR, "segments": ["x" * 10_001]}, 413, "request_too_large"),
        ({**EN_FR, "segments": []}, 422, "invalid_request"),
        ({**EN_FR, "options": {"max_examples": 99}}, 422, "invalid_request"),
        ({**EN_FR, "surprise": 1}, 422, "invalid_request"),
    ],
)
def test_bad_requests_get_a_precise_error(
    api: httpx.Client, standin: StandIn, body: dict[str, object], status: int, code: str
) -> None:
    response = api.post("/v1/translate", json={"segments": ["Hello."], **body})

    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (code, status)
    assert error["message"]
    assert standin.requests == []


def test_a_glossary_of_another_language_pair_is_refused(api: httpx.Client) -> None:
    created = api.post(
        "/v1/glossaries", json={"name": "de", "source_lang": "en", "target_lang": "de"}
    )

    response = _translate(api, ["Hello."], glossaries=[created.json()["id"]])

    assert response.status_code == 422
    assert "en -> de" in response.json()["error"]["message"]


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def dead_llm_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"http://127.0.0.1:{_dead_port()}/v1"
    settings = settings_for(tmp_path_factory.mktemp("dead"), url, llm_model="some-model")
    served = Served(create_app(settings))
    yield served
    served.stop()


def test_with_no_llm_tm_matches_are_served_and_other_segments_say_how_to_start_vllm(
    dead_llm_service: Served,
) -> None:
    with httpx.Client(base_url=dead_llm_service.url, timeout=30) as api:
        memory = _memory(api, "offline", [("Wash your hands.", "Lavez-vous les mains.")])

        mixed = _translate(api, ["Wash your hands.", "Open the window."], memories=[memory])
        only_llm = _translate(api, ["Open the window."], memories=[memory])
        ready = api.get("/readyz")

    assert mixed.status_code == 200
    reused, failed = mixed.json()["segments"]
    assert (reused["origin"], reused["text"]) == ("tm", "Lavez-vous les mains.")
    assert (failed["text"], failed["error"]["code"]) == (None, "llm_unavailable")
    assert "vllm serve" in failed["error"]["message"]
    assert dead_llm_service.url not in failed["error"]["message"]  # it names the LLM's URL
    assert "/v1/chat/completions" in failed["error"]["message"]
    assert mixed.json()["stats"]["failed"] == 1

    assert only_llm.status_code == 503
    assert only_llm.json()["error"]["code"] == "llm_unavailable"
    assert "vllm serve" in only_llm.json()["error"]["message"]

    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["store"]["ok"] and not checks["llm"]["ok"]
    assert "vllm serve" in checks["llm"]["detail"]


def test_a_slow_llm_times_out_with_a_clear_error(tmp_path: Path, standin: StandIn) -> None:
    standin.hang_next(4, seconds=3)
    served = Served(create_app(settings_for(tmp_path, standin.base_url, llm_timeout_s=0.3)))
    try:
        with httpx.Client(base_url=served.url, timeout=30) as api:
            response = _translate(api, ["This will take too long."])
    finally:
        served.stop()

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "llm_timeout"
    assert "timed out" in response.json()["error"]["message"]


def test_a_failed_post_edit_keeps_the_draft_and_says_so(
    api: httpx.Client, standin: StandIn
) -> None:
    glossary = _glossary(api, "ape-down", {"curfew": "couvre-feu"})
    standin.add_reply("curfew", ["Le confinement nocturne commence.", 503])

    segment = _translate(api, ["The curfew starts."], glossaries=[glossary]).json()["segments"][0]

    assert (segment["origin"], segment["text"]) == ("llm", "Le confinement nocturne commence.")
    assert segment["error"] is None
    codes = [issue["code"] for issue in segment["issues"]]
    assert "term" in codes and "ape_failed" in codes
