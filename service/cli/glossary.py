"""`adaptmt glossary`: glossaries: create, list, delete, import, export."""

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import TenantOption, glossary_id, run
from tm.errors import InvalidFile
from tm.formats import format_of, read_glossary, write_glossary
from tm.models import DEFAULT_TENANT
from tm.store import Store

app = typer.Typer(help="Glossaries: create, list, import, export.")


@app.command("create")
def glossary_create(
    name: str,
    source_lang: Annotated[str, typer.Option("--from", "-s")],
    target_lang: Annotated[str, typer.Option("--to", "-t")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Create an empty glossary for one language pair and print its id."""
    glossary = run(
        lambda store: store.create_glossary(name, source_lang, target_lang, tenant=tenant)
    )
    typer.echo(glossary.id)


@app.command("list")
def glossary_list(tenant: TenantOption = DEFAULT_TENANT) -> None:
    """List glossaries: id, pair, entries, name."""
    for g in run(lambda store: store.list_glossaries(tenant=tenant)):
        typer.echo(f"{g.id}\t{g.source_lang}->{g.target_lang}\t{g.entry_count}\t{g.name}")


@app.command("delete")
def glossary_delete(glossary: str, tenant: TenantOption = DEFAULT_TENANT) -> None:
    """Delete a glossary and its entries."""

    async def work(store: Store) -> None:
        await store.delete_glossary(await glossary_id(store, glossary, tenant), tenant=tenant)

    run(work)


@app.command("import")
def glossary_import(
    glossary: Annotated[str, typer.Argument(help="Glossary id or name.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="TBX, CSV or TSV.")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Import a TBX, CSV or TSV glossary, all or nothing."""

    async def work(store: Store) -> str:
        found_id = await glossary_id(store, glossary, tenant)
        found = await store.get_glossary(found_id, tenant=tenant)
        reading = read_glossary(file, None, found.source_lang, found.target_lang)
        try:
            written = await store.add_entries(found_id, reading, tenant=tenant)
        except InvalidFile as exc:
            raise InvalidFile(f"{file}: {exc}; nothing was imported") from exc
        return f"{written} entries written, {reading.skipped} skipped"

    typer.echo(run(work), err=True)


@app.command("export")
def glossary_export(
    glossary: Annotated[str, typer.Argument(help="Glossary id or name.")],
    file: Annotated[Path, typer.Argument(help="Output; the format from its suffix.")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Export a glossary to TBX v3, CSV or TSV."""
    fmt = format_of(file.name)

    async def work(store: Store) -> int:
        found_id = await glossary_id(store, glossary, tenant)
        found = await store.get_glossary(found_id, tenant=tenant)
        entries = await store.entries(found_id, tenant=tenant)
        return write_glossary(entries, file, fmt, found.source_lang, found.target_lang)

    typer.echo(f"{run(work)} entries written to {file}", err=True)
