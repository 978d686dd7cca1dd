"""What the `adaptmt` commands share: the error exit, the store they work on, name lookups."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer

from service.settings import Settings
from tm.errors import TMError, UnknownGlossary, UnknownMemory
from tm.store import Store, open_store

T = TypeVar("T")

TenantOption = Annotated[str, typer.Option(help="The tenant whose data to use.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error to stderr; the exit to raise with `code`."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def run(work: Callable[[Store], Coroutine[Any, Any, T]]) -> T:
    """Run `work` on the configured store; domain errors become a message and exit code 1."""

    async def go() -> T:
        async with open_store(Settings().database_url) as store:
            return await work(store)

    try:
        return asyncio.run(go())
    except TMError as exc:
        raise fail(str(exc)) from None


async def memory_id(store: Store, ref: str, tenant: str) -> str:
    """A memory id from an id or a name."""
    for memory in await store.list_memories(tenant=tenant):
        if ref in (memory.id, memory.name):
            return memory.id
    raise UnknownMemory(f"no memory with id or name {ref!r}; `adaptmt memory list` shows them")


async def glossary_id(store: Store, ref: str, tenant: str) -> str:
    """A glossary id from an id or a name."""
    for glossary in await store.list_glossaries(tenant=tenant):
        if ref in (glossary.id, glossary.name):
            return glossary.id
    raise UnknownGlossary(
        f"no glossary with id or name {ref!r}; `adaptmt glossary list` shows them"
    )
