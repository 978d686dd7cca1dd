"""`POST /v1/translate`: segments through the adaptive pipeline."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.deps import ServicesDep, TenantDep
from service.errors import RequestTooLarge, envelope
from service.pipeline import SegmentOrigin, SegmentResult, TranslationRequest, TranslationResult
from service.protocol import (
    ErrorResponse,
    SegmentOut,
    TranslateRequest,
    TranslateResponse,
    TranslateStats,
)

router = APIRouter(prefix="/v1", tags=["translate"])


@router.post(
    "/translate",
    response_model=TranslateResponse,
    responses={
        401: {"model": ErrorResponse, "description": "A missing or unknown API key."},
        404: {"model": ErrorResponse, "description": "A memory or glossary that is not yours."},
        413: {"model": ErrorResponse, "description": "Too many or too long segments."},
        422: {"model": ErrorResponse, "description": "Invalid languages or request body."},
        503: {
            "model": ErrorResponse,
            "description": "No segment could be translated: the LLM is unreachable "
            "(the message names the URL tried and how to start vLLM).",
        },
    },
)
async def translate(
    body: TranslateRequest, services: ServicesDep, tenant: TenantDep, request: Request
) -> TranslateResponse | JSONResponse:
    """Translate segments with the memories' fuzzy matches as examples and the glossaries' terms.

    A TM match at or above `reuse_threshold` is returned as is (origin `tm`). A segment the
    LLM could not translate carries an `error` and no text while the others are still
    served; when no segment at all could be translated the answer is the LLM's error
    (503/504) instead.
    """
    settings = services.settings
    if len(body.segments) > settings.max_segments:
        raise RequestTooLarge(
            f"{len(body.segments)} segments in one request; the limit is {settings.max_segments} "
            "(ADAPTMT_MAX_SEGMENTS): send them in several requests, or use a document job"
        )
    if (longest := max(len(s) for s in body.segments)) > settings.max_segment_chars:
        raise RequestTooLarge(
            f"a segment of {longest} characters; the limit is {settings.max_segment_chars} "
            "(ADAPTMT_MAX_SEGMENT_CHARS): split it into sentences"
        )
    result = await services.translator.translate(
        TranslationRequest(
            segments=body.segments,
            source_lang=body.source_lang,
            target_lang=body.target_lang,
            memories=body.memories,
            glossaries=body.glossaries,
            options=settings.pipeline_options().overridden(
                body.options.model_dump(exclude_none=True)
            ),
            tenant=tenant,
            request_id=getattr(request.state, "request_id", None),
        )
    )
    failed = [s for s in result.segments if s.error]
    if failed and len(failed) == len(result.segments):
        error = failed[0].error
        assert error is not None
        return JSONResponse(
            envelope(error.status, error.code, error.message), status_code=error.status
        )
    return _response(result)


def _response(result: TranslationResult) -> TranslateResponse:
    origins = [s.origin for s in result.segments]
    return TranslateResponse(
        source_lang=result.source_lang,
        target_lang=result.target_lang,
        model=result.model,
        qe_signature=result.qe_signature,
        segments=[_segment(s) for s in result.segments],
        stats=TranslateStats(
            segments=len(origins),
            tm=origins.count(SegmentOrigin.TM),
            llm=origins.count(SegmentOrigin.LLM),
            ape=origins.count(SegmentOrigin.APE),
            failed=origins.count(None),
        ),
    )


def _segment(result: SegmentResult) -> SegmentOut:
    # read off the dataclasses directly: `asdict` deep-copies every field first (5x slower)
    return SegmentOut.model_validate(result, from_attributes=True)
