"""The LLM stand-in: a small real HTTP server that speaks vLLM's OpenAI wire format.

Tests and benchmarks run the service against it instead of a GPU. It is tooling, never a
translation engine, and `serve` never uses it.

    with StandIn(latency_s=0.05) as llm:           # uvicorn on 127.0.0.1, a free port
        llm.add_reply("Hello", "Hallo")            # a fixed reply when the prompt matches
        llm.fail_next(2, status=503)               # then scripted faults
        client = LLMClient(LLMConfig(base_url=llm.base_url))
        ...
        llm.requests[-1].messages                  # every request received, for assertions

    python -m eval.standin --port 8000 --latency-ms 50

It serves `GET /v1/models`, `POST /v1/chat/completions` and `GET /health`, and answers
errors in vLLM's envelope `{"error": {"message", "type", "param", "code"}}`. Without a
matching rule it answers with `DefaultReply`: the source (found with
`service.prompts.source_of`) marked as a pseudo-translation, or echoed unchanged. Waits
are `asyncio.sleep`, so it sustains hundreds of concurrent requests.
"""

import argparse
import asyncio
import json
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus
from typing import Any, Self

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from service.prompts import CHARS_PER_TOKEN, Message, estimate_messages, estimate_tokens, source_of

DEFAULT_MODEL = "standin-model"
MARKER = "[standin] "
"""Prefix of the default pseudo-translation: keeps tags and numbers, differs from the source."""
MALFORMED_BODY = '{"id": "chatcmpl-broken", "choices": [{"message": '
DISCONNECT_POLL_S = 0.02
"""How often a scripted hang checks whether the client is still there."""
SHUTDOWN_GRACE_S = 1
"""How long stopping waits for requests still in flight (e.g. a scripted hang)."""


class DefaultReply(StrEnum):
    """What the stand-in answers when no rule matches."""

    MARKED = "marked"  # MARKER + source: a pseudo-translation that passes the checks
    ECHO = "echo"  # the source unchanged: exercises the "untranslated" check and APE


@dataclass(slots=True)
class _Rule:
    pattern: re.Pattern[str]
    replies: deque[str | int]


