"""ModernMT's API under `/mmt`: translate, languages, memories and their content.

Clients take a base URL (MateCat's and Weblate's ModernMT engines: `http://HOST:8080/mmt`).
The key is the `MMT-ApiKey` header (an adaptmt key). Every answer is ModernMT's envelope,
`{"status": 200, "data": ...}` or `{"status": 4xx, "error": {"type", "message"}}`, and
`X-HTTP-Method-Override` turns the POSTs MateCat and the official clients send into the
method they mean. Memories are adaptmt memories; `context_vector` (`id:weight,...`) and
`hints` (`id,...`) pick those a translation uses (the tenant's configured ones otherwise);
a segment posted to `/memories/{id}/content` is a translator's confirmed translation and is
used by the next request (PUT with a `tuid` corrects the unit with that tuid).
"""

import gzip
import io
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from service.adaptation import add_unit
from service.compat.detect import detect
from service.compat.languages import LIBRE_CODES, from_any
from service.compat.protocol import (
    JSON_OR_FORM,
    MMTContent,
    MMTContentMany,
    MMTMemory,
    MMTTranslate,
    body_doc,
)
from service.compat.translate import Compat, CompatRequest, ImportJob
from service.deps import ServicesDep
from service.routers.compat_common import (
    CompatDep,
    Params,
    as_list,
    error_route,
    request_params,
    tenant_for,
    text_param,
    upload,
)
from tm.errors import InvalidFile, InvalidLanguage, NotFound
from tm.formats import read_memory
from tm.langs import normalize_tag
from tm.models import Memory, Origin, TranslationUnit

PREFIX = "/mmt"
OVERRIDE_HEADER = b"x-http-method-override"

_TYPES = {
    400: "ValidationException",
    401: "AuthenticationException",
    403: "ForbiddenException",
    404: "NotFoundException",
    409: "ConflictException",
    413: "ContentTooLargeException",
    415: "ValidationException",
    422: "ValidationException",
    429: "TooManyRequestsException",
    502: "ServiceException",
    503: "UnavailableException",
    504: "TimeoutException",
}
_STATUS = {415: 400, 422: 400}
_CODE_TYPE = {"quota_exceeded": "QuotaExceededException"}


def _render(status: int, code: str, message: str) -> Response:
    mmt_status = _STATUS.get(status, status)
    kind = _CODE_TYPE.get(code, _TYPES.get(mmt_status, "ServiceException"))
    return JSONResponse(
        {"status": mmt_status, "error": {"type": kind, "message": message}},
        status_code=mmt_status,
    )


router = APIRouter(prefix=PREFIX, tags=["ModernMT"], route_class=error_route(_render))


def ok(data: Any) -> dict[str, Any]:
    """ModernMT's success envelope."""
    return {"status": 200, "data": data}


