import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from eval.standin import StandIn
from service.llm import (
    MAX_OUTPUT_TOKENS,
    MIN_OUTPUT_TOKENS,
    Completion,
    ContextLengthExceeded,
    LLMBadResponse,
    LLMClient,
    LLMConfig,
    LLMRateLimited,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
    max_tokens_for,
)
from service.prompts import build_translation_prompt
from tests.service.processes import free_port

MESSAGES = build_translation_prompt("Hello world", source_lang="en", target_lang="de").messages
FAST: dict[str, Any] = {"backoff_base_s": 0.001, "backoff_cap_s": 0.005, "timeout_s": 2.0}


@pytest.fixture
async def make_client(standin: StandIn) -> AsyncIterator[Any]:
    clients: list[LLMClient] = []

    def make(**overrides: Any) -> LLMClient:
        client = LLMClient(LLMConfig(**({"base_url": standin.base_url} | FAST | overrides)))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def chat(client: LLMClient, **kwargs: Any) -> Completion:
    return await client.chat(MESSAGES, max_tokens=100, **kwargs)


async def test_chat_returns_text_usage_and_metadata(standin: StandIn, make_client: Any) -> None:
    standin.add_reply("Hello world", "Hallo Welt")
    completion = await chat(make_client())
    assert completion.text == "Hallo Welt"
    assert completion.finish_reason == "stop"
    assert completion.model == "standin-model"
    assert completion.retries == 0
    assert completion.latency_s > 0
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    assert (
        completion.usage.total_tokens
        == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    request = standin.requests[-1]
    assert request.messages == MESSAGES
    assert request.params == {"model": "standin-model", "max_tokens": 100, "temperature": 0.0}


async def test_headers_carry_the_api_key_and_request_id(standin: StandIn, make_client: Any) -> None:
    await chat(make_client(api_key="secret"), request_id="req-42")
    assert standin.requests[-1].headers == {
        "authorization": "Bearer secret",
        "x-request-id": "req-42",
    }


async def test_finish_reason_length(standin: StandIn, make_client: Any) -> None:
    standin.add_reply("Hello", "word " * 100)
    completion = await make_client().chat(MESSAGES, max_tokens=5)
    assert completion.finish_reason == "length"


async def test_model_is_discovered_once_and_cached(standin: StandIn, make_client: Any) -> None:
    client = make_client()
    await asyncio.gather(chat(client), chat(client), chat(client))
    assert await client.model() == "standin-model"
    assert standin.model_list_requests == 1


async def test_configured_model_skips_discovery(standin: StandIn, make_client: Any) -> None:
    await chat(make_client(model="standin-model"))
    assert standin.model_list_requests == 0


async def test_unknown_model_is_rejected(make_client: Any) -> None:
    with pytest.raises(LLMRejected, match="does not exist") as caught:
        await chat(make_client(model="no-such-model"))
    assert caught.value.status == 404


async def test_retries_503_then_succeeds(standin: StandIn, make_client: Any) -> None:
    standin.fail_next(2, status=503)
    completion = await chat(make_client(max_retries=3))
    assert completion.retries == 2
    assert len(standin.requests) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, LLMUnavailable), (502, LLMUnavailable), (504, LLMTimeout), (429, LLMRateLimited)],
)
async def test_gives_up_after_max_retries(
    standin: StandIn, make_client: Any, status: int, error: type[Exception]
) -> None:
    standin.fail_next(3, status=status)
    with pytest.raises(error, match=str(status)):
        await chat(make_client(max_retries=2))
    assert len(standin.requests) == 3


async def test_429_honours_retry_after(standin: StandIn, make_client: Any) -> None:
    standin.fail_next(1, status=429, retry_after=0.3)
    completion = await chat(make_client(max_retries=1))
    assert completion.retries == 1
    assert completion.latency_s >= 0.3  # the back-off alone would wait at most 5 ms


