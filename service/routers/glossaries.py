"""Glossaries: create, list, delete; entries; import TBX/CSV/TSV; export."""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse

from service.deps import ServicesDep, TenantDep
from service.protocol import (
    EntriesIn,
    EntriesWritten,
    EntryList,
    EntryOut,
    ErrorResponse,
    GlossaryCreate,
    GlossaryList,
    GlossaryOut,
    ImportResult,
)
from service.routers.files import download
from service.transfer import spool
from tm.formats import format_of, read_glossary, write_glossary
from tm.langs import normalize_tag
from tm.models import GlossaryEntry

router = APIRouter(
    prefix="/v1/glossaries",
    tags=["glossaries"],
    responses={
        401: {"model": ErrorResponse, "description": "A missing or unknown API key."},
        404: {"model": ErrorResponse, "description": "No such glossary for this tenant."},
    },
)

GlossaryFormat = Literal["tbx", "csv", "tsv"]
_MEDIA_TYPES = {
    "tbx": "application/x-tbx+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


@router.post("", status_code=201, responses={409: {"model": ErrorResponse}})
async def create_glossary(
    body: GlossaryCreate, services: ServicesDep, tenant: TenantDep
) -> GlossaryOut:
    """Create an empty glossary for one language pair."""
    glossary = await services.store.create_glossary(
        body.name, normalize_tag(body.source_lang), normalize_tag(body.target_lang), tenant=tenant
    )
    return GlossaryOut.model_validate(glossary)


@router.get("")
async def list_glossaries(services: ServicesDep, tenant: TenantDep) -> GlossaryList:
    """Your glossaries, by name."""
    found = await services.store.list_glossaries(tenant=tenant)
    return GlossaryList(glossaries=[GlossaryOut.model_validate(g) for g in found])


@router.get("/{glossary_id}")
async def get_glossary(glossary_id: str, services: ServicesDep, tenant: TenantDep) -> GlossaryOut:
    """One glossary with its entry count."""
    return GlossaryOut.model_validate(await services.store.get_glossary(glossary_id, tenant=tenant))


@router.delete("/{glossary_id}", status_code=204)
async def delete_glossary(glossary_id: str, services: ServicesDep, tenant: TenantDep) -> Response:
    """Delete a glossary and its entries."""
    await services.store.delete_glossary(glossary_id, tenant=tenant)
    return Response(status_code=204)


@router.get("/{glossary_id}/entries")
async def list_entries(glossary_id: str, services: ServicesDep, tenant: TenantDep) -> EntryList:
    """Every entry of the glossary."""
    entries = await services.store.entries(glossary_id, tenant=tenant)
    return EntryList(entries=[EntryOut.model_validate(e) for e in entries])


@router.post("/{glossary_id}/entries", responses={422: {"model": ErrorResponse}})
async def add_entries(
    glossary_id: str, body: EntriesIn, services: ServicesDep, tenant: TenantDep
) -> EntriesWritten:
    """Add entries, or replace those with the same source term; used by the next request."""
    entries = [GlossaryEntry(**entry.model_dump()) for entry in body.entries]
    written = await services.store.add_entries(glossary_id, entries, tenant=tenant)
    return EntriesWritten(written=written)


@router.delete("/{glossary_id}/entries/{entry_id}", status_code=204)
async def delete_entry(
    glossary_id: str, entry_id: int, services: ServicesDep, tenant: TenantDep
) -> Response:
    """Delete one entry."""
    await services.store.delete_entry(glossary_id, entry_id, tenant=tenant)
    return Response(status_code=204)


@router.post(
    "/{glossary_id}/import",
    responses={413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def import_glossary(
    glossary_id: str,
    services: ServicesDep,
    tenant: TenantDep,
    file: Annotated[UploadFile, File(description="A TBX (v2 or v3), CSV or TSV glossary.")],
    format: Annotated[GlossaryFormat | None, Form(description="Else from the file name.")] = None,
) -> ImportResult:
    """Import a TBX, CSV or TSV glossary (TICO-19's CSV layout as is), atomically."""
    glossary = await services.store.get_glossary(glossary_id, tenant=tenant)
    fmt = format or format_of(file.filename or "")
    reading = read_glossary(file.file, fmt, glossary.source_lang, glossary.target_lang)
    written = await services.store.add_entries(glossary_id, reading, tenant=tenant)
    return ImportResult(
        written=written, skipped=reading.skipped, skip_reasons=dict(reading.skip_reasons)
    )


@router.get(
    "/{glossary_id}/export",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in _MEDIA_TYPES.values()}}},
)
async def export_glossary(
    glossary_id: str,
    services: ServicesDep,
    tenant: TenantDep,
    format: Annotated[GlossaryFormat, Query(description="File format.")] = "tbx",
) -> FileResponse:
    """Download the glossary as TBX v3, CSV or TSV."""
    glossary = await services.store.get_glossary(glossary_id, tenant=tenant)
    entries = await services.store.entries(glossary_id, tenant=tenant)
    path = await spool(
        entries,
        lambda rows, stream: write_glossary(
            rows, stream, format, glossary.source_lang, glossary.target_lang
        ),
        suffix=f".{format}",
    )
    return download(path, _MEDIA_TYPES[format], f"{glossary.name}.{format}")