class MethodOverride:
    """Pure ASGI: a POST under /mmt with `X-HTTP-Method-Override: M` is routed as method M."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            for name, value in scope.get("headers") or []:
                if name.lower() == OVERRIDE_HEADER and scope["method"] == "POST":
                    scope = dict(scope, method=value.decode("latin-1").strip().upper())
                    break
        await self.app(scope, receive, send)


async def _tenant(services: ServicesDep, request: Request) -> str:
    return await tenant_for(services, request.headers.get("mmt-apikey"))


def _memory_ids(params: Params) -> list[str] | None:
    """Memories from `context_vector` (heaviest first) or `hints`; None when neither is sent."""
    vector = text_param(params, "context_vector", required=False)
    if vector:
        weighted = []
        for part in vector.split(","):
            memory, _, weight = part.strip().partition(":")
            try:
                weighted.append((float(weight or 1), memory.strip()))
            except ValueError:
                raise InvalidFile(f"context_vector {vector!r} is not id:weight,...") from None
        return [memory for _, memory in sorted(weighted, key=lambda w: -w[0]) if memory]
    hints = [str(h) for value in as_list(params.get("hints")) for h in str(value).split(",")]
    cleaned = [hint.strip() for hint in hints if hint.strip()]
    return cleaned or None


def _memory_out(memory: Memory) -> dict[str, Any]:
    return {
        "id": memory.id,
        "name": memory.name,
        "description": memory.description,
        "creationDate": memory.created_at.isoformat() if memory.created_at else None,
    }


@router.get("/translate", openapi_extra=body_doc(MMTTranslate, *JSON_OR_FORM))
@router.post(
    "/translate",
    operation_id="mmt_translate_post",
    openapi_extra=body_doc(MMTTranslate, *JSON_OR_FORM),
)
async def translate(request: Request, services: ServicesDep, compat: CompatDep) -> dict[str, Any]:
    """Translate `q` (a string or a list) from `source` (detected when omitted) into `target`.

    `context_vector`/`hints` name the memories whose matches guide the translation;
    `priority`, `multiline`, `timeout`, `session`, `project_id` and `format` are accepted.
    """
    params = await request_params(request)
    tenant = await _tenant(services, request)
    q = params.get("q")
    texts = [str(text) for text in as_list(q)]
    if not texts:
        raise InvalidFile("missing parameter 'q'")
    target = from_any(text_param(params, "target") or "", field="target")
    source_code = text_param(params, "source", required=False)
    detected = None
    if source_code:
        source = from_any(source_code, field="source")
    else:
        found = await detect(" ".join(texts)[:2000])
        if not found:
            raise InvalidLanguage("the source language could not be detected; send source")
        detected = found[0].language
        source = normalize_tag(detected)
    memories = _memory_ids(params)
    translated = await compat.translate(
        CompatRequest(
            texts=texts,
            source_lang=source,
            target_lang=target,
            tenant=tenant,
            memories=memories,
            request_id=getattr(request.state, "request_id", None),
        )
    )
    items = []
    for text, translation in zip(texts, translated, strict=True):
        item: dict[str, Any] = {
            "translation": translation,
            "characters": len(text),
            "billedCharacters": len(text),
        }
        if detected:
            item["detectedLanguage"] = detected
        items.append(item)
    return ok(items if isinstance(q, list) else items[0])


@router.get("/translate/detect")
@router.post("/translate/detect", operation_id="mmt_detect_post")
async def detect_language(request: Request, services: ServicesDep) -> dict[str, Any]:
    """The language of `q` (one or a list), offline."""
    params = await request_params(request)
    await _tenant(services, request)
    q = params.get("q")
    items = []
    for text in [str(t) for t in as_list(q)]:
        found = await detect(text[:2000])
        language = found[0].language if found else None
        items.append({"billedCharacters": len(text), "detectedLanguage": language})
    if not items:
        raise InvalidFile("missing parameter 'q'")
    return ok(items if isinstance(q, list) else items[0])


@router.get("/languages")
@router.get("/translate/languages")
async def languages(request: Request, services: ServicesDep) -> dict[str, Any]:
    """The pairs offered: each source code with the codes it translates into."""
    await _tenant(services, request)
    return ok({code: [other for other in LIBRE_CODES if other != code] for code in LIBRE_CODES})


@router.get("/memories")
async def list_memories(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Your tenant's memories."""
    tenant = await _tenant(services, request)
    return ok([_memory_out(m) for m in await services.store.list_memories(tenant=tenant)])


