"""Quality estimation: the interface the pipeline scores its translations through.

A `QualityEstimator` scores (source, translation) pairs without a reference, higher is
better; the pipeline calls it once per request with every machine-translated segment and
reports the score and the estimator's signature with each segment. The COMET/CometKiwi
implementation (reference-free `Unbabel/wmt22-cometkiwi-da`) is an optional extra, loaded
lazily so that `import service` never imports torch.

Deployment: the model runs in the process that has `ADAPTMT_QE_MODEL` (on the GPU vLLM
uses, say); other replicas set `ADAPTMT_QE_URL` to that process and score through its
`POST /v1/qe` with `RemoteEstimator`, so one GPU copy of the model serves them all.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

REMOTE_TIMEOUT_S = 60.0
"""A batch of a request's segments scored by the QE service: seconds before giving up."""


class QEError(Exception):
    """Quality estimation failed; the translations stand, without a score."""


@dataclass(frozen=True, slots=True)
class QEItem:
    """One segment to score."""

    source: str
    translation: str


class QualityEstimator(Protocol):
    """Scores translations without a reference."""

    @property
    def signature(self) -> str:
        """How the score was computed (metric, model, version), reported with every score."""
        ...

    async def load(self) -> None:
        """Make the estimator ready (load the model, reach the service) before requests."""
        ...

    async def score(self, items: Sequence[QEItem]) -> list[float]:
        """One score per item, in order; `QEError` when it cannot."""
        ...


class RemoteEstimator:
    """Scores through another adaptmt's `POST /v1/qe`, the one that holds the QE model."""

    def __init__(self, base_url: str, *, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(headers=headers, timeout=REMOTE_TIMEOUT_S)
        self._signature: str | None = None

    @property
    def signature(self) -> str:
        """The remote model's signature, once reached; else where it is."""
        return self._signature or f"remote:{self.base_url}/v1/qe"

    async def load(self) -> None:
        """Ask the QE service for its signature; `QEError` if it does not answer."""
        self._signature = _signature(await self._call("GET", None), self.base_url)

    async def score(self, items: Sequence[QEItem]) -> list[float]:
        """The remote scores of `items`, in order."""
        if not items:
            return []
        payload = {"items": [{"source": i.source, "translation": i.translation} for i in items]}
        body = await self._call("POST", payload)
        self._signature = _signature(body, self.base_url)
        try:
            scores = [float(score) for score in body["scores"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise QEError(f"{self.base_url}/v1/qe answered no scores: {exc!r}") from exc
        if len(scores) != len(items):
            raise QEError(f"{self.base_url}/v1/qe returned {len(scores)} scores for {len(items)}")
        return scores

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def _call(self, method: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{self.base_url}/v1/qe"
        try:
            response = await self._http.request(method, url, json=payload)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise QEError(f"the QE service at {url} failed: {exc}") from exc
        if not isinstance(body, dict):
            raise QEError(f"{url} did not answer a JSON object")
        return body


def _signature(body: dict[str, Any], base_url: str) -> str:
    if not isinstance(body.get("signature"), str):
        raise QEError(f"{base_url}/v1/qe answered no signature: is it an adaptmt server?")
    return str(body["signature"])
