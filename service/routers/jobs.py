"""Document translation jobs (`/v1/jobs`) and leverage analysis (`/v1/analyze`)."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import ValidationError

from service.analysis import analyze as analyze_document
from service.analysis import table_rows, translatable
from service.deps import RunnerDep, ServicesDep, TenantDep
from service.documents import Segment
from service.errors import JobNotDone, validation_problems
from service.jobs import Submission, job_limits, load_document, submit_job
from service.jobs.report import (
    BAND_PREFIX,
    ORIGIN_PREFIX,
    SEGMENTS_WITH_ISSUES,
    TERM_PREFIX,
    WORDS,
    eta_s,
    grouped,
    in_document_order,
)
from service.protocol import (
    AnalysisOut,
    ErrorResponse,
    JobList,
    JobOptions,
    JobOut,
    JobReport,
    JobSegmentOut,
    LeverageBand,
)
from tm.errors import InvalidFile
from tm.models import Job, JobSegment, JobState
from tm.store import Store

router = APIRouter(
    prefix="/v1",
    tags=["jobs"],
    responses={
        401: {"model": ErrorResponse, "description": "A missing or unknown API key."},
        404: {"model": ErrorResponse, "description": "No such job, memory or glossary."},
    },
)

_UPLOAD_ERRORS: dict[int | str, dict[str, object]] = {
    413: {"model": ErrorResponse, "description": "The upload is over the size limit."},
    415: {"model": ErrorResponse, "description": "A file type no document format reads."},
    422: {"model": ErrorResponse, "description": "A corrupt, unsafe or mismatched document."},
}
_FALLBACK_MEDIA_TYPE = "application/octet-stream"
_MEDIA_TYPES = {
    ".xlf": "application/xliff+xml",
    ".xliff": "application/xliff+xml",
    ".po": "text/x-gettext-translation",
    ".pot": "text/x-gettext-translation",
    ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
    ".md": "text/markdown",
    ".txt": "text/plain",
}

FileField = Annotated[UploadFile, File(description="The document to translate.")]
LangField = Annotated[str, Form(min_length=2, max_length=35)]
IdsField = Annotated[
    list[str] | None, Form(description="Repeat the field, or separate ids with commas.")
]


def _ids(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _options(text: str | None) -> JobOptions:
    try:
        return JobOptions.model_validate_json(text or "{}")
    except ValidationError as exc:
        raise InvalidFile(f"options is not valid: {validation_problems(exc.errors())}") from None


def job_out(job: Job) -> JobOut:
    """The API's view of a stored job."""
    spec, stats = job.spec, job.stats
    return JobOut(
        id=job.id,
        state=job.state.value,
        filename=spec.filename,
        format=spec.format,
        source_lang=spec.source_lang,
        target_lang=spec.target_lang,
        memories=spec.memories,
        glossaries=spec.glossaries,
        options=spec.options,
        segments_total=job.segment_count,
        segments_done=job.done_count,
        progress=job.done_count / job.segment_count if job.segment_count else 1.0,
        eta_s=eta_s(job),
        words=stats.get(WORDS, 0),
        origins=grouped(stats, ORIGIN_PREFIX),
        leverage=grouped(stats, BAND_PREFIX),
        terms=grouped(stats, TERM_PREFIX),
        segments_with_issues=stats.get(SEGMENTS_WITH_ISSUES, 0),
        error=job.error,
        created_at=job.created_at,
        updated_at=job.updated_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
    )


@router.post("/jobs", status_code=202, responses=_UPLOAD_ERRORS)
async def create_job(
    file: FileField,
    source_lang: LangField,
    target_lang: LangField,
    services: ServicesDep,
    runner: RunnerDep,
    tenant: TenantDep,
    memories: IdsField = None,
    glossaries: IdsField = None,
    options: Annotated[str | None, Form(description="JSON object of job options.")] = None,
) -> JobOut:
    """Submit a document; it is checked now and translated in the background.

    Poll `GET /v1/jobs/{id}` for progress, then fetch `/result` (the same format) and
    `/report`. A file that cannot be read is refused here and no job is created.
    """
    job = await submit_job(
        services.store,
        Submission(
            data=await file.read(),
            filename=file.filename or "",
            source_lang=source_lang,
            target_lang=target_lang,
            memories=_ids(memories),
            glossaries=_ids(glossaries),
            options=_options(options).model_dump(mode="json", exclude_none=True),
            tenant=tenant,
        ),
    )
    runner.wake()
    return job_out(job)