@router.post("/memories", openapi_extra=body_doc(MMTMemory, *JSON_OR_FORM))
async def create_memory(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Create a memory (`name`, `description`)."""
    params = await request_params(request)
    tenant = await _tenant(services, request)
    memory = await services.store.create_memory(
        text_param(params, "name") or "",
        tenant=tenant,
        description=text_param(params, "description", required=False) or "",
    )
    return ok(_memory_out(memory))


@router.get("/memories/{memory_id}")
async def get_memory(memory_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """One memory."""
    tenant = await _tenant(services, request)
    return ok(_memory_out(await services.store.get_memory(memory_id, tenant=tenant)))


@router.delete("/memories/{memory_id}")
async def delete_memory(memory_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Delete a memory and its units; answers the memory deleted."""
    tenant = await _tenant(services, request)
    memory = await services.store.get_memory(memory_id, tenant=tenant)
    await services.store.delete_memory(memory_id, tenant=tenant)
    return ok(_memory_out(memory))


def _import_out(job: ImportJob) -> dict[str, Any]:
    return ok({"id": job.id, "memory": job.memory, "size": job.size, "progress": 1.0})


async def _add_content(
    memory_ids: list[str],
    params: Params,
    services: ServicesDep,
    compat: Compat,
    tenant: str,
    *,
    by_tuid: bool,
) -> dict[str, Any]:
    tuid = text_param(params, "tuid", required=by_tuid)
    source_lang = normalize_tag(text_param(params, "source") or "")
    target_lang = normalize_tag(text_param(params, "target") or "")
    sentence = text_param(params, "sentence") or ""
    translation = text_param(params, "translation") or ""
    for memory_id in memory_ids:
        await services.store.get_memory(memory_id, tenant=tenant)
    for memory_id in memory_ids:
        unit = TranslationUnit(
            source=sentence,
            target=translation,
            source_lang=source_lang,
            target_lang=target_lang,
            tuid=tuid,
            origin=Origin.CORRECTION if by_tuid else Origin.CONFIRMED,
        )
        await add_unit(services.store, memory_id, unit, tenant=tenant)
    return _import_out(compat.record_import(memory_ids[0], 1, tenant))


@router.post("/memories/{memory_id}/content", openapi_extra=body_doc(MMTContent, *JSON_OR_FORM))
@router.put(
    "/memories/{memory_id}/content",
    operation_id="mmt_correct_content",
    openapi_extra=body_doc(MMTContent, *JSON_OR_FORM),
)
async def memory_content(
    memory_id: str, request: Request, services: ServicesDep, compat: CompatDep
) -> dict[str, Any]:
    """Add a confirmed segment (`source`, `target`, `sentence`, `translation`, `tuid`), or with
    PUT correct the unit with that `tuid`; it is used by the very next translation."""
    params = await request_params(request)
    tenant = await _tenant(services, request)
    if "tmx" in params:
        return await _import_tmx(memory_id, params, services, compat, tenant)
    by_tuid = request.method == "PUT"
    return await _add_content([memory_id], params, services, compat, tenant, by_tuid=by_tuid)


async def _import_tmx(
    memory_id: str, params: Params, services: ServicesDep, compat: Compat, tenant: str
) -> dict[str, Any]:
    """A multipart `tmx` file (gzip when `compression=gzip`), imported atomically."""
    data, _ = await upload(params, "tmx")
    if text_param(params, "compression", required=False) == "gzip":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise InvalidFile("the tmx upload is not gzip data") from None
    await services.store.get_memory(memory_id, tenant=tenant)
    reading = read_memory(io.BytesIO(data), "tmx")
    result = await services.store.add_units(memory_id, reading, tenant=tenant)
    return _import_out(compat.record_import(memory_id, result.added + result.updated, tenant))


@router.get("/import-jobs/{job_id}")
async def import_job(
    job_id: str, request: Request, services: ServicesDep, compat: CompatDep
) -> dict[str, Any]:
    """An import's status; imports finish before they are answered, so `progress` is 1.0."""
    tenant = await _tenant(services, request)
    job = compat.imports.get(job_id)
    if job is None or job.tenant != tenant:
        raise NotFound(f"no import job {job_id!r} (they are remembered by this process only)")
    return _import_out(job)


@router.post("/memories/content", openapi_extra=body_doc(MMTContentMany, *JSON_OR_FORM))
async def memories_content(
    request: Request, services: ServicesDep, compat: CompatDep
) -> dict[str, Any]:
    """Add a confirmed segment to several memories (`memories=id1,id2`), as MateCat does."""
    params = await request_params(request)
    tenant = await _tenant(services, request)
    memory_ids = [m.strip() for m in (text_param(params, "memories") or "").split(",") if m.strip()]
    if not memory_ids:
        raise InvalidFile("missing parameter 'memories'")
    return await _add_content(memory_ids, params, services, compat, tenant, by_tuid=False)
