"""Weblate's webhook events, signed by the `standardwebhooks` reference library, into memory."""

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.service.compat.conftest import WEBHOOK, WEBHOOK_SECRET
from tests.service.conftest import Served


def weblate_event(change_id: int, source: str, target: str, old: str | None = None) -> dict:
    """A payload as weblate/addons/webhooks.py builds it (validated by weblate-schemas)."""
    event: dict[str, object] = {
        "change_id": change_id,
        "action": "Translation changed",
        "timestamp": "2026-12-01T10:00:00.000000+00:00",
        "target": [target],
        "source": [source],
        "url": f"https://weblate.example/translate/docs/guide/fr/?checksum={change_id:x}",
        "author": "marie",
        "user": "marie",
        "project": "docs",
        "component": "guide",
        "translation": "fr",
    }
    if old is not None:
        event["old"] = [old]
    return event


def post(
    service: Served,
    payload: dict,
    *,
    webhook_id: str,
    sent: float | None = None,
    secret: str = WEBHOOK_SECRET,
    name: str = WEBHOOK,
) -> httpx.Response:
    """Sign and send the way Weblate does: float timestamp header, json.dumps body."""
    moment = time.time() if sent is None else sent
    body = json.dumps(payload)
    signature = Webhook(secret).sign(webhook_id, datetime.fromtimestamp(moment, tz=UTC), body)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(moment),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return httpx.post(f"{service.url}/webhooks/weblate/{name}", content=body, headers=headers)


def test_a_changed_translation_becomes_a_correction_in_the_memory(
    service: Served, memory_id: str
) -> None:
    source = "Select the printer you want to use."
    event = weblate_event(101, source, "Sélectionnez l'imprimante à utiliser.", old="Choisir.")
    response = post(service, event, webhook_id="msg_101")
    assert response.status_code == 200, response.text
    assert response.json()["stored"] is True and response.json()["memory"] == memory_id
    matches = httpx.get(
        f"{service.url}/v1/memories/{memory_id}/matches",
        params={"source": source, "source_lang": "en", "target_lang": "fr"},
    ).json()
    assert matches["matches"][0]["score"] == 100
    assert matches["matches"][0]["target"] == "Sélectionnez l'imprimante à utiliser."
    stats = httpx.get(f"{service.url}/v1/memories/{memory_id}/stats").json()
    assert stats["edits"] >= 1


def test_other_events_are_acknowledged_and_ignored(service: Served) -> None:
    event = weblate_event(102, "a", "b") | {"action": "Comment added"}
    response = post(service, event, webhook_id="msg_102")
    assert response.status_code == 200
    assert response.json()["stored"] is False


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"secret": "whsec_" + "QUJD" * 8}, 401, "no webhook-signature matches"),
        ({"sent": time.time() - 3600}, 401, "tolerance is 300 s"),
        ({"sent": time.time() + 3600}, 401, "tolerance is 300 s"),
        ({"name": "nobody"}, 404, "no webhook 'nobody'"),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(
    service: Served, memory_id: str, change: dict, status: int, message: str
) -> None:
    source = f"Refused {status} {message}"
    response = post(service, weblate_event(103, source, "x"), webhook_id="msg_bad", **change)
    assert response.status_code == status
    assert message in response.json()["error"]["message"]
    matches = httpx.get(
        f"{service.url}/v1/memories/{memory_id}/matches",
        params={"source": source, "source_lang": "en", "target_lang": "fr", "min_score": 100},
    ).json()
    assert matches["matches"] == []


def test_a_replay_is_refused(service: Served) -> None:
    event = weblate_event(104, "Print the page.", "Imprimez la page.")
    assert post(service, event, webhook_id="msg_104").status_code == 200
    replay = post(service, event, webhook_id="msg_104")
    assert replay.status_code == 401
    assert "already received" in replay.json()["error"]["message"]


def test_missing_headers_and_a_body_that_is_not_an_event(service: Served) -> None:
    bare = httpx.post(f"{service.url}/webhooks/weblate/{WEBHOOK}", json={"action": "x"})
    assert bare.status_code == 401
    not_event = post(service, {"hello": "world"}, webhook_id="msg_105")
    assert not_event.status_code == 422
