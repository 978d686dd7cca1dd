"""The async client for vLLM's OpenAI-compatible chat completions API.

One `LLMClient` per process, over one shared `httpx.AsyncClient` (passed in, best made by
`new_http_client`, or owned and closed by the client). It bounds concurrency with a
semaphore, retries what is worth retrying with exponential back-off and full jitter, and
turns every failure into one of the domain exceptions below, documented in one place:

    LLMError                  base of every error of this module
    ├── LLMUnavailable        the server cannot be reached, or answered 502/503 on every try
    ├── LLMTimeout            no answer within the timeout (or 504) on every try
    ├── LLMRateLimited        429 on every try
    ├── LLMRejected           any other error status; `status` and the server's message
    │   └── ContextLengthExceeded   the prompt does not fit the model's context (a 400):
    │                               retry with fewer examples
    └── LLMBadResponse        a 200 whose body is not a chat completion

Errors are read from vLLM's envelope `{"error": {"message", "type", "param", "code"}}` and
from the flat `{"object": "error", "message", ...}` of vLLM releases before 0.8.
"""

import asyncio
import email.utils
import math
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Self

import httpx

from service.logs import REQUEST_ID
from service.prompts import Message, estimate_tokens

if TYPE_CHECKING:
    import aiohttp

OUTPUT_TOKENS_PER_SOURCE_TOKEN = 2.0
"""Room for the translation against the estimated source tokens: target languages take up to
about twice the tokens of the source (English to Greek, Hindi, or Thai)."""
MIN_OUTPUT_TOKENS = 64
"""Floor of `max_tokens`, so short segments plus a stray word of chatter are not cut off."""
MAX_OUTPUT_TOKENS = 4096
"""Ceiling of `max_tokens`: a runaway generation stops here."""
MAX_RETRY_AFTER_S = 60.0
"""Longest `Retry-After` honoured; a server asking for more is treated as asking for this."""
KEEPALIVE_S = 4.0
"""How long an idle connection to the LLM server is kept for the next request: under the 5 s
after which vLLM (uvicorn) closes one, so the client never reuses a connection being closed."""
RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Statuses that say "try again later": rate limits and an overloaded or restarting server."""

_CONTEXT_RE = re.compile(
    r"maximum context length|longer than the maximum model length|context_length_exceeded|"
    r"is too long for the model",
    re.IGNORECASE,
)
_CONTEXT_LIMIT_RE = re.compile(r"(?:maximum context length is|maximum model length of) (\d+)")


class LLMError(Exception):
    """Base of every error the LLM client raises."""


class LLMUnavailable(LLMError):
    """The LLM server cannot be reached, or it said it is unavailable on every try."""


class LLMTimeout(LLMError):
    """The LLM server did not answer in time on any try."""


class LLMRateLimited(LLMError):
    """The LLM server (or a gateway in front of it) rate-limited every try."""


class LLMRejected(LLMError):
    """The LLM server refused the request with an error status that retrying will not change."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ContextLengthExceeded(LLMRejected):
    """The prompt plus `max_tokens` exceed the model's context; retry with a shorter prompt."""

    def __init__(self, message: str, max_context_tokens: int | None) -> None:
        super().__init__(message, 400)
        self.max_context_tokens = max_context_tokens