@router.get("/jobs")
async def list_jobs(services: ServicesDep, tenant: TenantDep) -> JobList:
    """Your jobs, newest first (finished ones until they expire)."""
    return JobList(jobs=[job_out(job) for job in await services.store.list_jobs(tenant=tenant)])


@router.get("/jobs/{job_id}")
async def get_job(job_id: str, services: ServicesDep, tenant: TenantDep) -> JobOut:
    """State, progress, ETA, TM leverage and term statistics of a job."""
    return job_out(await services.store.get_job(job_id, tenant=tenant))


@router.get(
    "/jobs/{job_id}/result",
    response_class=Response,
    responses={
        200: {"content": {_FALLBACK_MEDIA_TYPE: {}}, "description": "The translated file."},
        409: {"model": ErrorResponse, "description": "The job is not done (yet)."},
    },
)
async def job_result(job_id: str, services: ServicesDep, tenant: TenantDep) -> Response:
    """The translated document, in the format it was submitted in."""
    job = await services.store.get_job(job_id, tenant=tenant)
    data = await services.store.job_result(job_id, tenant=tenant)
    if job.state is not JobState.DONE or data is None:
        raise JobNotDone(
            f"job {job_id!r} is {job.state.value}"
            + (f" ({job.error})" if job.error else "")
            + "; the result is there once it is done"
        )
    filename = job.spec.filename.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return Response(
        data,
        media_type=_MEDIA_TYPES.get(suffix, _FALLBACK_MEDIA_TYPE),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/jobs/{job_id}/report")
async def job_report(job_id: str, services: ServicesDep, tenant: TenantDep) -> JobReport:
    """Per segment: source, target, origin, best match score, terms, failed checks, QE."""
    store = services.store
    job = await store.get_job(job_id, tenant=tenant)
    saved = await store.job_segments(job_id, tenant=tenant)
    ordered = in_document_order(saved)
    if ordered is None:  # saved before reports kept positions: the document has the order
        by_id = {s.segment_id: s for s in saved}
        ordered = [by_id[sid] for sid in await _document_order(store, job, tenant) if sid in by_id]
    return JobReport(job=job_out(job), segments=[_segment_out(s) for s in ordered])


@router.delete("/jobs/{job_id}", responses={409: {"model": ErrorResponse}})
async def cancel_job(job_id: str, services: ServicesDep, tenant: TenantDep) -> JobOut:
    """Cancel a queued or running job; the segments done so far stay in its report."""
    retention_s = job_limits(services.settings).retention_s
    return job_out(await services.store.cancel_job(job_id, tenant=tenant, retention_s=retention_s))


@router.post("/analyze", responses=_UPLOAD_ERRORS)
async def analyze(
    file: FileField,
    source_lang: LangField,
    target_lang: LangField,
    services: ServicesDep,
    tenant: TenantDep,
    memories: IdsField = None,
) -> AnalysisOut:
    """Leverage: segments and words per TM match band and repetitions; no LLM is called."""
    memory_ids = _ids(memories)
    document = await load_document(await file.read(), file.filename or "", source_lang, target_lang)
    leverage = await analyze_document(services.store, document, memory_ids, tenant=tenant)
    rows = list(table_rows(leverage))
    return AnalysisOut(
        filename=document.filename,
        format=document.format,
        source_lang=document.source_lang,
        target_lang=document.target_lang,
        memories=memory_ids,
        segments=leverage.segments,
        words=leverage.words,
        bands=[LeverageBand(band=band, segments=s, words=w) for band, s, w in rows[:-1]],
    )


async def _document_order(store: Store, job: Job, tenant: str) -> list[str]:
    data = await store.job_document(job.id, tenant=tenant)
    spec = job.spec
    document = await load_document(data, spec.filename, spec.source_lang, spec.target_lang)
    segments: list[Segment] = translatable(document)
    return [segment.id for segment in segments]


def _segment_out(saved: JobSegment) -> JobSegmentOut:
    report = saved.report
    return JobSegmentOut(
        id=saved.segment_id,
        source=saved.source,
        target=saved.text,
        origin=saved.origin,
        score=report.get("score"),
        band=str(report.get("band")),
        repetition=bool(report.get("repetition")),
        matches=report.get("matches") or [],
        terms=report.get("terms") or [],
        issues=report.get("issues") or [],
        qe=report.get("qe"),
    )
