"""File transfers of the API: uploads read by the `tm.formats` readers, exports spooled to disk.

The format writers are synchronous and take an iterable; the store yields units
asynchronously. `spool` runs a writer in a worker thread and feeds it the store's items in
batches, so an export of a million units never holds them all in memory and never blocks
the event loop. `memory_upload` reads an uploaded memory file: a large one from a named
copy, so that `FileUnits` can parse it in a child process while the store writes.
"""

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

from tm.formats import Reading, read_memory
from tm.models import TranslationUnit
from tm.store import file_import
from tm.store.file_import import FileUnits

T = TypeVar("T")
R = TypeVar("R")

BATCH = 2000
"""Items handed from the event loop to the writer thread at a time."""

COPY_BUFFER = 2**20  # bytes per read when an upload is copied to a named file


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


@asynccontextmanager
async def memory_upload(
    stream: BinaryIO,
    size: int | None,
    fmt: str,
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> AsyncIterator[Reading[TranslationUnit] | FileUnits]:
    """The units of an uploaded memory file of `size` bytes, for `Store.add_units`.

    A file of `file_import.CHILD_MIN_BYTES` or more (or of unknown size) is copied to a
    named temporary file, removed afterwards, and read as `FileUnits`: parsed in a child
    process, so the import uses a second core and the event loop's process does not parse.
    """
    if size is not None and size < file_import.CHILD_MIN_BYTES:
        yield read_memory(stream, fmt, source_lang=source_lang, target_lang=target_lang)
        return
    handle, name = tempfile.mkstemp(prefix="adaptmt-upload-", suffix=f".{fmt}")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as copy:
            await asyncio.to_thread(shutil.copyfileobj, stream, copy, COPY_BUFFER)
        yield FileUnits(path, fmt, source_lang=source_lang, target_lang=target_lang)
    finally:
        path.unlink(missing_ok=True)