class LLMBadResponse(LLMError):
    """The server answered 200 with a body that is not a valid chat completion."""


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """How to reach the LLM server; the service builds it from its settings."""

    base_url: str = "http://127.0.0.1:8000/v1"
    model: str | None = None  # None: the first model the server lists
    api_key: str | None = None
    timeout_s: float = 60.0  # per attempt, for the whole response
    connect_timeout_s: float = 5.0
    max_concurrency: int = 32  # requests in flight at once
    max_retries: int = 3  # further attempts after the first
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0
    temperature: float = 0.0

    def __post_init__(self) -> None:
        if self.max_concurrency < 1 or self.max_retries < 0 or self.timeout_s <= 0:
            raise ValueError(
                "LLMConfig needs max_concurrency >= 1, max_retries >= 0 and timeout_s > 0"
            )


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts the server reports."""

    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    """A chat completion: the text and how it was produced."""

    text: str
    finish_reason: str | None  # "stop", or "length" when cut off by max_tokens
    usage: Usage | None
    model: str
    latency_s: float  # from the first attempt to the answer, back-off included
    retries: int  # attempts beyond the first


class CallObserver(Protocol):
    """Told of every chat completion call (the service's metrics, `service.metrics`)."""

    def completed(self, completion: Completion) -> None: ...

    def failed(self, error: LLMError, latency_s: float, retries: int) -> None: ...


_EXHAUSTED = (LLMUnavailable, LLMTimeout, LLMRateLimited)
"""Errors raised only once every attempt was used: a call that ends in one made all retries."""


def max_tokens_for(source: str) -> int:
    """The `max_tokens` a translation of `source` needs, within MIN/MAX_OUTPUT_TOKENS."""
    wanted = math.ceil(estimate_tokens(source) * OUTPUT_TOKENS_PER_SOURCE_TOKEN) + MIN_OUTPUT_TOKENS
    return min(MAX_OUTPUT_TOKENS, wanted)


def new_http_client(config: LLMConfig) -> httpx.AsyncClient:
    """The HTTP client to share for LLM calls: httpx's API over aiohttp's connection pool.

    httpcore's pool rescans every pooled connection on each request and response
    (encode/httpx#3215): at 128 requests in flight that alone cost more CPU than the rest of
    a translation. aiohttp's pool (`httpx_aiohttp.AiohttpTransport`, the transport the OpenAI
    SDK offers) does not, and its parser is in C. The `LLMClient`'s semaphore bounds the
    connections; the pool's own limit is the same number.
    """
    from httpx_aiohttp import AiohttpTransport

    def session() -> "aiohttp.ClientSession":  # made on first use, inside the running loop
        import aiohttp

        connector = aiohttp.TCPConnector(
            limit=config.max_concurrency, limit_per_host=0, keepalive_timeout=KEEPALIVE_S
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    timeout = httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s)
    return httpx.AsyncClient(transport=AiohttpTransport(client=session), timeout=timeout)


class LLMClient:
    """Chat completions from one OpenAI-compatible server, with bounded concurrency and retries."""

    def __init__(
        self,
        config: LLMConfig,
        http: httpx.AsyncClient | None = None,
        *,
        observer: CallObserver | None = None,
    ) -> None:
        self.config = config
        self.observer = observer
        self._base_url = config.base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or new_http_client(config)
        self._timeout = httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s)
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self._model: str | None = config.model
        self._model_lock = asyncio.Lock()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            await self._http.aclose()

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float | None = None,
        request_id: str | None = None,
    ) -> Completion:
        """Send one chat completion request and return the assistant's reply."""
        model = await self.model(request_id=request_id)
        body = {
            "model": model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": self.config.temperature if temperature is None else temperature,
        }
        started = time.perf_counter()
        try:
            response, retries = await self._send("POST", "/chat/completions", body, request_id)
            completion = _parse_completion(response, model, time.perf_counter() - started, retries)
        except LLMError as exc:
            if self.observer:
                retries = self.config.max_retries if isinstance(exc, _EXHAUSTED) else 0
                self.observer.failed(exc, time.perf_counter() - started, retries)
            raise
        if self.observer:
            self.observer.completed(completion)
        return completion

    async def model(self, *, request_id: str | None = None) -> str:
        """The configured model, or the first one the server lists (asked once, then cached)."""
        if self._model is None:
            async with self._model_lock:
                if self._model is None:
                    response, _ = await self._send("GET", "/models", None, request_id)
                    models = _parse_models(response)
                    if not models:
                        raise LLMBadResponse(
                            f"{self._base_url}/models lists no model; is vLLM still loading?"
                        )
                    self._model = models[0]
        return self._model

    async def models(self) -> list[str]:
        """The ids of the models the server serves (one attempt; for readiness checks)."""
        response, _ = await self._send("GET", "/models", None, None, max_retries=0)
        return _parse_models(response)

    async def health(self) -> bool:
        """True when the server answers its `/health` endpoint with 200 (one attempt)."""
        url = self._base_url.removesuffix("/v1") + "/health"
        try:
            response = await self._http.get(url, headers=self._headers(None), timeout=self._timeout)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def _headers(self, request_id: str | None) -> dict[str, str]:
        """Auth and the request id (the caller's, else the current request's or job's)."""
        request_id = request_id or REQUEST_ID.get()
        headers = {}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        if request_id:
            headers["X-Request-Id"] = request_id
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        request_id: str | None,
        *,
        max_retries: int | None = None,
    ) -> tuple[httpx.Response, int]:
        """One request with retries; returns a 200 response and the number of retries it took."""
        url = self._base_url + path
        attempts = 1 + (self.config.max_retries if max_retries is None else max_retries)
        for attempt in range(attempts):
            retry_after: float | None = None
            try:
                async with self._slots:  # back-off sleeps outside the slot
                    response = await self._http.request(
                        method,
                        url,
                        json=body,
                        headers=self._headers(request_id),
                        timeout=self._timeout,
                    )
            except httpx.TimeoutException as exc:
                error: LLMError = LLMTimeout(
                    f"{method} {url} timed out after {attempt + 1} attempt(s): {exc!r}"
                )
                if isinstance(exc, httpx.ConnectTimeout):
                    error = _unavailable(url, exc, attempt)
            except httpx.TransportError as exc:
                error = _unavailable(url, exc, attempt)
            else:
                if response.status_code == 200:
                    return response, attempt
                if response.status_code not in RETRY_STATUSES:
                    raise _rejection(response, url)
                error = _retryable_status_error(response, url, attempt)
                retry_after = _retry_after(response)
            if attempt + 1 < attempts:
                await asyncio.sleep(self._backoff(attempt) if retry_after is None else retry_after)
        raise error

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)] (AWS architecture blog)."""
        ceiling = min(self.config.backoff_cap_s, self.config.backoff_base_s * 2**attempt)
        return random.uniform(0, ceiling)


def _unavailable(url: str, exc: Exception, attempt: int) -> LLMUnavailable:
    return LLMUnavailable(
        f"cannot reach the LLM server at {url} ({type(exc).__name__}: {exc}) after {attempt + 1} "
        "attempt(s); start one with `vllm serve MODEL` or point the base URL at a running server"
    )


def _error_message(response: httpx.Response) -> str:
    """The message of an error body in vLLM's current or older envelope, else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return response.text[:500]