@dataclass(frozen=True, slots=True)
class _Fault:
    status: int | None = None  # an error status to answer
    retry_after: float | None = None
    delay_s: float = 0.0  # extra wait before answering (a timeout for a shorter client timeout)
    malformed: bool = False


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One chat completion request as the stand-in received it."""

    messages: list[Message]
    params: dict[str, Any]  # every body field but `messages`
    headers: dict[str, str] = field(default_factory=dict)  # authorization, x-request-id


class StandIn:
    """A scriptable OpenAI-compatible server, run by uvicorn in a background thread."""

    def __init__(
        self,
        *,
        model: str = DEFAULT_MODEL,
        latency_s: float = 0.0,
        default_reply: DefaultReply = DefaultReply.MARKED,
        max_context_tokens: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.model = model
        self.latency_s = latency_s
        self.default_reply = default_reply
        self.max_context_tokens = max_context_tokens
        self.requests: list[ReceivedRequest] = []
        self.model_list_requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._host, self._port = host, port
        self._rules: list[_Rule] = []
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    # -- scripting -------------------------------------------------------------------------

    def add_reply(
        self, pattern: str | re.Pattern[str], reply: str | int | Sequence[str | int]
    ) -> None:
        """Answer `reply` when the last user message contains `pattern` (a substring or regex).

        Rules are tried in the order added. A sequence of replies is used one per matching
        request, the last one repeating (e.g. a bad draft, then the APE fix). An int answers
        that HTTP error status instead (e.g. a draft, then a 503 for the post-edit).
        """
        compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        replies: deque[str | int] = deque([reply] if isinstance(reply, str | int) else reply)
        with self._lock:
            self._rules.append(_Rule(compiled, replies))

    def fail_next(self, count: int, *, status: int = 503, retry_after: float | None = None) -> None:
        """Answer the next `count` chat requests with `status` (and a `Retry-After` header)."""
        self._add_faults(count, _Fault(status=status, retry_after=retry_after))

    def hang_next(self, count: int, seconds: float) -> None:
        """Delay the next `count` chat requests by `seconds`, then answer normally.

        A client that hangs up meanwhile (its timeout) is dropped, as vLLM aborts such requests.
        """
        self._add_faults(count, _Fault(delay_s=seconds))

    def malformed_next(self, count: int) -> None:
        """Answer the next `count` chat requests 200 with a truncated JSON body."""
        self._add_faults(count, _Fault(malformed=True))

    def reset(self) -> None:
        """Forget rules, pending faults, the request log and the counters."""
        with self._lock:
            self._rules.clear()
            self._faults.clear()
            self.requests.clear()
            self.model_list_requests = 0
            self.max_in_flight = self.in_flight

    def _add_faults(self, count: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    def _next_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _reply(self, messages: list[Message]) -> str | int:
        last_user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        with self._lock:
            for rule in self._rules:
                if rule.pattern.search(last_user):
                    return rule.replies.popleft() if len(rule.replies) > 1 else rule.replies[0]
        source = source_of(messages)
        if source is None:
            source = last_user
        return MARKER + source if self.default_reply is DefaultReply.MARKED else source

    # -- HTTP --------------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="adaptmt LLM stand-in", openapi_url=None)
        app.add_api_route("/health", self._health, methods=["GET"])
        app.add_api_route("/v1/models", self._models, methods=["GET"])
        app.add_api_route("/v1/chat/completions", self._chat, methods=["POST"])
        return app

    async def _health(self) -> Response:
        return Response(status_code=200)

    async def _models(self) -> dict[str, Any]:
        self.model_list_requests += 1
        card = {
            "id": self.model,
            "object": "model",
            "created": int(time.time()),
            "owned_by": "standin",
        }
        return {
            "object": "list",
            "data": [card | {"root": self.model, "max_model_len": self.max_context_tokens}],
        }

    async def _chat(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            messages = body.pop("messages")
            if not isinstance(messages, list):
                raise TypeError("messages is not a list")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return _error(400, f"invalid chat completion request: {exc}")
        headers = {
            k: v for k, v in request.headers.items() if k in ("authorization", "x-request-id")
        }
        self.requests.append(ReceivedRequest(messages, body, headers))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request, messages, body)
        finally:
            self.in_flight -= 1

    async def _answer(
        self, request: Request, messages: list[Message], params: dict[str, Any]
    ) -> Response:
        fault = self._next_fault() or _Fault()
        await asyncio.sleep(self.latency_s)
        if fault.delay_s and not await _wait_unless_disconnected(request, fault.delay_s):
            return Response(status_code=499)  # like vLLM, drop the work of a client that left
        if fault.status is not None:
            headers = (
                {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
            )
            return _error(fault.status, f"scripted {fault.status}", headers)
        if params.get("model") != self.model:
            return _error(404, f"The model `{params.get('model')}` does not exist.", param="model")
        prompt_tokens = estimate_messages(messages)
        if self.max_context_tokens is not None and prompt_tokens > self.max_context_tokens:
            return _error(
                400,
                f"This model's maximum context length is {self.max_context_tokens} tokens. "
                f"However, your request has {prompt_tokens} input tokens. "
                "Please reduce the length of the input messages.",
            )
        if fault.malformed:
            return Response(MALFORMED_BODY, media_type="application/json")
        text, finish_reason = self._reply(messages), "stop"
        if isinstance(text, int):
            return _error(text, f"scripted {text}")
        max_tokens = params.get("max_tokens")
        if isinstance(max_tokens, int) and estimate_tokens(text) > max_tokens:
            text, finish_reason = text[: int(max_tokens * CHARS_PER_TOKEN)], "length"
        completion_tokens = estimate_tokens(text)
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

    # -- running -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, `http://127.0.0.1:PORT/v1`, once started."""
        return f"http://{self._host}:{self._port}/v1"

    def start(self) -> Self:
        """Start serving in a background thread; returns when the server accepts connections."""
        sock = socket.socket(
            socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )  # so asyncio sets TCP_NODELAY
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
            backlog=2048,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="llm-standin", daemon=True
        )
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the LLM stand-in failed to start on {self._host}:{self._port}")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


async def _wait_unless_disconnected(request: Request, seconds: float) -> bool:
    """Wait `seconds`; False as soon as the client has hung up (e.g. after its timeout)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, DISCONNECT_POLL_S))
        if await request.is_disconnected():
            return False
    return True


def _error(
    status: int, message: str, headers: dict[str, str] | None = None, param: str | None = None
) -> JSONResponse:
    """An error in vLLM's envelope, `type` named after the status as vLLM does (BadRequestError)."""
    error_type = HTTPStatus(status).phrase.replace(" ", "") + "Error"
    body = {"error": {"message": message, "type": error_type, "param": param, "code": status}}
    return JSONResponse(body, status_code=status, headers=headers)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the stand-in in the foreground: `python -m eval.standin --port 8000`."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.standin", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="wait before every answer")
    parser.add_argument("--max-context-tokens", type=int, default=None)
    parser.add_argument(
        "--default-reply", choices=[r.value for r in DefaultReply], default=DefaultReply.MARKED
    )
    args = parser.parse_args(argv)
    standin = StandIn(
        model=args.model,
        latency_s=args.latency_ms / 1000,
        default_reply=DefaultReply(args.default_reply),
        max_context_tokens=args.max_context_tokens,
    )
    print(f"LLM stand-in serving {args.model} at http://{args.host}:{args.port}/v1", flush=True)
    uvicorn.run(standin.app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
