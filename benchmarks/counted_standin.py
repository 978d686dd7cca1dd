"""The LLM stand-in in its own process, counting what it serves, for the jobs benchmark.

    python -m benchmarks.counted_standin --port 8000 --latency-ms 50

`eval.standin.StandIn` plus `GET /stats`: chat requests received so far and the most in
flight at once, so a benchmark counts the LLM calls a job made at the LLM's side.
"""

import argparse

import uvicorn

from eval.standin import StandIn


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in with `/stats` in the foreground."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.counted_standin")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args(argv)
    standin = StandIn(latency_s=args.latency_ms / 1000)

    async def stats() -> dict[str, int]:
        return {"chat_requests": len(standin.requests), "max_in_flight": standin.max_in_flight}

    standin.app.add_api_route("/stats", stats, methods=["GET"])
    uvicorn.run(
        standin.app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        backlog=2048,
    )


if __name__ == "__main__":
    main()
