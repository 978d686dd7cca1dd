"""API keys and tenants: keys made by the CLI, checked by the HTTP API."""

from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from eval.standin import StandIn
from service.app import create_app
from service.cli import app as cli
from tests.service.conftest import Served, settings_for


@pytest.fixture(scope="module")
def keyed(
    server: StandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, str, str]]:
    """A service whose database has keys for two tenants, created with `adaptmt keys create`."""
    tmp = tmp_path_factory.mktemp("keys")
    settings = settings_for(tmp, server.base_url)
    env = {"ADAPTMT_DATABASE_URL": settings.database_url}
    runner = CliRunner()
    keys = []
    for tenant in ("acme", "globex"):
        result = runner.invoke(cli, ["keys", "create", "--tenant", tenant], env=env)
        assert result.exit_code == 0, result.output
        keys.append(result.stdout.strip())
    served = Served(create_app(settings), settings)
    yield served, keys[0], keys[1]
    served.stop()


def _client(served: Served, key: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=served.url, headers=headers, timeout=30)


def test_keys_are_printed_once_and_look_like_keys(keyed: tuple[Served, str, str]) -> None:
    _, acme, globex = keyed
    assert acme.startswith("amt_") and len(acme) > 40 and acme != globex


@pytest.mark.parametrize("key", [None, "amt_not-a-real-key", ""])
def test_a_server_with_keys_refuses_requests_without_a_valid_one(
    keyed: tuple[Served, str, str], key: str | None
) -> None:
    with _client(keyed[0], key) as api:
        response = api.get("/v1/memories")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


def test_another_tenants_memory_is_invisible(keyed: tuple[Served, str, str]) -> None:
    served, acme, globex = keyed
    with _client(served, acme) as alice, _client(served, globex) as bob:
        memory = alice.post("/v1/memories", json={"name": "acme-only"}).json()["id"]
        unit = {"source": "Hi.", "target": "Salut.", "source_lang": "en", "target_lang": "fr"}
        alice.post(f"/v1/memories/{memory}/units", json=unit)

        assert bob.get(f"/v1/memories/{memory}").status_code == 404
        assert bob.get("/v1/memories").json()["memories"] == []
        assert bob.post(f"/v1/memories/{memory}/units", json=unit).status_code == 404
        translated = bob.post(
            "/v1/translate",
            json={
                "source_lang": "en",
                "target_lang": "fr",
                "segments": ["Hi."],
                "memories": [memory],
            },
        )
        assert translated.json()["error"]["code"] == "unknown_memory"
        assert bob.post("/v1/memories", json={"name": "acme-only"}).status_code == 201
        assert alice.get(f"/v1/memories/{memory}").json()["unit_count"] == 1


def test_health_probes_need_no_key(keyed: tuple[Served, str, str]) -> None:
    with _client(keyed[0], None) as anonymous:
        assert anonymous.get("/healthz").status_code == 200
        assert anonymous.get("/readyz").status_code == 200


def test_a_revoked_key_is_refused_at_once(keyed: tuple[Served, str, str]) -> None:
    served = keyed[0]
    assert served.settings is not None
    runner = CliRunner()
    env = {"ADAPTMT_DATABASE_URL": served.settings.database_url}
    created = runner.invoke(cli, ["keys", "create", "--tenant", "temp"], env=env).stdout.strip()
    listed = runner.invoke(cli, ["keys", "list", "--tenant", "temp"], env=env).stdout
    key_id = listed.split("\t")[0]

    with _client(served, created) as api:
        assert api.get("/v1/memories").status_code == 200
        assert runner.invoke(cli, ["keys", "revoke", key_id], env=env).exit_code == 0
        assert api.get("/v1/memories").status_code == 401
