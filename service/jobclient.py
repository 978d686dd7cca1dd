"""A client of a running adaptmt server's document jobs: `adaptmt translate-file --server`.

It submits a document to `POST /v1/jobs`, follows the job with `GET /v1/jobs/{id}` and
downloads `/result`, over one httpx client. Memories and glossaries may be named by id or
by name, as in embedded mode (names are looked up in the server's lists). Every failure,
an unreachable server or an answer in the error envelope, becomes `RemoteError` with a
message that names the server and what it said.
"""

from collections.abc import Sequence
from typing import Any, Self

import httpx

DEFAULT_TIMEOUT_S = 60.0
"""Per request; an upload of a large document and its check take a while."""

FINISHED_STATES = frozenset({"done", "failed", "cancelled"})
_SINGULAR = {"memories": "memory", "glossaries": "glossary"}


class RemoteError(Exception):
    """The server could not be reached or refused a request; the message says which."""


class JobClient:
    """Submit, follow and fetch document jobs on a running server."""

    def __init__(
        self, base_url: str, *, api_key: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=timeout_s)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def submit(
        self,
        data: bytes,
        filename: str,
        source_lang: str,
        target_lang: str,
        *,
        memories: Sequence[str] = (),
        glossaries: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Submit a document (memories and glossaries by id or name); the queued job."""
        form = {
            "source_lang": source_lang,
            "target_lang": target_lang,
            "memories": [await self._id("memories", ref) for ref in memories],
            "glossaries": [await self._id("glossaries", ref) for ref in glossaries],
        }
        response = await self._request(
            "POST", "/v1/jobs", files={"file": (filename, data)}, data=form
        )
        job: dict[str, Any] = response.json()
        return job

    async def job(self, job_id: str) -> dict[str, Any]:
        """The job's state and progress."""
        job: dict[str, Any] = (await self._request("GET", f"/v1/jobs/{job_id}")).json()
        return job

    async def result(self, job_id: str) -> bytes:
        """The translated document of a done job."""
        return (await self._request("GET", f"/v1/jobs/{job_id}/result")).content

    async def _id(self, kind: str, ref: str) -> str:
        """The id of a memory or glossary given by id or name."""
        for item in (await self._request("GET", f"/v1/{kind}")).json()[kind]:
            if ref in (item["id"], item["name"]):
                return str(item["id"])
        raise RemoteError(f"{self.base_url} has no {_SINGULAR[kind]} with id or name {ref!r}")

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise RemoteError(
                f"cannot reach the adaptmt server at {self.base_url}: {exc or type(exc).__name__}"
            ) from None
        if response.is_success:
            return response
        raise RemoteError(f"{self.base_url} answered {method} {path} with {_problem(response)}")


def _problem(response: httpx.Response) -> str:
    """`STATUS code: message` from the error envelope, or the status and the body's start."""
    try:
        error = response.json()["error"]
        return f"{response.status_code} {error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} {response.reason_phrase}: {response.text[:200]}"
