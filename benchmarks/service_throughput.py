"""Throughput benchmark: is the service ever the bottleneck in front of the LLM?

    python -m benchmarks.service_throughput [--latency-ms 50] [--concurrency 128]
                                            [--duration 20] [--load-generator wrk|python]
                                            [--workers 1] [--json out.json]

1. Starts the LLM stand-in (`python -m eval.standin`) in its own process, answering every
   chat request after `--latency-ms`.
2. **Direct**: `--concurrency` clients send translation prompts straight to the stand-in for
   `--duration` seconds: what the stand-in can serve (requests/s).
3. **Through the service**: `adaptmt serve` in its own process, pointed at the stand-in; the
   same clients send one-segment `POST /v1/translate` requests: segments/s, errors, latency.
4. Prints the ratio service/direct (goal >= 0.9) and writes the figures as JSON, with the
   CPU milliseconds per request that the stand-in and the service spent, and the cores of
   service that the goal takes at that CPU cost (`service_cores_for_goal`: 0.9 x the direct
   requests/s x the service's CPU seconds per request).

Load generator: `wrk` (Debian/Ubuntu: `apt-get install wrk`), one thread keeping
`--concurrency` connections busy with one request each, in both phases. It costs a few
microseconds of CPU per request, so core 0's CPU goes to the stand-in and the direct phase
measures what the stand-in can serve. Without wrk the benchmark says so and falls back to
the Python generator (httpx), which costs more CPU per request than the stand-in itself:
then both phases are bounded by the generator, not by the stand-in.

Cores: on a machine with few cores the load generator, the stand-in and the service compete
for CPU, which measures the machine rather than the service. With `--pin` (the default when
there are at least 2 cores) the load generator and the stand-in share core 0 in both phases
and the service runs alone on core 1, so both phases give the LLM side the same CPU and the
ratio says whether one core of service keeps up with what the LLM side serves. On a
machine with more cores, `--workers N` runs `adaptmt serve --workers N` on cores 1..N.
"""

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from service.prompts import build_translation_prompt

CONNECTIONS_PER_CLIENT = 8
GOAL_RATIO = 0.9
"""Service throughput over what the stand-in serves directly (issue #3)."""
SEGMENT = "Wash your hands often with soap and water for at least 20 seconds."
WARM_UP_S = 2
"""Seconds of load before each measured run (connections opened, caches warm)."""
WRK_TIMEOUT_S = 60
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = %s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests": %%d, "duration_us": %%d, "socket_errors": %%d, "status_errors": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""
"""POSTs a JSON body; prints the run's figures as one JSON line at the end."""


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
    args: list[str], core: int | str | None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`args` run by this Python, pinned to `core` (a number or a taskset list such as "1-4")."""
    command = [sys.executable, *args]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    return subprocess.Popen(command, env={**os.environ, **(env or {})})


class _CpuMeter:
    """CPU seconds (user + system) that some processes, with their children, spend from
    `start()` on (`serve --workers N` serves from child processes)."""

    def __init__(self, processes: dict[str, subprocess.Popen[bytes]]) -> None:
        self._processes = {name: psutil.Process(p.pid) for name, p in processes.items()}
        self._started: dict[str, float] = {}

    def start(self) -> None:
        self._started = {name: _cpu_s(p) for name, p in self._processes.items()}

    def per_request(self, requests: int) -> dict[str, float]:
        """Milliseconds of CPU per request of each process since `start()`."""
        return {
            f"{name}_cpu_ms_per_request": 1000 * (_cpu_s(p) - self._started[name]) / requests
            for name, p in self._processes.items()
            if requests
        }


def _cpu_s(process: psutil.Process) -> float:
    total = 0.0
    for each in (process, *process.children(recursive=True)):
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def _python_load(
    url: str, body: dict[str, Any], concurrency: int, duration_s: float, meter: _CpuMeter
) -> dict[str, float]:
    """`concurrency` httpx workers POSTing `body` in a loop for `duration_s` (after a warm-up)."""
    latencies: list[float] = []
    errors = 0
    # httpx rescans its whole pool on every request (encode/httpx#3215): one small pool
    # per group of workers keeps the load generator's CPU per request flat.
    clients = [
        httpx.AsyncClient(limits=httpx.Limits(max_connections=CONNECTIONS_PER_CLIENT), timeout=60)
        for _ in range(-(-concurrency // CONNECTIONS_PER_CLIENT))
    ]
    warm_until = time.perf_counter() + WARM_UP_S
    stop_at = warm_until + duration_s

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while (now := time.perf_counter()) < stop_at:
            try:
                response = await client.post(url, json=body)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if now >= warm_until:
                latencies.append(time.perf_counter() - now)
                errors += not ok

    async def start_meter() -> None:
        await asyncio.sleep(WARM_UP_S)
        meter.start()

    try:
        await asyncio.gather(
            start_meter(),
            *(worker(clients[i // CONNECTIONS_PER_CLIENT]) for i in range(concurrency)),
        )
    finally:
        for client in clients:
            await client.aclose()
    done = len(latencies)
    ordered = sorted(latencies)
    return {
        "requests": done,
        "errors": errors,
        "requests_per_s": done / duration_s,
        "latency_p50_ms": 1000 * statistics.median(ordered) if ordered else 0.0,
        "latency_p99_ms": 1000 * ordered[int(0.99 * (done - 1))] if ordered else 0.0,
    }


def _wrk_load(
    url: str, body: dict[str, Any], concurrency: int, duration_s: float, meter: _CpuMeter
) -> dict[str, float]:
    """`wrk` keeping `concurrency` requests in flight for `duration_s` (after a warm-up run)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % json.dumps(json.dumps(body)))
        script.flush()

        def run(seconds: float) -> dict[str, Any]:
            command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:g}s"]
            command += [f"--timeout={WRK_TIMEOUT_S}s", "-s", script.name, url]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
            return figures

        run(WARM_UP_S)
        meter.start()
        figures = run(duration_s)
    done = figures["requests"]
    return {
        "requests": done,
        "errors": figures["socket_errors"] + figures["status_errors"],
        "requests_per_s": done / (figures["duration_us"] / 1e6),
        "latency_p50_ms": figures["p50_us"] / 1000,
        "latency_p99_ms": figures["p99_us"] / 1000,
    }


