"""File transfers of the API: uploads read by the `tm.formats` readers, exports spooled to disk.

The format writers are synchronous and take an iterable; the store yields units
asynchronously. `spool` runs a writer in a worker thread and feeds it the store's items in
batches, so an export of a million units never holds them all in memory and never blocks
the event loop.
"""

import asyncio
import os
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from typing import BinaryIO, TypeVar

T = TypeVar("T")

BATCH = 2000
"""Items handed from the event loop to the writer thread at a time."""


async def _batches(items: AsyncIterator[T]) -> AsyncGenerator[list[T], None]:
    batch: list[T] = []
    async for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _next(batches: AsyncIterator[list[T]]) -> list[T]:
    return await anext(batches)


def _pull(batches: AsyncIterator[list[T]], loop: asyncio.AbstractEventLoop) -> Iterator[T]:
    """The async batches as a plain iterator, for a thread other than the loop's."""
    while True:
        try:
            batch: list[T] = asyncio.run_coroutine_threadsafe(_next(batches), loop).result()
        except StopAsyncIteration:
            return
        yield from batch


async def spool(
    items: AsyncIterator[T] | Iterable[T],
    write: Callable[[Iterable[T], BinaryIO], object],
    suffix: str,
) -> str:
    """Write `items` with `write` into a temporary file; the caller deletes the file."""
    handle, path = tempfile.mkstemp(prefix="adaptmt-export-", suffix=suffix)
    batches = _batches(items) if isinstance(items, AsyncIterator) else None
    source = _pull(batches, asyncio.get_running_loop()) if batches else items
    try:
        with os.fdopen(handle, "wb") as stream:
            await asyncio.to_thread(write, source, stream)  # type: ignore[arg-type]
    except BaseException:
        os.unlink(path)
        raise
    finally:
        if batches:
            await batches.aclose()
    return path
