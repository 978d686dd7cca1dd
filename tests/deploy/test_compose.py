"""docker-compose.yml, read without a container engine: the services, their wiring, the GPU,
the volumes, and the variables it reads (all documented in .env.example)."""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from compose_spec import PyCompose

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
SETTINGS_ENV = {f"ADAPTMT_{name.upper()}" for name in Settings.model_fields}
VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?-([^}]*))?\}")
"""A compose interpolation, `${NAME}`, `${NAME:-default}` or `${NAME-default}`."""
SERVICE_KEYS = {
    "image",
    "build",
    "command",
    "environment",
    "volumes",
    "ports",
    "depends_on",
    "deploy",
    "healthcheck",
    "ipc",
    "restart",
}
"""Keys the services may use; anything else is a typo (docker compose would refuse it)."""
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def _specified(text: str) -> PyCompose:
    """The file after interpolation with its defaults, checked against the Compose spec."""
    interpolated = VARIABLE.sub(lambda m: m.group(2) or "", text)
    data = yaml.safe_load(interpolated)  # resolves the `<<:` merges, as docker compose does
    data = {k: v for k, v in data.items() if not k.startswith("x-")}  # anchors only
    compose = PyCompose.from_json(json.dumps(data))
    compose.validate()
    return compose


def test_the_file_follows_the_compose_specification() -> None:
    compose = _specified((ROOT / "docker-compose.yml").read_text())
    assert sorted(compose.service_names()) == ["adaptmt", "migrate", "postgres", "vllm"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("condition: service_healthy", "condition: service_ready"),
        ("count: all", "count: most"),
        ("    ipc: host", "    ipx: host"),
    ],
)
def test_the_specification_check_refuses_a_broken_file(old: str, new: str) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert old in text
    with pytest.raises(ValueError):
        _specified(text.replace(old, new, 1))


def _flag(command: list[str], name: str) -> str:
    values = [part.split("=", 1)[1] for part in command if part.startswith(f"--{name}=")]
    assert len(values) == 1, (name, command)
    return values[0]


def test_the_services_use_only_known_keys() -> None:
    assert set(SERVICES) == {"vllm", "postgres", "migrate", "adaptmt"}
    for name, service in SERVICES.items():
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)
        assert "image" in service or "build" in service


def test_vllm_serves_the_model_named_by_a_variable_on_a_gpu_with_a_cache() -> None:
    vllm = SERVICES["vllm"]
    devices = vllm["deploy"]["resources"]["reservations"]["devices"]

    assert vllm["image"].startswith("vllm/vllm-openai:")
    assert _flag(vllm["command"], "model").startswith("${ADAPTMT_MODEL")
    assert devices == [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]
    cache, _ = vllm["volumes"][0].split(":", 1)
    assert vllm["volumes"][0].endswith(":/root/.cache/huggingface") and cache in COMPOSE["volumes"]
    assert "/health" in " ".join(vllm["healthcheck"]["test"])


def test_the_service_reaches_vllm_by_its_served_name_and_port() -> None:
    vllm, env = SERVICES["vllm"], SERVICES["adaptmt"]["environment"]
    url = urlsplit(env["ADAPTMT_LLM_URL"])

    assert (url.hostname, str(url.port), url.path) == (
        "vllm",
        _flag(vllm["command"], "port"),
        "/v1",
    )
    assert env["ADAPTMT_LLM_MODEL"] == _flag(vllm["command"], "served-model-name")


def test_the_service_and_the_migration_use_the_postgres_service() -> None:
    postgres = SERVICES["postgres"]["environment"]
    for name in ("migrate", "adaptmt"):
        url = urlsplit(SERVICES[name]["environment"]["ADAPTMT_DATABASE_URL"])
        assert (url.scheme, url.hostname, url.port) == ("postgresql", "postgres", 5432)
        assert (url.username, url.path) == (
            postgres["POSTGRES_USER"],
            f"/{postgres['POSTGRES_DB']}",
        )
        assert url.password == postgres["POSTGRES_PASSWORD"]
    data, _ = SERVICES["postgres"]["volumes"][0].split(":", 1)
    assert data in COMPOSE["volumes"]
    assert "pg_isready" in SERVICES["postgres"]["healthcheck"]["test"]


@pytest.mark.parametrize(
    ("service", "needs"),
    [
        ("migrate", {"postgres": "service_healthy"}),
        (
            "adaptmt",
            {
                "postgres": "service_healthy",
                "migrate": "service_completed_successfully",
                "vllm": "service_started",
            },
        ),
    ],
)
def test_the_start_order_waits_for_the_database_and_the_migration(
    service: str, needs: dict[str, str]
) -> None:
    depends = SERVICES[service]["depends_on"]
    assert {name: d["condition"] for name, d in depends.items()} == needs
    assert {d["condition"] for d in depends.values()} <= CONDITIONS


def test_the_migration_runs_db_upgrade_with_the_image_the_service_runs() -> None:
    migrate, api = SERVICES["migrate"], SERVICES["adaptmt"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["image"] == api["image"] and migrate["build"] == api["build"] == "."
    assert migrate["restart"] == "no"


def test_the_api_is_published_on_loopback_unless_told_otherwise() -> None:
    (published,) = SERVICES["adaptmt"]["ports"]
    assert published.startswith("${ADAPTMT_PUBLISH:-127.0.0.1:") and published.endswith(":8080")


@pytest.mark.parametrize("service", ["migrate", "adaptmt"])
def test_every_adaptmt_variable_is_a_setting(service: str) -> None:
    named = {k for k in SERVICES[service]["environment"] if k.startswith("ADAPTMT_")}
    assert named <= SETTINGS_ENV, named - SETTINGS_ENV


def test_every_variable_the_file_reads_is_documented_in_the_env_example() -> None:
    used = {m.group(1) for m in VARIABLE.finditer((ROOT / "docker-compose.yml").read_text())}
    example = (ROOT / ".env.example").read_text()
    documented = {
        line.split("=")[0] for line in example.splitlines() if re.match(r"[A-Z_]+=", line)
    }

    assert used == documented
    assert not used & SETTINGS_ENV  # a compose variable must not change adaptmt's own settings