async def test_timeout_after_retries(standin: StandIn, make_client: Any) -> None:
    standin.hang_next(3, seconds=1.0)
    with pytest.raises(LLMTimeout, match="timed out after 3 attempt"):
        await chat(make_client(timeout_s=0.1, max_retries=2))
    assert len(standin.requests) == 3


async def test_slow_answer_then_success(standin: StandIn, make_client: Any) -> None:
    # the first attempt hangs past the timeout; a busy machine answers the retry well inside it
    standin.hang_next(1, seconds=3.0)
    completion = await chat(make_client(timeout_s=0.5, max_retries=1))
    assert completion.retries == 1


async def test_dead_port_is_unavailable_and_names_the_url() -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    async with LLMClient(LLMConfig(base_url=base_url, model="m", max_retries=2, **FAST)) as client:
        with pytest.raises(LLMUnavailable) as caught:
            await chat(client)
        assert not await client.health()
    message = str(caught.value)
    assert f"{base_url}/chat/completions" in message
    assert "vllm serve" in message
    assert "after 3 attempt(s)" in message


async def test_context_length_is_a_distinct_error_and_not_retried(
    standin: StandIn, make_client: Any
) -> None:
    standin.max_context_tokens = 20
    with pytest.raises(
        ContextLengthExceeded, match="maximum context length is 20 tokens"
    ) as caught:
        await chat(make_client())
    assert caught.value.max_context_tokens == 20
    assert caught.value.status == 400
    assert len(standin.requests) == 1


async def test_malformed_body_is_a_bad_response(standin: StandIn, make_client: Any) -> None:
    standin.malformed_next(1)
    with pytest.raises(LLMBadResponse, match="not a chat completion"):
        await chat(make_client())
    assert len(standin.requests) == 1


async def test_concurrency_is_bounded() -> None:
    with StandIn(latency_s=0.05) as own:  # no requests left over from other tests
        async with LLMClient(LLMConfig(base_url=own.base_url, max_concurrency=4)) as client:
            await asyncio.gather(*(chat(client) for _ in range(20)))
        assert own.max_in_flight == 4


async def test_health_and_models(make_client: Any) -> None:
    client = make_client()
    assert await client.health()
    assert await client.models() == ["standin-model"]


async def test_a_shared_http_client_is_left_open(standin: StandIn) -> None:
    async with httpx.AsyncClient() as http:
        async with LLMClient(LLMConfig(base_url=standin.base_url), http) as client:
            await chat(client)
        assert not http.is_closed


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        (  # vLLM before 0.8: a flat envelope
            {
                "object": "error",
                "message": "This model's maximum context length is 4096 tokens. However, you "
                "requested 5000 tokens.",
                "type": "BadRequestError",
                "param": None,
                "code": 400,
            },
            4096,
        ),
        (  # the engine's own check
            {
                "error": {
                    "message": "The decoder prompt (length 9000) is longer than the maximum "
                    "model length of 8192.",
                    "type": "BadRequestError",
                    "param": None,
                    "code": 400,
                }
            },
            8192,
        ),
    ],
)
async def test_context_length_in_other_envelopes(body: dict[str, Any], limit: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(400, json=body))
    async with httpx.AsyncClient(transport=transport) as http:
        client = LLMClient(LLMConfig(model="m"), http)
        with pytest.raises(ContextLengthExceeded) as caught:
            await chat(client)
    assert caught.value.max_context_tokens == limit


@pytest.mark.parametrize(
    ("source", "tokens"),
    [
        ("", MIN_OUTPUT_TOKENS),
        ("x" * 35, MIN_OUTPUT_TOKENS + 20),
        ("x" * 100_000, MAX_OUTPUT_TOKENS),
    ],
)
def test_max_tokens_for(source: str, tokens: int) -> None:
    assert max_tokens_for(source) == tokens


@pytest.mark.parametrize(
    "settings", [{"max_concurrency": 0}, {"max_retries": -1}, {"timeout_s": 0}]
)
def test_config_is_validated(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="LLMConfig needs"):
        LLMConfig(**settings)
