"""`adaptmt serve`: the HTTP API under uvicorn, in one process or several sharing the port."""

import ipaddress
import logging
from typing import TYPE_CHECKING, Annotated, Any

import typer

from service.cli.common import fail, run
from service.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

WORKER_APP_FACTORY = "service.cli.serve:worker_app"
"""What each `serve --workers N` process imports and calls to build its app."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def worker_app() -> "FastAPI":
    """The app of one `serve --workers N` process: logging as the parent's, then the app.

    Each worker is a fresh interpreter that reads the same ADAPTMT_* environment, so it
    configures its own logging (format, level) before it builds its app.
    """
    from service.allocator import cap_arenas
    from service.app import create_app
    from service.logs import configure_logging

    settings = Settings()
    cap_arenas(settings.malloc_arena_max)
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [ADAPTMT_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [ADAPTMT_PORT].")] = None,
    insecure_no_auth: Annotated[
        bool,
        typer.Option(
            "--insecure-no-auth",
            help="Serve without API keys on a non-loopback address (trusted networks only).",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port; each has its own LLM connections and "
            "fuzzy indexes, and sees the others' writes through the database.",
        ),
    ] = 1,
) -> None:
    """Start the HTTP API (docs at /docs)."""
    import uvicorn

    from service.allocator import cap_arenas
    from service.app import create_app
    from service.logs import configure_logging, redact_url

    overrides: dict[str, Any] = {"host": host, "port": port, "insecure_no_auth": insecure_no_auth}
    settings = Settings().model_copy(update={k: v for k, v in overrides.items() if v})
    cap_arenas(settings.malloc_arena_max)  # before the first store thread makes an arena
    keys = run(lambda store: store.count_keys())
    if not keys and not _is_loopback(settings.host) and not settings.insecure_no_auth:
        raise fail(
            f"refusing to serve on {settings.host} without API keys: anyone who can reach it "
            "could read and change every memory. Create a key with `adaptmt keys create "
            "--tenant NAME`, bind to 127.0.0.1, or pass --insecure-no-auth on a trusted network"
        )
    mode = f"{keys} API key(s)" if keys else "no API keys: one local tenant"
    configure_logging(settings.log_format, settings.log_level)
    logging.getLogger(__name__).info(
        "adaptmt on http://%s:%d (%s); LLM at %s; database %s",
        settings.host,
        settings.port,
        mode,
        settings.llm_url,
        redact_url(settings.database_url),
    )
    # logging as configured above; the app logs one access line per request
    server: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **server)
    else:  # each worker process builds its own app, from the same ADAPTMT_* environment
        uvicorn.run(WORKER_APP_FACTORY, factory=True, workers=workers, **server)
