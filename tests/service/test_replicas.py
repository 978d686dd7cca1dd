"""Two service replicas, each with its own store, on one database: what one learns, both use."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eval.standin import MARKER, StandIn
from service.app import create_app
from tests.databases import BACKENDS, database_url
from tests.service.conftest import Served, settings_for

EN_FR = {"source_lang": "en", "target_lang": "fr"}


@pytest.fixture(params=BACKENDS)
def replicas(
    request: pytest.FixtureRequest, standin: StandIn, tmp_path: Path
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of two app instances with separate stores over one new database."""
    with database_url(str(request.param), tmp_path) as url:
        settings = settings_for(tmp_path, standin.base_url, database_url=url)
        first, second = Served(create_app(settings)), Served(create_app(settings))
        try:
            with (
                httpx.Client(base_url=first.url, timeout=30) as a,
                httpx.Client(base_url=second.url, timeout=30) as b,
            ):
                yield a, b
        finally:
            first.stop()
            second.stop()


def _translate(api: httpx.Client, source: str, memory: str) -> dict[str, object]:
    response = api.post("/v1/translate", json={**EN_FR, "segments": [source], "memories": [memory]})
    assert response.status_code == 200, response.text
    segment: dict[str, object] = response.json()["segments"][0]
    return segment


def test_a_correction_posted_to_one_replica_is_used_by_the_others_next_request(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = replicas
    memory = a.post("/v1/memories", json={"name": "shared"}).json()["id"]
    source = "Stay at home if you feel unwell."
    first = _translate(b, source, memory)  # replica b loads its index of the memory
    assert (first["origin"], first["text"]) == ("llm", MARKER + source)

    corrected = "Restez chez vous si vous ne vous sentez pas bien."
    unit = {"source": source, "target": corrected, "proposal": first["text"], **EN_FR}
    posted = a.post(f"/v1/memories/{memory}/units", json=unit)
    assert posted.status_code == 201

    again = _translate(b, source, memory)
    assert (again["origin"], again["text"]) == ("tm", corrected)
    deleted = a.delete(f"/v1/memories/{memory}/units/{posted.json()['unit']['id']}")
    assert deleted.status_code == 204
    assert _translate(b, source, memory)["origin"] == "llm"
    assert b.get(f"/v1/memories/{memory}/stats").json()["edits"] == 1