def _rejection(response: httpx.Response, url: str) -> LLMRejected:
    message = _error_message(response)
    if response.status_code == 400 and _CONTEXT_RE.search(message):
        limit = _CONTEXT_LIMIT_RE.search(message)
        return ContextLengthExceeded(message, int(limit.group(1)) if limit else None)
    return LLMRejected(f"{url} answered {response.status_code}: {message}", response.status_code)


def _retryable_status_error(response: httpx.Response, url: str, attempt: int) -> LLMError:
    status = response.status_code
    detail = f"{url} answered {status} on {attempt + 1} attempt(s): {_error_message(response)}"
    if status == 429:
        return LLMRateLimited(detail)
    if status == 504:
        return LLMTimeout(detail)
    return LLMUnavailable(detail)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds of a `Retry-After` (delta-seconds or HTTP date), capped at MAX_RETRY_AFTER_S."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _parse_completion(
    response: httpx.Response, model: str, latency_s: float, retries: int
) -> Completion:
    try:
        body = response.json()
        choice = body["choices"][0]
        text = choice["message"]["content"]
        if not isinstance(text, str):
            raise TypeError(f"content is {type(text).__name__}")
        usage = body.get("usage")
        return Completion(
            text=text,
            finish_reason=choice.get("finish_reason"),
            usage=Usage(int(usage["prompt_tokens"]), int(usage["completion_tokens"]))
            if usage
            else None,
            model=str(body.get("model", model)),
            latency_s=latency_s,
            retries=retries,
        )
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMBadResponse(
            f"{response.url} answered 200 with a body that is not a chat completion "
            f"({exc!r}): {response.text[:200]!r}"
        ) from exc


def _parse_models(response: httpx.Response) -> list[str]:
    try:
        return [str(entry["id"]) for entry in response.json()["data"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise LLMBadResponse(
            f"{response.url} is not a model list ({exc!r}): {response.text[:200]!r}"
        ) from exc
