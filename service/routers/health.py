"""Probes and metrics: `/healthz` (the process is up), `/readyz` (store and LLM), `/metrics`."""

import asyncio
import logging

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from service.deps import ServicesDep
from service.llm import LLMError
from service.metrics import CONTENT_TYPE
from service.protocol import Check, Health, Readiness

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

READINESS_TIMEOUT_S = 3.0
"""A probe that waits longer than this counts as failed (Kubernetes probes time out at 1-10 s)."""


@router.get("/healthz")
async def healthz() -> Health:
    """The process is up and serving (liveness); says nothing of the store or the LLM."""
    from service.app import VERSION

    return Health(version=VERSION)


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready when the store answers and the LLM server lists a model; 503 says which is not."""
    store, llm = await asyncio.gather(_store_check(services), _llm_check(services))
    readiness = Readiness(ready=store.ok and llm.ok, checks={"store": store, "llm": llm})
    return JSONResponse(readiness.model_dump(), status_code=200 if readiness.ready else 503)


async def _store_check(services: ServicesDep) -> Check:
    try:
        await asyncio.wait_for(services.store.ping(), READINESS_TIMEOUT_S)
    except Exception as exc:  # any failure means not ready; the detail says which
        return Check(ok=False, detail=f"the store does not answer: {exc!r}")
    return Check(ok=True, detail="the store answers")


async def _llm_check(services: ServicesDep) -> Check:
    url = services.settings.llm_url
    try:
        models = await asyncio.wait_for(services.llm.models(), READINESS_TIMEOUT_S)
    except (LLMError, TimeoutError) as exc:
        return Check(
            ok=False,
            detail=f"{exc}; meanwhile 100% TM matches are still served "
            "(ADAPTMT_LLM_URL sets where the LLM is)",
        )
    wanted = services.settings.llm_model
    if wanted and wanted not in models:
        return Check(ok=False, detail=f"{url} serves {models}, not ADAPTMT_LLM_MODEL={wanted!r}")
    if not models:
        return Check(ok=False, detail=f"{url} lists no model yet (still loading?)")
    return Check(ok=True, detail=f"{url} serves {wanted or models[0]}")


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}}}})
async def metrics(services: ServicesDep) -> Response:
    """Prometheus metrics: requests, segments, TM bands, terms, APE, QE, LLM calls, job queue.

    The job gauges are read from the store at each scrape (jobs of every replica).
    """
    try:
        counts = await asyncio.wait_for(services.store.count_jobs(), READINESS_TIMEOUT_S)
    except Exception:  # the other metrics are still worth a scrape
        log.warning("job gauges not updated: the store did not answer", exc_info=True)
    else:
        services.metrics.observe_jobs(counts)
    return Response(services.metrics.exposition(), media_type=CONTENT_TYPE)
