"""LibreTranslate's API under `/libretranslate`: translate, languages, detect, translate_file.

Clients take a base URL: `libretranslatepy.LibreTranslateAPI("http://HOST:8080/libretranslate/")`,
Weblate's `MT_LIBRETRANSLATE_API_URL`, OmegaT's LibreTranslate URL. The key is the
`api_key` parameter (an adaptmt key). Errors are LibreTranslate's `{"error": ...}` with 400
(bad parameter or size), 403 (key), 429 (quota, or the model server saturated), 500 (the
translation failed).
"""

import asyncio
import hmac
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from service.compat.detect import detect as detect_language
from service.compat.languages import LIBRE_CODES, from_libre, libre_languages
from service.compat.protocol import (
    JSON_OR_FORM,
    MULTIPART,
    LibreDetect,
    LibreFile,
    LibreTranslate,
    body_doc,
)
from service.compat.translate import CompatRequest
from service.deps import ServicesDep
from service.errors import JobNotDone
from service.jobs import Submission, submit_job
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
from tm.models import JobState
from tm.store.base import UnknownJob

AUTO = "auto"
FILE_WAIT_S = 600.0
"""How long `/translate_file` waits for its job (LibreTranslate answers synchronously)."""
FILE_POLL_S = 0.2
DOWNLOAD_KEY_OPTION = "libre_download_key"
"""The job option holding the key in a `/translate_file` download URL."""

_STATUS = {401: 403, 404: 400, 409: 400, 413: 400, 415: 400, 422: 400, 502: 500, 503: 500}
_CODE_STATUS = {"quota_exceeded": 429, "llm_rate_limited": 429, "job_not_done": 500}


def _render(status: int, code: str, message: str) -> Response:
    libre_status = _CODE_STATUS.get(code, _STATUS.get(status, status))
    return JSONResponse({"error": message}, status_code=libre_status)


router = APIRouter(
    prefix="/libretranslate", tags=["LibreTranslate"], route_class=error_route(_render)
)


async def _tenant(services: ServicesDep, params: Params) -> str:
    return await tenant_for(services, text_param(params, "api_key", required=False))


def _candidates() -> tuple[str, ...]:
    return tuple(dict.fromkeys(code.split("-")[0] for code in LIBRE_CODES))


async def _detected(text: str) -> dict[str, Any]:
    found = await detect_language(text[:2000], _candidates())
    if not found:
        raise InvalidLanguage("the source language could not be detected; send source")
    return {"confidence": found[0].confidence, "language": found[0].language}


@router.post("/translate", openapi_extra=body_doc(LibreTranslate, *JSON_OR_FORM))
async def translate(request: Request, services: ServicesDep, compat: CompatDep) -> dict[str, Any]:
    """Translate `q` (a string or a list) from `source` (or `auto`) into `target`.

    `format` is `text` or `html` (tags are kept either way); the tenant's configured memories
    (ADAPTMT_COMPAT_MEMORIES) give the examples. With `source=auto` the answer has
    `detectedLanguage` (one per text when `q` is a list).
    """
    params = await request_params(request)
    tenant = await _tenant(services, params)
    q = params.get("q")
    texts = [str(text) for text in as_list(q)]
    if q is None or (isinstance(q, str) and not q):
        raise InvalidFile("Invalid request: missing q parameter")
    source_code = text_param(params, "source") or ""
    target = from_libre(text_param(params, "target") or "", field="target")
    fmt = text_param(params, "format", required=False) or "text"
    if fmt not in ("text", "html"):
        raise InvalidFile(f"Invalid request: format {fmt!r} is not text or html")
    detected: list[dict[str, Any]] = []
    if source_code == AUTO:
        detected = [await _detected(text) for text in texts]
        sources = [from_libre(d["language"], field="source") for d in detected]
    else:
        sources = [from_libre(source_code, field="source")] * len(texts)
    translated: list[str] = list(texts)
    for source in dict.fromkeys(sources):  # one pipeline call per detected language
        indexes = [i for i, s in enumerate(sources) if s == source]
        results = await compat.translate(
            CompatRequest(
                texts=[texts[i] for i in indexes],
                source_lang=source,
                target_lang=target,
                tenant=tenant,
                request_id=getattr(request.state, "request_id", None),
            )
        )
        for i, text in zip(indexes, results, strict=True):
            translated[i] = text
    out: dict[str, Any] = {"translatedText": translated if isinstance(q, list) else translated[0]}
    if detected:
        out["detectedLanguage"] = detected if isinstance(q, list) else detected[0]
    if "alternatives" in params:
        out["alternatives"] = [[] for _ in texts] if isinstance(q, list) else []
    return out


