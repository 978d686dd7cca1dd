import asyncio
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from eval.standin import MARKER, DefaultReply, StandIn
from service.llm import LLMConfig, new_http_client
from service.prompts import build_ape_prompt, build_translation_prompt

PROMPT = build_translation_prompt(
    "Hello <t1>world</t1>", source_lang="en", target_lang="de"
).messages


@pytest.fixture
def http(standin: StandIn) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=standin.base_url) as client:
        yield client


def complete(
    http: httpx.Client, messages: list[dict[str, str]] = PROMPT, **params: Any
) -> httpx.Response:
    return http.post(
        "/chat/completions", json={"model": "standin-model", "messages": messages} | params
    )


def text_of(response: httpx.Response) -> str:
    return str(response.json()["choices"][0]["message"]["content"])


def test_chat_completion_has_vllm_shape(http: httpx.Client) -> None:
    response = complete(http)
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{32}", body["id"])
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert body["model"] == "standin-model"
    [choice] = body["choices"]
    assert choice["index"] == 0
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_models_and_health(standin: StandIn, http: httpx.Client) -> None:
    models = http.get("/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == ["standin-model"]
    assert standin.model_list_requests == 1
    assert httpx.get(standin.base_url.removesuffix("/v1") + "/health").status_code == 200


@pytest.mark.parametrize(
    ("default", "messages", "reply"),
    [
        (DefaultReply.MARKED, PROMPT, MARKER + "Hello <t1>world</t1>"),
        (DefaultReply.ECHO, PROMPT, "Hello <t1>world</t1>"),
        (
            DefaultReply.MARKED,
            build_ape_prompt("Hello", "Hallo!!", ["x"], source_lang="en", target_lang="de"),
            MARKER + "Hello",
        ),
        (DefaultReply.MARKED, [{"role": "user", "content": "free text"}], MARKER + "free text"),
    ],
)
def test_default_reply_uses_the_source(
    standin: StandIn,
    http: httpx.Client,
    default: DefaultReply,
    messages: list[dict[str, str]],
    reply: str,
) -> None:
    standin.default_reply = default
    assert text_of(complete(http, messages)) == reply


def test_reply_rules(standin: StandIn, http: httpx.Client) -> None:
    standin.add_reply(
        "Problems to fix", "APE fix"
    )  # tried first: the APE prompt also holds the source
    standin.add_reply(re.compile(r"Hello <t\d>"), ["first draft", "second draft"])
    standin.add_reply("Hello", "never reached")
    ape = build_ape_prompt("Hello <t1>world</t1>", "x", ["y"], source_lang="en", target_lang="de")
    assert [text_of(complete(http)) for _ in range(3)] == [
        "first draft",
        "second draft",
        "second draft",
    ]
    assert text_of(complete(http, ape)) == "APE fix"


def test_reply_is_cut_at_max_tokens(standin: StandIn, http: httpx.Client) -> None:
    standin.add_reply("Hello", "word " * 50)
    body = complete(http, max_tokens=4).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] <= 4


def test_request_log(standin: StandIn, http: httpx.Client) -> None:
    complete(http, temperature=0.0, max_tokens=12)
    http.post(
        "/chat/completions",
        json={"model": "standin-model", "messages": PROMPT},
        headers={"X-Request-Id": "r-1", "Authorization": "Bearer k"},
    )
    first, second = standin.requests
    assert first.messages == PROMPT
    assert first.params == {"model": "standin-model", "temperature": 0.0, "max_tokens": 12}
    assert second.headers == {"x-request-id": "r-1", "authorization": "Bearer k"}


@pytest.mark.parametrize(
    ("status", "error_type"), [(503, "ServiceUnavailableError"), (429, "TooManyRequestsError")]
)
def test_fail_next(standin: StandIn, http: httpx.Client, status: int, error_type: str) -> None:
    standin.fail_next(2, status=status, retry_after=1.5)
    failures = [complete(http) for _ in range(2)]
    assert [r.status_code for r in failures] == [status, status]
    assert failures[0].headers["Retry-After"] == "1.5"
    assert failures[0].json() == {
        "error": {
            "message": f"scripted {status}",
            "type": error_type,
            "param": None,
            "code": status,
        }
    }
    assert complete(http).status_code == 200


def test_hang_next_delays_the_answer(standin: StandIn, http: httpx.Client) -> None:
    standin.hang_next(1, seconds=0.2)
    started = time.perf_counter()
    assert complete(http).status_code == 200
    assert time.perf_counter() - started >= 0.2
    with pytest.raises(httpx.ReadTimeout):
        standin.hang_next(1, seconds=5)
        http.post(
            "/chat/completions", json={"model": "standin-model", "messages": PROMPT}, timeout=0.1
        )


def test_malformed_next(standin: StandIn, http: httpx.Client) -> None:
    standin.malformed_next(1)
    response = complete(http)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert complete(http).json()["object"] == "chat.completion"


def test_context_length_error(standin: StandIn, http: httpx.Client) -> None:
    standin.max_context_tokens = 10
    response = complete(http)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "BadRequestError"
    assert error["code"] == 400
    assert error["message"].startswith(
        "This model's maximum context length is 10 tokens. However, your request has "
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "other", "messages": PROMPT}, 404),
        ({"model": "standin-model"}, 400),
        ({"model": "standin-model", "messages": "hi"}, 400),
    ],
)
def test_bad_requests(http: httpx.Client, body: dict[str, Any], status: int) -> None:
    response = http.post("/chat/completions", json=body)
    assert response.status_code == status
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_reset(standin: StandIn, http: httpx.Client) -> None:
    standin.add_reply("Hello", "rule")
    standin.fail_next(5)
    complete(http)
    standin.reset()
    assert standin.requests == []
    assert text_of(complete(http)) == MARKER + "Hello <t1>world</t1>"


async def test_sustains_128_concurrent_requests() -> None:
    # a latency long enough that opening 128 connections on a busy machine fits inside it
    # (0.5 s did not always: 82 in flight once, under CI on two cores)
    with StandIn(latency_s=2.0) as standin:
        async with new_http_client(LLMConfig(max_concurrency=128)) as http:
            body = {"model": "standin-model", "messages": PROMPT}
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(http.post(f"{standin.base_url}/chat/completions", json=body) for _ in range(128))
            )
            elapsed = time.perf_counter() - started
        assert all(r.status_code == 200 for r in responses)
        assert standin.max_in_flight == 128  # all waited at once: the latency does not block
        assert elapsed < 20.0  # 128 x 2 s one after the other would take 256 s


def test_runs_as_a_module() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "eval.standin", "--port", str(port), "--model", "m1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                models = httpx.get(f"http://127.0.0.1:{port}/v1/models").json()
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, (
                    "the stand-in did not start"
                )
                time.sleep(0.05)
        assert models["data"][0]["id"] == "m1"
    finally:
        process.terminate()
        process.wait(timeout=10)
