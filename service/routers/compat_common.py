"""What the compatible-API routers share: their state, keys, parameters and error shapes.

Each compatible API answers errors in its own shape and with its own status codes; the
domain exceptions are still described once (`service.errors.describe`), and each router
only maps that native status onto its API's (`ErrorShape`). Parameters may come in the
query, a JSON body or a form body (DeepL and LibreTranslate clients use all three).
"""

import mimetypes
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

from service.compat.translate import Compat, SegmentFailed
from service.deps import Services
from service.errors import HANDLED, Unauthorized, describe, validation_problems
from tm.errors import InvalidFile
from tm.models import DEFAULT_TENANT

Render = Callable[[int, str, str], Response]
"""Builds an API's error response from the native status, the native code and a message."""

Params = dict[str, Any]


def _compat(request: Request) -> Compat:
    compat: Compat = request.app.state.compat
    return compat


CompatDep = Annotated[Compat, Depends(_compat)]


async def tenant_for(services: Services, key: str | None) -> str:
    """The tenant of an API key sent the compatible API's way (`DeepL-Auth-Key`, `api_key`...).

    A server without keys serves its local tenant whatever key is sent: clients such as
    DeepL's refuse to run without one, so they send a placeholder.
    """
    if not await services.keys_seen.any(services.store):
        return DEFAULT_TENANT
    if not key:
        raise Unauthorized("this server requires an API key (an adaptmt key)")
    found = await services.store.find_key(key)
    if found is None:
        raise Unauthorized("the API key is unknown or was revoked")
    return found.tenant


def native_status(exc: Exception) -> tuple[int, str]:
    """The native status and code of an exception (`service.errors`)."""
    if isinstance(exc, SegmentFailed):
        return exc.status, "segment_failed"
    info = describe(exc)
    return info.status, info.code


def error_route(render: Render) -> type[APIRoute]:
    """An APIRoute class whose handler answers domain and validation errors through `render`."""

    class ErrorShapedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def shaped(request: Request) -> Response:
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    return render(422, "invalid_request", validation_problems(exc.errors()))
                except HANDLED as exc:
                    status, code = native_status(exc)
                    return render(status, code, str(exc))

            return shaped

    return ErrorShapedRoute


def _merge(params: Params, key: str, value: Any) -> None:
    if key in params:
        previous = params[key]
        params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
    else:
        params[key] = value


async def request_params(request: Request) -> Params:
    """The query's and the body's parameters (JSON object or form); a repeated key a list."""
    params: Params = {}
    for key, value in request.query_params.multi_items():
        _merge(params, key, value)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if body.strip():
            try:
                data = await request.json()
            except ValueError:
                raise InvalidFile("the body is not valid JSON") from None
            if not isinstance(data, dict):
                raise InvalidFile("the JSON body must be an object")
            params.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form: FormData = await request.form()
        for key, field in form.multi_items():
            _merge(params, key, field)
    return params


def as_list(value: Any) -> list[Any]:
    """A parameter that may be sent once or repeated, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_param(params: Params, name: str, *, required: bool = True) -> str | None:
    """A single text parameter; InvalidFile (a 400 in every API) when missing or repeated."""
    value = params.get(name)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
        if value is None:
            raise InvalidFile(f"parameter {name!r} was sent more than once")
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidFile(f"missing parameter {name!r}")
        return None
    if isinstance(value, UploadFile) or not isinstance(value, str | int | float | bool):
        raise InvalidFile(f"parameter {name!r} must be text")
    return str(value)


async def upload(params: Params, name: str) -> tuple[bytes, str]:
    """A multipart file parameter's bytes and filename."""
    value = params.get(name)
    if not isinstance(value, UploadFile):
        raise InvalidFile(f"missing file parameter {name!r} (multipart/form-data)")
    return await value.read(), value.filename or ""


def document_response(data: bytes, filename: str) -> Response:
    """A translated document, typed by its file name's extension."""
    media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return Response(data, media_type=media_type)
