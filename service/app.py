"""The FastAPI application: built by `create_app`, its parts made once in the lifespan.

`create_app(settings)` wires the routers, the error handlers (one envelope, mapped through
`service.errors`) and two pure-ASGI middlewares: a request-size limit and per-route metrics.
The store, the shared httpx client, the LLM client, the pipeline and the job runner (which
resumes unfinished document jobs) are created when the app starts and closed when it stops;
routes reach them through `service.deps`.
"""

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.comet import CometEstimator, CometScorer
from service.compat.translate import Compat
from service.deps import Services
from service.errors import HANDLED, RequestTooLarge, describe, envelope, validation_problems
from service.jobs import JobRunner, job_limits
from service.llm import LLMClient, new_http_client
from service.logs import ACCESS_LOGGER, REQUEST_ID, request_id_from
from service.metrics import Metrics
from service.pipeline import Translator
from service.qe import QEError, QualityEstimator, RemoteEstimator
from service.routers import (
    compat_deepl,
    compat_libre,
    compat_mmt,
    glossaries,
    health,
    jobs,
    memories,
    qe,
    translate,
    webhooks,
)
from service.settings import Settings
from service.terminology import Terminology
from tm.store import Store, open_store

logger = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS_LOGGER)

try:
    VERSION = version("adaptmt")
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0.0.0"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DESCRIPTION = """
Adaptive machine translation: every segment is translated by an LLM (served by vLLM) with
the client's translation-memory fuzzy matches as few-shot examples and the glossary's terms
as required translations; drafts that miss a term, a tag or a number are post-edited, and
confirmed translations posted back go into the memory at once.

Authentication: `Authorization: Bearer <key>` (create keys with `adaptmt keys create
--tenant NAME`). A server with no keys serves one local tenant without authentication.

Errors share one envelope: `{"error": {"code", "message", "status"}}`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    estimator: QualityEstimator | None = None,
) -> FastAPI:
    """The HTTP API over the settings' database and LLM (or the `store` given, left open).

    Without an `estimator`, one is built from `settings.qe_model` when it is set (CometKiwi,
    loaded at startup so that no request waits for it).
    """
    settings = settings or Settings()
    if estimator is None and settings.qe_model is not None:
        estimator = _comet_estimator(settings)
    elif estimator is None and settings.qe_url is not None:
        key = settings.qe_api_key.get_secret_value() if settings.qe_api_key else None
        estimator = RemoteEstimator(settings.qe_url, api_key=key)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if isinstance(estimator, CometEstimator):
            await estimator.load()
        elif isinstance(estimator, RemoteEstimator):
            try:
                await estimator.load()
            except QEError as exc:  # it may come up later: segments say why they lack QE
                logger.warning("%s; segments will have no QE score until it answers", exc)
        own_store = store is None
        the_store = store or open_store(settings.database_url)
        config = settings.llm_config()
        http = new_http_client(config)
        metrics = Metrics()
        llm = LLMClient(config, http, observer=metrics.llm)
        translator = Translator(
            the_store,
            llm,
            terminology=Terminology(the_store),
            estimator=estimator,
            observer=metrics.observe_segment,
        )
        runner = JobRunner(
            the_store,
            translator,
            settings.pipeline_options(),
            job_limits(settings),
            workers=settings.job_workers,
            poll_s=settings.job_poll_s,
        )
        app.state.services = Services(settings, the_store, llm, translator, metrics, runner=runner)
        app.state.compat = Compat(settings, the_store, translator)
        await runner.start()
        try:
            yield
        finally:
            await runner.stop()
            await http.aclose()
            if isinstance(estimator, RemoteEstimator):
                await estimator.aclose()
            if own_store:
                await the_store.close()

    app = FastAPI(
        title="adaptmt",
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={"default": {"model": None}},
    )
    _install_error_handlers(app)
    for module in (translate, memories, glossaries, jobs, qe, health):
        app.include_router(module.router)
    for module in (compat_deepl, compat_libre, compat_mmt, webhooks):  # compatible APIs
        app.include_router(module.router)
    app.add_middleware(compat_mmt.MethodOverride)
    app.add_middleware(_MetricsMiddleware)
    app.add_middleware(_SizeLimit, max_bytes=settings.max_upload_bytes)
    return app


def _comet_estimator(settings: Settings) -> CometEstimator:
    """The CometKiwi estimator of `settings.qe_model` (the model itself loads at startup)."""
    assert settings.qe_model is not None
    scorer = CometScorer(
        settings.qe_model, device=settings.qe_device, batch_size=settings.qe_batch_size
    )
    return CometEstimator(scorer)


def _install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        info = describe(exc)
        headers = {"WWW-Authenticate": "Bearer"} if info.status == 401 else None
        return JSONResponse(
            envelope(info.status, info.code, str(exc)), status_code=info.status, headers=headers
        )

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = validation_problems(exc.errors())
        return JSONResponse(envelope(422, "invalid_request", problems), status_code=422)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            envelope(exc.status_code, code, str(exc.detail)),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    for kind in HANDLED:
        app.add_exception_handler(kind, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


class _SizeLimit:
    """Answers 413 to a body over `max_bytes`, by its Content-Length or while it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise RequestTooLarge(self._message())
            return message

        try:
            await self.app(scope, counting_receive, send)
        except RequestTooLarge:
            await self._refuse(send)

    def _message(self) -> str:
        return (
            f"the request body is larger than {self.max_bytes // (1024 * 1024)} MiB; "
            "split the file, or raise ADAPTMT_MAX_UPLOAD_MB"
        )

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(envelope(413, "request_too_large", self._message()), 413)
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


class _MetricsMiddleware:
    """Counts requests and their latency per route template, sets the request id, logs access.

    The request id is a valid incoming `X-Request-ID` or a new one; it is returned as
    `X-Request-Id`, set in `service.logs.REQUEST_ID` for the request's log lines and LLM calls.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        headers = dict(scope.get("headers") or [])
        request_id = request_id_from(headers.get(b"x-request-id", b"").decode("latin-1"))
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            services: Services | None = getattr(scope["app"].state, "services", None)
            if services is not None:
                services.metrics.requests.labels(scope["method"], template, str(status)).inc()
                services.metrics.request_seconds.labels(template).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d %.1f ms",
                    scope["method"],
                    scope["path"],
                    status,
                    elapsed * 1000,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": template,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 3),
                    },
                )
            REQUEST_ID.reset(token)
