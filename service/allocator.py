"""The C heap under the service, on glibc: fewer malloc arenas, and freed memory given back.

Memory that C code allocates (libxml2's document trees, SQLite's caches, the buffers of
large bytes objects) comes from glibc's malloc, which gives each thread that allocates an
arena of its own, up to eight per core. A job's work hops between the event loop, the
store's threads and `asyncio.to_thread` workers, so memory freed in one arena is not
reused by the next allocation in another and the process's RSS grows with the work done
rather than with what it holds (measured in the README, "Document jobs"). Capping the
arenas (`cap_arenas`, at start-up) and trimming the heap after a job (`trim`) keep it to
what the work needs. Elsewhere (musl, macOS, Windows) both do nothing.
"""

import ctypes
import functools
import logging
import platform

log = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""mallopt's parameter number for the arena cap (glibc's malloc.h)."""


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc, else None."""
    if platform.libc_ver()[0] != "glibc":
        return None
    return ctypes.CDLL(None)  # this process's symbols, glibc's among them


def cap_arenas(arenas: int) -> bool:
    """Let glibc's malloc use at most `arenas` arenas (0: its default); whether it applied.

    Call it early, before the process starts threads: arenas made before stay.
    """
    libc = _glibc()
    if arenas <= 0 or libc is None:
        return False
    applied = bool(libc.mallopt(M_ARENA_MAX, arenas))
    if not applied:
        log.warning("could not cap glibc's malloc arenas at %d", arenas)
    return applied


def trim() -> bool:
    """Give the free memory at the top and inside every arena back to the system (glibc's
    `malloc_trim(0)`); whether any was given back."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
