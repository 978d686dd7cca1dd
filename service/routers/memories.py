"""Translation memories: create, list, delete; add or correct units; import, export, match."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse

from service.adaptation import add_unit
from service.deps import ServicesDep, TenantDep
from service.protocol import (
    EditDay,
    ErrorResponse,
    ImportResult,
    MatchList,
    MatchOut,
    MemoryCreate,
    MemoryList,
    MemoryOut,
    MemoryStats,
    UnitAdded,
    UnitIn,
    UnitOut,
)
from service.routers.files import download
from service.transfer import memory_upload, spool
from tm.formats import format_of, write_memory
from tm.fuzzy import DEFAULT_MIN_SCORE
from tm.langs import normalize_tag
from tm.models import Origin, TranslationUnit
from tm.store import DEFAULT_MATCHES

router = APIRouter(
    prefix="/v1/memories",
    tags=["memories"],
    responses={
        401: {"model": ErrorResponse, "description": "A missing or unknown API key."},
        404: {"model": ErrorResponse, "description": "No such memory for this tenant."},
    },
)

MemoryFormat = Literal["tmx", "csv", "tsv"]
_MEDIA_TYPES = {
    "tmx": "application/x-tmx+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


@router.post("", status_code=201, responses={409: {"model": ErrorResponse}})
async def create_memory(body: MemoryCreate, services: ServicesDep, tenant: TenantDep) -> MemoryOut:
    """Create an empty memory; its id is what translate requests name."""
    memory = await services.store.create_memory(
        body.name, tenant=tenant, description=body.description
    )
    return MemoryOut.model_validate(memory)


@router.get("")
async def list_memories(services: ServicesDep, tenant: TenantDep) -> MemoryList:
    """Your memories, by name."""
    return MemoryList(
        memories=[
            MemoryOut.model_validate(m) for m in await services.store.list_memories(tenant=tenant)
        ]
    )


@router.get("/{memory_id}")
async def get_memory(memory_id: str, services: ServicesDep, tenant: TenantDep) -> MemoryOut:
    """One memory with its unit count."""
    return MemoryOut.model_validate(await services.store.get_memory(memory_id, tenant=tenant))


@router.delete("/{memory_id}", status_code=204)
async def delete_memory(memory_id: str, services: ServicesDep, tenant: TenantDep) -> Response:
    """Delete a memory with all its units and post-editing records."""
    await services.store.delete_memory(memory_id, tenant=tenant)
    return Response(status_code=204)


@router.post("/{memory_id}/units", status_code=201, responses={422: {"model": ErrorResponse}})
async def add_memory_unit(
    memory_id: str, body: UnitIn, services: ServicesDep, tenant: TenantDep
) -> UnitAdded:
    """Add a unit, or a translator's confirmed or corrected translation.

    The unit replaces any unit with the same `tuid`, or the same source in the same language
    pair, and the very next translate request uses it. With `proposal` (the machine
    translation the translator started from), the edit is recorded for `/stats`.
    """
    unit = TranslationUnit(
        source=body.source,
        target=body.target,
        source_lang=normalize_tag(body.source_lang),
        target_lang=normalize_tag(body.target_lang),
        tuid=body.tuid,
        origin=Origin.MANUAL,
        attributes=body.attributes,
    )
    adapted = await add_unit(services.store, memory_id, unit, proposal=body.proposal, tenant=tenant)
    return UnitAdded(
        unit=UnitOut.model_validate(adapted.unit) if adapted.unit else None,
        added=adapted.result.added,
        updated=adapted.result.updated,
        edit_distance=adapted.edit_distance,
    )


@router.get("/{memory_id}/units/{unit_id}")
async def get_memory_unit(
    memory_id: str, unit_id: int, services: ServicesDep, tenant: TenantDep
) -> UnitOut:
    """One unit by id."""
    return UnitOut.model_validate(await services.store.get_unit(memory_id, unit_id, tenant=tenant))


@router.delete("/{memory_id}/units/{unit_id}", status_code=204)
async def delete_memory_unit(
    memory_id: str, unit_id: int, services: ServicesDep, tenant: TenantDep
) -> Response:
    """Delete one unit."""
    await services.store.delete_unit(memory_id, unit_id, tenant=tenant)
    return Response(status_code=204)


@router.post(
    "/{memory_id}/import",
    responses={413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def import_memory(
    memory_id: str,
    services: ServicesDep,
    tenant: TenantDep,
    file: Annotated[UploadFile, File(description="A TMX, CSV or TSV file.")],
    source_lang: Annotated[
        str | None, Form(description="For TMX: which language is the source (else srclang).")
    ] = None,
    target_lang: Annotated[
        str | None, Form(description="For TMX with several languages: the one to import.")
    ] = None,
    format: Annotated[MemoryFormat | None, Form(description="Else from the file name.")] = None,
) -> ImportResult:
    """Import a TMX 1.4b, CSV or TSV file, atomically: a file that fails stores nothing."""
    fmt = format or format_of(file.filename or "")
    upload = memory_upload(
        file.file, file.size, fmt, source_lang=source_lang, target_lang=target_lang
    )
    async with upload as reading:
        result = await services.store.add_units(memory_id, reading, tenant=tenant)
    return ImportResult(
        added=result.added,
        updated=result.updated,
        skipped=reading.skipped,
        skip_reasons=dict(reading.skip_reasons),
    )


@router.get(
    "/{memory_id}/export",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in _MEDIA_TYPES.values()}}},
)
async def export_memory(
    memory_id: str,
    services: ServicesDep,
    tenant: TenantDep,
    format: Annotated[MemoryFormat, Query(description="File format.")] = "tmx",
) -> FileResponse:
    """Download every unit as TMX 1.4b (re-imports identically), CSV or TSV."""
    memory = await services.store.get_memory(memory_id, tenant=tenant)
    path = await spool(
        services.store.iter_units(memory_id, tenant=tenant),
        lambda units, stream: write_memory(units, stream, format),
        suffix=f".{format}",
    )
    return download(path, _MEDIA_TYPES[format], f"{memory.name}.{format}")


@router.get("/{memory_id}/matches", responses={422: {"model": ErrorResponse}})
async def match_memory(
    memory_id: str,
    services: ServicesDep,
    tenant: TenantDep,
    source: Annotated[str, Query(min_length=1, description="The segment to look up.")],
    source_lang: Annotated[str, Query(examples=["en"])],
    target_lang: Annotated[str, Query(examples=["fr"])],
    k: Annotated[int, Query(ge=1, le=50)] = DEFAULT_MATCHES,
    min_score: Annotated[int, Query(ge=0, le=100)] = DEFAULT_MIN_SCORE,
) -> MatchList:
    """CAT-style fuzzy lookup: the best `k` units scoring at least `min_score`, best first."""
    matches = await services.store.match(
        [memory_id], source, source_lang, target_lang, k=k, min_score=min_score, tenant=tenant
    )
    return MatchList(
        matches=[
            MatchOut(
                unit_id=m.unit.id,
                memory_id=m.unit.memory_id,
                score=m.score,
                source=m.unit.source,
                target=m.unit.target,
            )
            for m in matches
        ]
    )


@router.get("/{memory_id}/stats")
async def memory_stats(
    memory_id: str,
    services: ServicesDep,
    tenant: TenantDep,
    days: Annotated[
        int | None, Query(ge=1, description="The last N days; all time if absent.")
    ] = None,
) -> MemoryStats:
    """Post-editing statistics per day: how far translators changed the machine's proposals."""
    memory = await services.store.get_memory(memory_id, tenant=tenant)
    periods = await services.store.edit_stats(memory_id, tenant=tenant, days=days)
    count = sum(p.count for p in periods)
    return MemoryStats(
        memory_id=memory.id,
        unit_count=memory.unit_count,
        edits=count,
        mean_distance=sum(p.mean_distance * p.count for p in periods) / count if count else None,
        unchanged_share=sum(p.unchanged for p in periods) / count if count else None,
        days=[EditDay.model_validate(period) for period in periods],
    )
