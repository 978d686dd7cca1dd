"""A service configured for the compatible APIs: default memories, a webhook, on loopback."""

import base64
from collections.abc import Iterator

import httpx
import pytest

from eval.standin import StandIn
from service.app import create_app
from tests.service.conftest import Served, settings_for

COMPAT_MEMORY = "compat-tm"
"""The memory (by name) the local tenant's compatible-API requests use."""
WEBHOOK = "weblate-docs"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"adaptmt webhook test secret 32b").decode()
EN_FR_UNITS = [
    ("Save the file before closing.", "Enregistrez le fichier avant de fermer."),
    ("The patient has a fever.", "Le patient a de la fièvre."),
]


@pytest.fixture(scope="module")
def service(
    server: StandIn, database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The module's service: the local tenant's compatible requests use COMPAT_MEMORY."""
    settings = settings_for(
        tmp_path_factory.mktemp("compat"),
        server.base_url,
        database_url=database,
        compat_memories={"local": [COMPAT_MEMORY]},
        webhooks={
            WEBHOOK: {
                "secret": WEBHOOK_SECRET,
                "tenant": "local",
                "memory": COMPAT_MEMORY,
                "source_lang": "en",
            }
        },
        job_poll_s=0.05,
    )
    served = Served(create_app(settings), settings)
    with httpx.Client(base_url=served.url) as api:
        memory_id = api.post("/v1/memories", json={"name": COMPAT_MEMORY}).json()["id"]
        for source, target in EN_FR_UNITS:
            unit = {"source": source, "target": target, "source_lang": "en", "target_lang": "fr"}
            assert api.post(f"/v1/memories/{memory_id}/units", json=unit).status_code == 201
    yield served
    served.stop()


@pytest.fixture(scope="module")
def memory_id(service: Served) -> str:
    """The id of COMPAT_MEMORY."""
    with httpx.Client(base_url=service.url) as api:
        found = api.get("/v1/memories").json()["memories"]
    return next(m["id"] for m in found if m["name"] == COMPAT_MEMORY)