def _load(
    generator: str,
    url: str,
    body: dict[str, Any],
    args: argparse.Namespace,
    processes: dict[str, subprocess.Popen[bytes]],
) -> dict[str, float]:
    """One phase: its requests/s, errors, latency and each process's CPU per request."""
    meter = _CpuMeter(processes)
    if generator == "wrk":
        figures = _wrk_load(url, body, args.concurrency, args.duration, meter)
    else:
        figures = asyncio.run(_python_load(url, body, args.concurrency, args.duration, meter))
    figures |= meter.per_request(int(figures["requests"]))
    figures["items_per_s"] = figures["requests_per_s"] * len(body.get("segments", [None]))
    return figures


def _generator(wanted: str) -> str:
    """The load generator to use: wrk when asked for and installed, else the Python one."""
    if wanted == "wrk" and shutil.which("wrk") is None:
        print(
            "wrk is not installed (apt-get install wrk): falling back to the Python load "
            "generator, which costs more CPU per request than the stand-in it shares core 0 "
            "with, so the figures measure the generator more than the stand-in",
            file=sys.stderr,
            flush=True,
        )
        return "python"
    return wanted


def main(argv: list[str] | None = None) -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_throughput")
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--duration", type=float, default=20, help="seconds per phase")
    parser.add_argument("--segments", type=int, default=1, help="segments per translate request")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=os.cpu_count() >= 2)
    parser.add_argument(
        "--load-generator",
        choices=["wrk", "python"],
        default="wrk",
        help="wrk (C, cheap per request; falls back to python when not installed) or python "
        "(httpx, as a client of the service would be)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="service worker processes (serve --workers)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    generator = _generator(args.load_generator)
    if args.pin:  # the load generator (this process, or wrk as its child) runs on core 0
        os.sched_setaffinity(0, {0})
    llm_core: int | None = 0 if args.pin else None
    service_cores = f"1-{min(args.workers, (os.cpu_count() or 2) - 1)}" if args.pin else None

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
        direct = _load(generator, chat_url, chat, args, {"standin": standin})
        print(f"direct to the stand-in: {direct}", flush=True)

        with tempfile.TemporaryDirectory() as tmp:
            env = {
                "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "ADAPTMT_LLM_URL": f"http://127.0.0.1:{llm_port}/v1",
                "ADAPTMT_LLM_MODEL": "standin-model",
                "ADAPTMT_LLM_MAX_CONCURRENCY": str(max(args.concurrency * args.segments, 1)),
            }
            serve = ["-m", "service.cli", "serve", "--port", str(service_port)]
            if args.workers > 1:
                serve += ["--workers", str(args.workers)]
            service = _start(serve, service_cores, env)
            _wait_for(f"http://127.0.0.1:{service_port}/healthz", service)
            segments = [f"{SEGMENT} ({n})" for n in range(args.segments)]
            body = {"source_lang": "en", "target_lang": "fr", "segments": segments}
            url = f"http://127.0.0.1:{service_port}/v1/translate"
            through = _load(generator, url, body, args, {"standin": standin, "service": service})
            print(f"through the service: {through}", flush=True)
    finally:
        for process in (service, standin):
            if process is not None:
                process.terminate()
                process.wait()

    ratio = through["items_per_s"] / direct["items_per_s"]
    service_cpu_s = through.get("service_cpu_ms_per_request", 0.0) / 1000 / args.segments
    figures = {
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "segments_per_request": args.segments,
        "pinned": args.pin,
        "service_workers": args.workers,
        "service_cores": service_cores,
        "load_generator": generator,
        "direct": direct,
        "service": through,
        "ratio": ratio,
        "service_cores_for_goal": GOAL_RATIO * direct["items_per_s"] * service_cpu_s,
    }
    print(json.dumps(figures, indent=2))
    print(
        f"service/stand-in throughput: {ratio:.3f} (goal >= {GOAL_RATIO}), "
        f"errors: {through['errors']}, service cores for the goal: "
        f"{figures['service_cores_for_goal']:.1f}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
