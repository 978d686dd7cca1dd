"""`POST /webhooks/weblate/{name}`: Weblate's translation events become memory corrections.

Weblate's Webhook add-on signs each event the Standard Webhooks way; `ADAPTMT_WEBHOOKS`
names each receiver with its `whsec_` secret, tenant, memory and source language. A
request with a bad signature, a timestamp outside `ADAPTMT_WEBHOOK_TOLERANCE_S` or an id
already received is refused (401) and changes nothing; events other than translations are
acknowledged and ignored.
"""

import json
from typing import Any

from fastapi import APIRouter, Request

from service.adaptation import add_unit
from service.compat.webhooks import confirmed_translation, secret_bytes, verify
from service.deps import ServicesDep
from service.errors import WebhookPayloadInvalid
from service.protocol import ErrorResponse
from service.routers.compat_common import CompatDep
from tm.errors import NotFound
from tm.langs import normalize_tag
from tm.models import Origin, TranslationUnit

router = APIRouter(
    prefix="/webhooks",
    tags=["webhooks"],
    responses={
        401: {"model": ErrorResponse, "description": "Bad signature, stale or replayed."},
        404: {"model": ErrorResponse, "description": "No webhook of that name."},
        422: {"model": ErrorResponse, "description": "Not a Weblate change event."},
    },
)


@router.post("/weblate/{name}")
async def weblate(
    name: str, request: Request, services: ServicesDep, compat: CompatDep
) -> dict[str, Any]:
    """Store the translation of a signed Weblate event (new, changed, approved...) in the memory.

    The text it replaced (`old`) is recorded as the proposal it started from, so the
    memory's post-editing statistics count it. Answers what was done.
    """
    config = services.settings.webhooks.get(name)
    if config is None:
        raise NotFound(f"no webhook {name!r}; configure it in ADAPTMT_WEBHOOKS")
    body = await request.body()
    verify(
        secret_bytes(config.secret.get_secret_value()),
        {key.lower(): value for key, value in request.headers.items()},
        body,
        tolerance_s=services.settings.webhook_tolerance_s,
        guard=compat.replays,
        scope=name,
    )
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookPayloadInvalid("the body is not JSON") from None
    confirmed = confirmed_translation(payload)
    if confirmed is None:
        return {"stored": False, "reason": f"{payload['action']!r} carries no translation"}
    memory_id = (await compat.resolve_memories([config.memory], config.tenant))[0]
    unit = TranslationUnit(
        source=confirmed.source,
        target=confirmed.target,
        source_lang=normalize_tag(config.source_lang),
        target_lang=normalize_tag(confirmed.target_lang),
        tuid=confirmed.tuid,
        origin=Origin.CONFIRMED,
    )
    adapted = await add_unit(
        services.store, memory_id, unit, proposal=confirmed.previous, tenant=config.tenant
    )
    return {
        "stored": True,
        "memory": memory_id,
        "unit_id": adapted.unit.id if adapted.unit else None,
        "edit_distance": adapted.edit_distance,
    }
