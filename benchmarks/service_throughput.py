"""Throughput benchmark: is the service ever the bottleneck in front of the LLM?

    python -m benchmarks.service_throughput [--latency-ms 50] [--concurrency 128]
                                            [--duration 20] [--json out.json]

1. Starts the LLM stand-in (`python -m eval.standin`) in its own process, answering every
   chat request after `--latency-ms`.
2. **Direct**: `--concurrency` clients send translation prompts straight to the stand-in for
   `--duration` seconds: what the stand-in can serve (requests/s).
3. **Through the service**: `adaptmt serve` in its own process, pointed at the stand-in; the
   same clients send one-segment `POST /v1/translate` requests: segments/s, errors, latency.
4. Prints the ratio service/direct (goal >= 0.9) and writes the figures as JSON.

Cores: on a machine with few cores the load generator, the stand-in and the service compete
for CPU, which measures the machine rather than the service. With `--pin` (the default when
there are at least 2 cores) the load generator and the stand-in share core 0 in both phases
and the service runs alone on core 1, so both phases give the LLM side the same CPU and the
ratio says whether one core of service keeps up with what the LLM side serves.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from service.prompts import build_translation_prompt

CONNECTIONS_PER_CLIENT = 8
SEGMENT = "Wash your hands often with soap and water for at least 20 seconds."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up in {timeout_s} s")


def _start(
    args: list[str], core: int | None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    command = [sys.executable, *args]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    return subprocess.Popen(command, env={**os.environ, **(env or {})})


async def _load(
    make: Callable[[httpx.AsyncClient], Any], concurrency: int, duration_s: float, items: int
) -> dict[str, float]:
    """`concurrency` workers calling `make` in a loop for `duration_s` (after a 2 s warm-up)."""
    latencies: list[float] = []
    errors = 0
    # httpx rescans its whole pool on every request (encode/httpx#3215): one small pool
    # per group of workers keeps the load generator's CPU per request flat.
    clients = [
        httpx.AsyncClient(limits=httpx.Limits(max_connections=CONNECTIONS_PER_CLIENT), timeout=60)
        for _ in range(-(-concurrency // CONNECTIONS_PER_CLIENT))
    ]
    warm_until = time.perf_counter() + 2
    stop_at = warm_until + duration_s

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while (now := time.perf_counter()) < stop_at:
            try:
                response = await make(client)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if now >= warm_until:
                latencies.append(time.perf_counter() - now)
                errors += not ok

    try:
        await asyncio.gather(
            *(worker(clients[i // CONNECTIONS_PER_CLIENT]) for i in range(concurrency))
        )
    finally:
        for client in clients:
            await client.aclose()
    done = len(latencies)
    ordered = sorted(latencies)
    return {
        "requests": done,
        "errors": errors,
        "items_per_s": done * items / duration_s,
        "latency_p50_ms": 1000 * statistics.median(ordered) if ordered else 0.0,
        "latency_p99_ms": 1000 * ordered[int(0.99 * (done - 1))] if ordered else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_throughput")
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--duration", type=float, default=20, help="seconds per phase")
    parser.add_argument("--segments", type=int, default=1, help="segments per translate request")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=os.cpu_count() >= 2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.pin:
        os.sched_setaffinity(0, {0})
    llm_core, service_core = (0, 1) if args.pin else (None, None)

    llm_port, service_port = _free_port(), _free_port()
    standin = _start(
        ["-m", "eval.standin", "--port", str(llm_port), "--latency-ms", str(args.latency_ms)],
        llm_core,
    )
    service: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(f"http://127.0.0.1:{llm_port}/health", standin)
        prompt = build_translation_prompt(SEGMENT, source_lang="en", target_lang="fr").messages
        chat = {"model": "standin-model", "messages": prompt, "max_tokens": 128, "temperature": 0}
        chat_url = f"http://127.0.0.1:{llm_port}/v1/chat/completions"
        direct = asyncio.run(
            _load(lambda c: c.post(chat_url, json=chat), args.concurrency, args.duration, 1)
        )
        print(f"direct to the stand-in: {direct}", flush=True)

        with tempfile.TemporaryDirectory() as tmp:
            env = {
                "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "ADAPTMT_LLM_URL": f"http://127.0.0.1:{llm_port}/v1",
                "ADAPTMT_LLM_MODEL": "standin-model",
                "ADAPTMT_LLM_MAX_CONCURRENCY": str(max(args.concurrency * args.segments, 1)),
            }
            service = _start(
                ["-m", "service.cli", "serve", "--port", str(service_port)], service_core, env
            )
            _wait_for(f"http://127.0.0.1:{service_port}/healthz", service)
            segments = [f"{SEGMENT} ({n})" for n in range(args.segments)]
            body = {"source_lang": "en", "target_lang": "fr", "segments": segments}
            url = f"http://127.0.0.1:{service_port}/v1/translate"
            through = asyncio.run(
                _load(
                    lambda c: c.post(url, json=body), args.concurrency, args.duration, args.segments
                )
            )
            print(f"through the service: {through}", flush=True)
    finally:
        for process in (service, standin):
            if process is not None:
                process.terminate()
                process.wait()

    ratio = through["items_per_s"] / direct["items_per_s"]
    figures = {
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "segments_per_request": args.segments,
        "pinned": args.pin,
        "direct": direct,
        "service": through,
        "ratio": ratio,
    }
    print(json.dumps(figures, indent=2))
    print(f"service/stand-in throughput: {ratio:.3f} (goal >= 0.9), errors: {through['errors']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
