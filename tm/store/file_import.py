"""Large memory files imported on two cores: read and analysed in a child process.

`FileUnits` stands for the units of a memory file. Iterated, it reads the file in this
process, as `tm.formats.read_memory` does. The SQLite store asks it for `analysed_chunks`
instead: for a file of `CHILD_MIN_BYTES` or more, a child process parses the file and
analyses each unit (`UnitAnalyser`: stored values, and the sources' keys for every other
chunk), sending chunks of `WRITE_CHUNK` units through a pipe, column by column, while this
process keys the rest, resolves and writes the chunk before, so parsing overlaps the SQLite
work. The pipe holds one chunk: the child stays at most a chunk or two ahead, and memory
stays flat however large the file.

Failures keep the import all or nothing: whatever the child raises (`InvalidFile` for a
malformed file, `UnsafeXML`) is sent back and raised here, inside the store's transaction,
which rolls back. The child is stopped and joined whenever the parent stops reading (an
error on either side, Ctrl-C, the iterator closed); it is a daemon, so it never outlives
this process. It is started with `spawn`: the store's writer thread runs the import, and
forking a process that has threads is unsafe.
"""

import multiprocessing
import os
from collections import Counter
from collections.abc import Generator, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tm.formats import Reading, read_memory
from tm.models import TranslationUnit
from tm.store.unit_analysis import AnalysedChunk, UnitAnalyser

CHILD_MIN_BYTES = 8 * 2**20
"""Smaller files are read in this process: starting an interpreter for the child takes
about a second, more than the overlap saves on a file of a few thousand units."""

CHILD_STOP_TIMEOUT_S = 5.0  # how long a stopped child may take to exit before it is killed

_UNITS, _DONE, _FAILED = "units", "done", "failed"

CHILD_KEYS_EVERY = 2
"""The child adds the sources' keys (`AnalysedChunk.add_keys`) to one chunk in this many,
the parent to the others: measured on two cores, that balances reading against writing
(with all keys in the child, it took 45 µs a unit to the parent's 37; with none, 29 to 47)."""


class ReaderProcessDied(RuntimeError):
    """The child process reading the file ended without saying why (killed, crashed)."""


class FileUnits:
    """The units of a memory file, for `Store.add_units`; like `read_memory`'s `Reading`.

    `count`, `skipped` and `skip_reasons` are known once the units have been consumed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fmt: str | None = None,
        *,
        source_lang: str | None = None,
        target_lang: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.count = 0
        self.skip_reasons: Counter[str] = Counter()

    @property
    def skipped(self) -> int:
        """How many units the file's format left out on purpose."""
        return self.skip_reasons.total()

    def __iter__(self) -> Iterator[TranslationUnit]:
        reading = self._reading()
        self.skip_reasons = reading.skip_reasons  # grows as the file is read
        for unit in reading:
            self.count += 1
            yield unit

    def analysed_chunks(self, chunk_size: int) -> Generator[AnalysedChunk]:
        """The units analysed, in chunks; from a child process if the file is large."""
        if self.path.stat().st_size < CHILD_MIN_BYTES:
            yield from UnitAnalyser().chunks(self, chunk_size)
            return
        yield from self._from_child(chunk_size)

    def _reading(self) -> Reading[TranslationUnit]:
        return read_memory(
            self.path, self.fmt, source_lang=self.source_lang, target_lang=self.target_lang
        )

    def _from_child(self, chunk_size: int) -> Generator[AnalysedChunk]:
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_read_in_child,
            args=(sender, self, chunk_size),
            name="adaptmt-import-reader",
            daemon=True,
        )
        child.start()
        sender.close()  # the child holds the only writing end: its exit ends the pipe
        try:
            while True:
                try:
                    kind, payload = receiver.recv()
                except EOFError:
                    child.join(CHILD_STOP_TIMEOUT_S)
                    raise ReaderProcessDied(
                        f"the process reading {self.path.name} ended unexpectedly"
                        f" (exit code {child.exitcode})"
                    ) from None
                if kind == _UNITS:
                    yield payload.add_keys()
                elif kind == _DONE:
                    self.count, self.skip_reasons = payload
                    return
                else:
                    raise payload
        finally:
            receiver.close()
            _stop(child)


def _stop(child: Any) -> None:
    """End the child: it has sent all it had, or its work is no longer wanted."""
    child.terminate()  # nothing once it has exited
    child.join(CHILD_STOP_TIMEOUT_S)
    if child.exitcode is None:
        child.kill()
        child.join()


def _read_in_child(sender: Connection, units: FileUnits, chunk_size: int) -> None:
    """The child: read and analyse `units`, sending chunks, then the counts or the error."""
    try:
        reading = units._reading()
        # the keys of every other chunk are left to the parent (`CHILD_KEYS_EVERY`)
        chunks = UnitAnalyser().chunks(reading, chunk_size, keys=False)
        for number, chunk in enumerate(chunks):
            if number % CHILD_KEYS_EVERY == 0:
                chunk.add_keys()
            sender.send((_UNITS, chunk))
        sender.send((_DONE, (reading.count, reading.skip_reasons)))
    except KeyboardInterrupt:
        pass  # Ctrl-C reached the whole process group: the parent stops the import
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading (it failed, or was interrupted)
    except Exception as exc:  # sent to the parent, which raises it inside the transaction
        _send_failure(sender, exc)
    finally:
        sender.close()


def _send_failure(sender: Connection, exc: Exception) -> None:
    try:
        sender.send((_FAILED, exc))
    except (BrokenPipeError, ConnectionResetError):
        pass
    except Exception:  # the exception does not pickle: send what it said
        sender.send((_FAILED, RuntimeError(f"{type(exc).__name__}: {exc}")))