@router.get("/languages")
async def languages() -> list[dict[str, object]]:
    """The languages offered, each with the codes it translates into."""
    return libre_languages()


@router.post("/detect", openapi_extra=body_doc(LibreDetect, *JSON_OR_FORM))
async def detect(request: Request, services: ServicesDep) -> list[dict[str, Any]]:
    """The most likely languages of `q`, with confidence 0-100 (offline, py3langid)."""
    params = await request_params(request)
    await _tenant(services, params)
    q = text_param(params, "q") or ""
    found = await detect_language(q[:2000], _candidates(), limit=3)
    return [{"confidence": d.confidence, "language": d.language} for d in found]


@router.post("/translate_file", openapi_extra=body_doc(LibreFile, *MULTIPART))
async def translate_file(
    request: Request, services: ServicesDep, compat: CompatDep
) -> dict[str, str]:
    """Translate an uploaded `file` (an adaptmt document job); answers when it is done.

    The answer's `translatedFileUrl` downloads the result. Formats: XLIFF, PO, JSON, DOCX,
    HTML, Markdown, text. `source` must be a language here (no `auto`).
    """
    params = await request_params(request)
    tenant = await _tenant(services, params)
    data, filename = await upload(params, "file")
    source_code = text_param(params, "source") or ""
    if source_code == AUTO:
        raise InvalidFile("Invalid request: source=auto is not supported for files")
    source = from_libre(source_code, field="source")
    target = from_libre(text_param(params, "target") or "", field="target")
    key = secrets.token_urlsafe(24)
    job = await submit_job(
        services.store,
        Submission(
            data=data,
            filename=filename,
            source_lang=source,
            target_lang=target,
            memories=await compat.default_memories(tenant),
            options={DOWNLOAD_KEY_OPTION: key},
            tenant=tenant,
        ),
    )
    if services.runner is not None:
        services.runner.wake()
    waited = 0.0
    while not job.state.finished and waited < FILE_WAIT_S:
        await asyncio.sleep(FILE_POLL_S)
        waited += FILE_POLL_S
        job = await services.store.get_job(job.id, tenant=tenant)
    if job.state is not JobState.DONE:
        raise JobNotDone(f"the file translation did not finish: {job.error or job.state.value}")
    name = quote(filename.replace("\\", "/").rsplit("/", 1)[-1] or "file")
    url = str(request.url_for("download_file", tenant=tenant, job_id=job.id, key=key, name=name))
    return {"translatedFileUrl": url}


@router.get("/download_file/{tenant}/{job_id}/{key}/{name}", name="download_file")
async def download_file(
    tenant: str, job_id: str, key: str, name: str, services: ServicesDep
) -> Response:
    """A translated file from `/translate_file` (the URL is its credential, as LibreTranslate's)."""
    job = await services.store.get_job(job_id, tenant=tenant)
    data = await services.store.job_result(job_id, tenant=tenant)
    stored = str(job.spec.options.get(DOWNLOAD_KEY_OPTION, ""))
    if not stored or not hmac.compare_digest(stored, key) or data is None:
        raise UnknownJob(f"no translated file {name!r} here")
    return document_response(data, name)
