"""What routes depend on: the app's services and the caller's tenant, as `Annotated` aliases."""

import math
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.errors import Unauthorized
from service.jobs import JobRunner
from service.llm import LLMClient
from service.metrics import Metrics
from service.pipeline import Translator
from service.settings import Settings
from tm.models import DEFAULT_TENANT
from tm.store import Store

KEYS_RECHECK_S = 1.0
"""A server without keys notices the first key created (by `adaptmt keys create`) this fast;
once keys exist, every request needs one."""


@dataclass(slots=True)
class _KeysSeen:
    """Whether the store has API keys, asked at most every KEYS_RECHECK_S."""

    present: bool = False
    checked_at: float = -math.inf

    async def any(self, store: Store) -> bool:
        now = time.monotonic()
        if not self.present and now - self.checked_at > KEYS_RECHECK_S:
            # marked first: the requests arriving during the check answer from the last one
            # instead of each asking the store
            self.checked_at = now
            self.present = await store.count_keys() > 0
        return self.present


@dataclass(slots=True)
class Services:
    """What the routes need, made once per app."""

    settings: Settings
    store: Store
    llm: LLMClient
    translator: Translator
    metrics: Metrics
    runner: JobRunner | None = None  # document jobs; started with the app
    keys_seen: _KeysSeen = field(default_factory=_KeysSeen)


_bearer = HTTPBearer(
    auto_error=False,
    description="An adaptmt API key (`adaptmt keys create --tenant NAME`). Not needed on a "
    "server that has no keys: it serves one local tenant.",
)


async def _services(request: Request) -> Services:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


async def _runner(services: ServicesDep) -> JobRunner:
    assert services.runner is not None, "the job runner starts with the app"
    return services.runner


RunnerDep = Annotated[JobRunner, Depends(_runner)]


async def _tenant(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The tenant of the request's API key; the local tenant on a server without keys."""
    if credentials is None:
        if not await services.keys_seen.any(services.store):
            return DEFAULT_TENANT
        raise Unauthorized(
            "this server requires an API key: send `Authorization: Bearer <key>`; an "
            "administrator creates one with `adaptmt keys create --tenant NAME`"
        )
    key = await services.store.find_key(credentials.credentials)
    if key is None:
        raise Unauthorized("the API key is unknown or was revoked")
    return key.tenant


TenantDep = Annotated[str, Depends(_tenant)]
