"""`adaptmt memory`: translation memories: create, list, delete, import, export, match."""

from pathlib import Path
from typing import Annotated, Any

import typer

from service.cli.common import TenantOption, memory_id, run
from service.transfer import write_to
from tm.errors import InvalidFile
from tm.formats import format_of, write_memory
from tm.models import DEFAULT_TENANT
from tm.store import Store
from tm.store.file_import import FileUnits

app = typer.Typer(help="Translation memories: create, list, import, export, match.")


@app.command("create")
def memory_create(name: str, description: str = "", tenant: TenantOption = DEFAULT_TENANT) -> None:
    """Create an empty memory and print its id."""
    memory = run(lambda store: store.create_memory(name, tenant=tenant, description=description))
    typer.echo(memory.id)


@app.command("list")
def memory_list(tenant: TenantOption = DEFAULT_TENANT) -> None:
    """List memories: id, units, name."""
    for memory in run(lambda store: store.list_memories(tenant=tenant)):
        typer.echo(f"{memory.id}\t{memory.unit_count}\t{memory.name}")


@app.command("delete")
def memory_delete(memory: str, tenant: TenantOption = DEFAULT_TENANT) -> None:
    """Delete a memory and all its units."""

    async def work(store: Store) -> None:
        await store.delete_memory(await memory_id(store, memory, tenant), tenant=tenant)

    run(work)


@app.command("import")
def memory_import(
    memory: Annotated[str, typer.Argument(help="Memory id or name.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="TMX, CSV or TSV.")],
    source_lang: Annotated[str | None, typer.Option(help="Source language (TMX: srclang).")] = None,
    target_lang: Annotated[str | None, typer.Option(help="Target language to import.")] = None,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Import a TMX, CSV or TSV file, all or nothing."""

    async def work(store: Store) -> str:
        found = await memory_id(store, memory, tenant)
        # a large file is read in a child process while the store writes (SQLite)
        reading = FileUnits(file, source_lang=source_lang, target_lang=target_lang)
        try:
            result = await store.add_units(found, reading, tenant=tenant)
        except InvalidFile as exc:
            raise InvalidFile(f"{file}: {exc}; nothing was imported") from exc
        summary = f"{result.added} added, {result.updated} updated"
        if reading.skipped:
            summary += f", {reading.skipped} skipped ({dict(reading.skip_reasons)})"
        return summary

    typer.echo(run(work), err=True)


@app.command("export")
def memory_export(
    memory: Annotated[str, typer.Argument(help="Memory id or name.")],
    file: Annotated[Path, typer.Argument(help="Output; the format from its suffix.")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Export every unit to a TMX, CSV or TSV file."""
    fmt = format_of(file.name)

    async def work(store: Store) -> int:
        found = await memory_id(store, memory, tenant)
        with file.open("wb") as stream:  # streamed: a 1M-unit memory is never held in memory
            return await write_to(
                store.iter_units(found, tenant=tenant),
                lambda units, out: write_memory(units, out, fmt),
                stream,
            )

    typer.echo(f"{run(work)} units written to {file}", err=True)


@app.command("match")
def memory_match(
    memory: Annotated[str, typer.Argument(help="Memory id or name.")],
    text: Annotated[str, typer.Argument(help="The segment to look up.")],
    source_lang: Annotated[str, typer.Option("--from", "-s")],
    target_lang: Annotated[str, typer.Option("--to", "-t")],
    k: Annotated[int, typer.Option(min=1, help="Matches to show.")] = 5,
    min_score: Annotated[int, typer.Option(min=0, max=100)] = 50,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Show the best fuzzy matches: score, source, target."""

    async def work(store: Store) -> list[Any]:
        found = await memory_id(store, memory, tenant)
        return await store.match(
            [found], text, source_lang, target_lang, k=k, min_score=min_score, tenant=tenant
        )

    for match in run(work):
        typer.echo(f"{match.score}\t{match.unit.source}\t{match.unit.target}")
