"""DeepL API v2 under `/v2`: translate, languages, usage, glossaries, documents.

The `deepl` client libraries (`deepl.Translator(key, server_url="http://HOST:8080")`) and
connectors built on them work against these routes. Keys: `Authorization: DeepL-Auth-Key
<adaptmt key>` (or `Bearer`, or the legacy `auth_key` parameter). Errors are DeepL's:
`{"message": ...}` with 400 (bad parameter), 403 (key), 404, 413, 456 (character quota),
429 (the model server is saturated), 503 (document not ready, model down).
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from service.compat.detect import detect, document_language
from service.compat.glossary import entries_tsv, parse_entries
from service.compat.languages import (
    DEEPL_SOURCE,
    deepl_languages,
    deepl_source_code,
    from_deepl,
)
from service.compat.protocol import (
    JSON_OR_FORM,
    MULTIPART,
    DeepLDocument,
    DeepLDocumentKey,
    DeepLGlossary,
    DeepLTranslate,
    body_doc,
)
from service.compat.translate import CompatRequest
from service.deps import ServicesDep
from service.errors import JobNotDone, Unauthorized
from service.jobs import Submission, submit_job
from service.jobs.report import eta_s
from service.routers.compat_common import (
    CompatDep,
    Params,
    as_list,
    document_response,
    error_route,
    request_params,
    tenant_for,
    text_param,
    upload,
)
from tm.errors import InvalidFile, InvalidLanguage
from tm.models import Glossary, Job, JobState
from tm.store.base import UnknownJob

DOCUMENT_KEY_OPTION = "deepl_document_key_sha256"
"""Where a DeepL-style job keeps the hash of its `document_key` (in the job's options)."""

QUOTA_STATUS = 456
"""DeepL's status for a request over the character quota."""

TAG_HANDLING = ("xml", "html")
FORMALITY = ("default", "more", "less", "prefer_more", "prefer_less")
FORMALITY_CONTEXT = {
    "more": "Use a formal register (formal forms of address).",
    "prefer_more": "Use a formal register (formal forms of address).",
    "less": "Use an informal register (informal forms of address).",
    "prefer_less": "Use an informal register (informal forms of address).",
}
"""What a `formality` asks of the model, added to the prompt's context."""

_STATUS = {401: 403, 409: 400, 415: 400, 422: 400, 502: 500}
_CODE_STATUS = {"quota_exceeded": QUOTA_STATUS, "llm_rate_limited": 429}
_JOB_STATUS = {
    JobState.QUEUED: "queued",
    JobState.RUNNING: "translating",
    JobState.DONE: "done",
    JobState.FAILED: "error",
    JobState.CANCELLED: "error",
}


def _render(status: int, code: str, message: str) -> Response:
    deepl_status = _CODE_STATUS.get(code, _STATUS.get(status, status))
    return JSONResponse({"message": message}, status_code=deepl_status)


router = APIRouter(prefix="/v2", tags=["DeepL API v2"], route_class=error_route(_render))


async def _tenant(services: ServicesDep, request: Request, params: Params) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if header and scheme.lower() not in ("deepl-auth-key", "bearer"):
        raise Unauthorized("send the key as `Authorization: DeepL-Auth-Key <key>`")
    key = credential.strip() or text_param(params, "auth_key", required=False)
    return await tenant_for(services, key)


def _ignore_tags(params: Params) -> list[str]:
    return [
        name.strip()
        for value in as_list(params.get("ignore_tags"))
        for name in str(value).split(",")
        if name.strip()
    ]


def _choice(params: Params, name: str, allowed: tuple[str, ...]) -> str | None:
    value = text_param(params, name, required=False)
    if value is not None and value.lower() not in allowed:
        raise InvalidFile(f"Value for '{name}' not supported: {value!r}")
    return value.lower() if value is not None else None


@router.post("/translate", openapi_extra=body_doc(DeepLTranslate, *JSON_OR_FORM))
async def translate(
    request: Request, services: ServicesDep, compat: CompatDep
) -> dict[str, list[dict[str, object]]]:
    """Translate `text` (one or many) into `target_lang`; DeepL's parameters, JSON or form.

    `source_lang` is detected when omitted; `glossary_id` applies an adaptmt glossary;
    `tag_handling` (`xml`, `html`) keeps tags (adaptmt always does) and `ignore_tags` keeps
    those elements untranslated; `context` and `formality` go into the prompt as context;
    `split_sentences`, `preserve_formatting`, `model_type` and `outline_detection` are
    accepted (each text is translated whole). The tenant's configured memories
    (ADAPTMT_COMPAT_MEMORIES) give the examples.
    """
    params = await request_params(request)
    tenant = await _tenant(services, request, params)
    texts = [str(text) for text in as_list(params.get("text"))]
    if not texts:
        raise InvalidFile("Parameter 'text' not specified.")
    target = from_deepl(text_param(params, "target_lang") or "", target=True, field="target_lang")
    glossary_id = text_param(params, "glossary_id", required=False)
    source_code = text_param(params, "source_lang", required=False)
    if glossary_id and not source_code:
        raise InvalidFile("Parameter 'source_lang' is required when using a glossary.")
    if source_code:
        source = from_deepl(source_code, target=False, field="source_lang")
    else:
        source = await _detect_source(texts)
    _choice(params, "tag_handling", TAG_HANDLING)
    formality = _choice(params, "formality", FORMALITY)
    given = text_param(params, "context", required=False)
    context = "\n".join(part for part in (given, FORMALITY_CONTEXT.get(formality or "")) if part)
    translated = await compat.translate(
        CompatRequest(
            texts=texts,
            source_lang=source,
            target_lang=target,
            tenant=tenant,
            glossaries=[glossary_id] if glossary_id else [],
            context=context or None,
            ignore_tags=_ignore_tags(params),
            request_id=getattr(request.state, "request_id", None),
        )
    )
    detected = deepl_source_code(source)
    return {
        "translations": [
            {"detected_source_language": detected, "text": text, "billed_characters": len(sent)}
            for sent, text in zip(texts, translated, strict=True)
        ]
    }


async def _detect_source(texts: list[str]) -> str:
    candidates = tuple(code.lower() for code in DEEPL_SOURCE)
    found = await detect(" ".join(texts)[:2000], candidates)
    if not found:
        raise InvalidLanguage("the source language could not be detected; send source_lang")
    return from_deepl(found[0].language, target=False, field="source_lang")


@router.get("/languages")
@router.post("/languages", operation_id="deepl_languages_post")
async def languages(request: Request, services: ServicesDep) -> list[dict[str, object]]:
    """DeepL's source (`type=source`, the default) or target (`type=target`) languages."""
    params = await request_params(request)
    await _tenant(services, request, params)
    kind = text_param(params, "type", required=False) or "source"
    if kind not in ("source", "target"):
        raise InvalidFile(f"Value for 'type' not supported: {kind!r}")
    return deepl_languages(kind)


@router.get("/usage")
@router.post("/usage", operation_id="deepl_usage_post")
async def usage(request: Request, services: ServicesDep, compat: CompatDep) -> dict[str, int]:
    """Characters your tenant translated this month (UTC), and the monthly limit."""
    tenant = await _tenant(services, request, await request_params(request))
    return {
        "character_count": compat.meter.used(tenant),
        "character_limit": compat.meter.reported_limit(),
    }


# -- glossaries -----------------------------------------------------------------------------


def _glossary_out(glossary: Glossary) -> dict[str, Any]:
    created = glossary.created_at or datetime.now(UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return {
        "glossary_id": glossary.id,
        "name": glossary.name,
        "ready": True,
        "source_lang": deepl_source_code(glossary.source_lang).lower(),
        "target_lang": deepl_source_code(glossary.target_lang).lower(),
        "creation_time": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "entry_count": glossary.entry_count,
    }


@router.get("/glossary-language-pairs")
async def glossary_language_pairs(
    request: Request, services: ServicesDep
) -> dict[str, list[dict[str, str]]]:
    """Every pair of DeepL source languages (adaptmt glossaries take any pair)."""
    await _tenant(services, request, await request_params(request))
    codes = [code.lower() for code in DEEPL_SOURCE]
    return {
        "supported_languages": [
            {"source_lang": source, "target_lang": target}
            for source in codes
            for target in codes
            if source != target
        ]
    }


@router.post("/glossaries", status_code=201, openapi_extra=body_doc(DeepLGlossary, *JSON_OR_FORM))
async def create_glossary(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Create an adaptmt glossary from DeepL's `name`, languages and `entries` (TSV or CSV)."""
    params = await request_params(request)
    tenant = await _tenant(services, request, params)
    name = text_param(params, "name") or ""
    source = from_deepl(text_param(params, "source_lang") or "", target=False, field="source_lang")
    target_code = text_param(params, "target_lang") or ""
    target = from_deepl(target_code.split("-")[0], target=False, field="target_lang")
    fmt = (text_param(params, "entries_format", required=False) or "tsv").lower()
    entries = parse_entries(text_param(params, "entries") or "", fmt)
    store = services.store
    glossary = await store.create_glossary(name, source, target, tenant=tenant)
    try:
        await store.add_entries(glossary.id, entries, tenant=tenant)
    except BaseException:
        await store.delete_glossary(glossary.id, tenant=tenant)
        raise
    return _glossary_out(await store.get_glossary(glossary.id, tenant=tenant))


@router.get("/glossaries")
async def list_glossaries(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Your tenant's glossaries (those made through /v1 too)."""
    tenant = await _tenant(services, request, await request_params(request))
    found = await services.store.list_glossaries(tenant=tenant)
    return {"glossaries": [_glossary_out(glossary) for glossary in found]}


@router.get("/glossaries/{glossary_id}")
async def get_glossary(glossary_id: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """One glossary's description."""
    tenant = await _tenant(services, request, await request_params(request))
    return _glossary_out(await services.store.get_glossary(glossary_id, tenant=tenant))


@router.delete("/glossaries/{glossary_id}", status_code=204)
async def delete_glossary(glossary_id: str, request: Request, services: ServicesDep) -> Response:
    """Delete a glossary."""
    tenant = await _tenant(services, request, await request_params(request))
    await services.store.delete_glossary(glossary_id, tenant=tenant)
    return Response(status_code=204)


@router.get("/glossaries/{glossary_id}/entries", response_class=PlainTextResponse)
async def glossary_entries(glossary_id: str, request: Request, services: ServicesDep) -> Response:
    """The entries as TSV (`source<TAB>target` lines), the one format DeepL returns."""
    tenant = await _tenant(services, request, await request_params(request))
    entries = await services.store.entries(glossary_id, tenant=tenant)
    return PlainTextResponse(entries_tsv(entries), media_type="text/tab-separated-values")


# -- documents --------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def _job(job_id: str, params: Params, services: ServicesDep, tenant: str) -> Job:
    """The job, if the `document_key` is the one issued for it (404 otherwise, as DeepL)."""
    key = text_param(params, "document_key") or ""
    job = await services.store.get_job(job_id, tenant=tenant)
    stored = str(job.spec.options.get(DOCUMENT_KEY_OPTION, ""))
    if not stored or not hmac.compare_digest(stored, _key_hash(key)):
        raise UnknownJob(f"no document {job_id!r} with this document_key")
    return job


@router.post("/document", openapi_extra=body_doc(DeepLDocument, *MULTIPART))
async def upload_document(request: Request, services: ServicesDep) -> dict[str, str]:
    """Upload a document (multipart `file`, `source_lang`, `target_lang`, `glossary_id`).

    It becomes an adaptmt document job (XLIFF, PO, JSON, DOCX, HTML, Markdown, text) with the
    tenant's configured memories; the answer's `document_id` and `document_key` fetch its
    status and result. Without `source_lang` the text's language is detected (not for XLIFF,
    which declares it: send source_lang).
    """
    params = await request_params(request)
    tenant = await _tenant(services, request, params)
    data, filename = await upload(params, "file")
    filename = text_param(params, "filename", required=False) or filename
    target = from_deepl(text_param(params, "target_lang") or "", target=True, field="target_lang")
    source_code = text_param(params, "source_lang", required=False)
    if not source_code:
        candidates = tuple(code.lower() for code in DEEPL_SOURCE)
        source_code = await document_language(data, filename, target, candidates)
        if source_code is None:
            raise InvalidFile("the document's language could not be detected; send source_lang")
    source = from_deepl(source_code, target=False, field="source_lang")
    output = text_param(params, "output_format", required=False)
    if output and not filename.lower().endswith("." + output.lower()):
        raise InvalidFile("output_format must be the input's format (no conversion)")
    glossary_id = text_param(params, "glossary_id", required=False)
    compat = request.app.state.compat
    key = secrets.token_urlsafe(32)
    job = await submit_job(
        services.store,
        Submission(
            data=data,
            filename=filename,
            source_lang=source,
            target_lang=target,
            memories=await compat.default_memories(tenant),
            glossaries=[glossary_id] if glossary_id else [],
            options={DOCUMENT_KEY_OPTION: _key_hash(key)},
            tenant=tenant,
        ),
    )
    if services.runner is not None:
        services.runner.wake()
    return {"document_id": job.id, "document_key": key}


@router.post("/document/{document_id}", openapi_extra=body_doc(DeepLDocumentKey, *JSON_OR_FORM))
async def document_status(
    document_id: str, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """A document's status: queued, translating, done or error."""
    params = await request_params(request)
    tenant = await _tenant(services, request, params)
    job = await _job(document_id, params, services, tenant)
    out: dict[str, Any] = {"document_id": job.id, "status": _JOB_STATUS[job.state]}
    if (remaining := eta_s(job)) is not None:
        out["seconds_remaining"] = round(remaining)
    if job.state.finished and job.state is not JobState.DONE:
        out["error_message"] = job.error or job.state.value
    return out


@router.post(
    "/document/{document_id}/result",
    openapi_extra=body_doc(DeepLDocumentKey, *JSON_OR_FORM),
)
async def document_result(document_id: str, request: Request, services: ServicesDep) -> Response:
    """The translated document (503 while it is not done, as DeepL)."""
    params = await request_params(request)
    tenant = await _tenant(services, request, params)
    job = await _job(document_id, params, services, tenant)
    data = await services.store.job_result(job.id, tenant=tenant)
    if job.state is not JobState.DONE or data is None:
        if job.state.finished:
            raise JobNotDone(f"the document translation ended: {job.error or job.state.value}")
        return JSONResponse({"message": "Document not ready"}, status_code=503)
    return document_response(data, job.spec.filename)
