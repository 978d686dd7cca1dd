"""`/v1/qe`: this process's quality-estimation model, for replicas that have none."""

from fastapi import APIRouter

from service.deps import ServicesDep, TenantDep
from service.errors import QENotConfigured
from service.protocol import ErrorResponse, QERequest, QEScores, QEService
from service.qe import QEItem, QualityEstimator

router = APIRouter(
    prefix="/v1/qe",
    tags=["quality estimation"],
    responses={
        401: {"model": ErrorResponse, "description": "A missing or unknown API key."},
        404: {"model": ErrorResponse, "description": "This server has no QE model."},
    },
)


def _estimator(services: ServicesDep) -> QualityEstimator:
    estimator = services.translator.estimator
    if estimator is None:
        raise QENotConfigured(
            "this server has no quality-estimation model: set ADAPTMT_QE_MODEL to a "
            "CometKiwi checkpoint directory"
        )
    return estimator


@router.get("")
async def qe_service(services: ServicesDep, tenant: TenantDep) -> QEService:
    """The signature of the model this server scores with."""
    return QEService(signature=_estimator(services).signature)


@router.post("")
async def qe_score(body: QERequest, services: ServicesDep, tenant: TenantDep) -> QEScores:
    """Reference-free scores of (source, translation) pairs, in order (higher is better)."""
    estimator = _estimator(services)
    scores = await estimator.score([QEItem(i.source, i.translation) for i in body.items])
    return QEScores(signature=estimator.signature, scores=scores)
