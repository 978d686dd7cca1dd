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
R = TypeVar("R")

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


async def write_to(
    items: AsyncIterator[T] | Iterable[T],
    write: Callable[[Iterable[T], BinaryIO], R],
    stream: BinaryIO,
) -> R:
    """Run `write(items, stream)` in a worker thread, feeding it async items in batches."""
    if not isinstance(items, AsyncIterator):
        return await asyncio.to_thread(write, items, stream)
    batches = _batches(items)
    try:
        return await asyncio.to_thread(write, _pull(batches, asyncio.get_running_loop()), stream)
    finally:
        await batches.aclose()


async def spool(
    items: AsyncIterator[T] | Iterable[T],
    write: Callable[[Iterable[T], BinaryIO], object],
    suffix: str,
) -> str:
    """Write `items` with `write` into a temporary file; the caller deletes the file."""
    handle, path = tempfile.mkstemp(prefix="adaptmt-export-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            await write_to(items, write, stream)
    except BaseException:
        os.unlink(path)
        raise
    return path
