"""glibc's malloc tuned from inside the process: the arena cap and the trim take effect.

Each check runs in a fresh interpreter: arenas, once made, last as long as the process, so
this test process (threads of earlier tests) cannot show a cap or a trim cleanly.
"""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="arenas and malloc_trim are glibc's"
)

THREADS = 8
"""More threads than the cap allows arenas, all alive at once."""

ARENAS = """
import ctypes, os, tempfile, threading
libc = ctypes.CDLL(None)


def arenas_in_use() -> int:
    '''glibc's heaps (arenas) that malloc_info reports.'''
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, ctypes.c_void_p(stream))
        libc.fclose(ctypes.c_void_p(stream))
        return open(report.name).read().count("<heap nr=")


libc.fopen.restype = ctypes.c_void_p
started = threading.Barrier({threads} + 1)
done = threading.Event()


def allocate() -> None:
    kept = [bytearray(4096) for _ in range(64)]  # beyond pymalloc's small blocks: malloc
    started.wait()
    done.wait()


threads = [threading.Thread(target=allocate) for _ in range({threads})]
for thread in threads:
    thread.start()
started.wait()
print(arenas_in_use())
done.set()
"""


def run_python(setup: str, probe: str, **env: str) -> str:
    """`setup` then `probe` in a fresh interpreter with `env` added; what it printed."""
    script = textwrap.dedent(setup) + probe
    return subprocess.run(
        [sys.executable, "-c", script],
        env=os.environ | env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


def arenas_after(setup: str, **env: str) -> int:
    """The arenas in use once `THREADS` threads allocated, after `setup`."""
    return int(run_python(setup, ARENAS.format(threads=THREADS), **env))


@pytest.mark.parametrize(
    ("setup", "most"),
    [
        ("", THREADS + 1),  # glibc's default: an arena per thread, up to 8 a core
        ("from service.allocator import cap_arenas; assert cap_arenas(2)", 2),
        ("from service.allocator import cap_arenas; assert not cap_arenas(0)", THREADS + 1),
    ],
)
def test_cap_arenas_limits_the_arenas_threads_get(setup: str, most: int) -> None:
    found = arenas_after(setup)
    default = min(THREADS + 1, 8 * (os.cpu_count() or 1))
    assert found == min(most, default)


@pytest.mark.parametrize(("arenas", "expected"), [("2", 2), ("3", 3), ("0", THREADS + 1)])
def test_a_server_process_caps_its_arenas_from_the_setting(arenas: str, expected: int) -> None:
    setup = "from service.cli.serve import worker_app; worker_app()"
    found = arenas_after(setup, ADAPTMT_MALLOC_ARENA_MAX=arenas)
    assert found == min(expected, 8 * (os.cpu_count() or 1))


TRIM = """
import os
from service.allocator import trim


def rss_kib() -> int:
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0])


blocks = [bytes(2000) + bytes([n % 256]) for n in range(20_000)]  # ~40 MiB of malloc'd blocks
pin = bytes(3000)  # above them: the heap's top cannot shrink when they are freed
del blocks
before = rss_kib()
given_back = trim()
print(given_back, before - rss_kib())
"""


def test_trim_gives_freed_memory_back() -> None:
    given_back, saved_kib = run_python("", TRIM).split()
    assert given_back == "True"
    assert int(saved_kib) > 20 * 1024
