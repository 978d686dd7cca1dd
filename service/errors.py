"""Every error the service answers with, mapped from domain exceptions in one table.

The HTTP API answers every error with one envelope:

    {"error": {"code": "unknown_memory", "message": "no memory 'm1' ...", "status": 404}}

`code` is stable and meant for programs; `message` is written for people and says what to do
next. The table below is the single place where an exception becomes a status and a code:

    exception (tm.errors, service.llm, service.errors)   status   code
    InvalidLanguage                                       422      invalid_language
    UnsafeXML                                             422      unsafe_xml
    UnsupportedFormat (service.documents)                 415      unsupported_format
    InvalidDocument (service.documents)                   422      invalid_document
    InvalidFile                                           422      invalid_file
    UnknownMemory / UnknownGlossary / UnknownJob          404      unknown_memory / ...
    NotFound                                              404      not_found
    JobNotDone                                            409      job_not_done
    Conflict                                              409      conflict
    RequestTooLarge                                       413      request_too_large
    Unauthorized                                          401      unauthorized
    QuotaExceeded (compatible APIs' character limit)      429      quota_exceeded
    WebhookRejected (bad signature, stale, replayed)      401      webhook_rejected
    WebhookPayloadInvalid                                 422      invalid_webhook
    QENotConfigured                                       404      qe_not_configured
    ContextLengthExceeded                                 422      context_length_exceeded
    LLMRejected                                           502      llm_rejected
    LLMBadResponse                                        502      llm_bad_response
    LLMRateLimited                                        503      llm_rate_limited
    LLMUnavailable                                        503      llm_unavailable
    LLMTimeout                                            504      llm_timeout
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.documents import InvalidDocument, UnsupportedFormat
from service.llm import (
    ContextLengthExceeded,
    LLMBadResponse,
    LLMError,
    LLMRateLimited,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
)
from tm.errors import (
    Conflict,
    InvalidFile,
    InvalidLanguage,
    NotFound,
    TMError,
    UnknownGlossary,
    UnknownMemory,
    UnsafeXML,
)
from tm.store.base import UnknownJob


class ServiceError(Exception):
    """Base of the errors the service layer itself raises."""


class RequestTooLarge(ServiceError):
    """A request over one of the size limits in the settings."""


class QENotConfigured(ServiceError):
    """Quality estimation asked of a server that has no QE model."""


class Unauthorized(ServiceError):
    """A missing, malformed or unknown API key."""


class JobNotDone(ServiceError):
    """A job's result asked for before the job is done."""


class QuotaExceeded(ServiceError):
    """A request that would take a tenant over its monthly character limit."""


class WebhookRejected(ServiceError):
    """A webhook request whose signature, timestamp or id does not check out."""


class WebhookPayloadInvalid(ServiceError):
    """A signed webhook body that is not the event it should be."""


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """How an exception is answered."""

    status: int
    code: str


_TABLE: list[tuple[type[Exception], ErrorInfo]] = [  # most specific first
    (InvalidLanguage, ErrorInfo(422, "invalid_language")),
    (UnsafeXML, ErrorInfo(422, "unsafe_xml")),
    (UnsupportedFormat, ErrorInfo(415, "unsupported_format")),
    (InvalidDocument, ErrorInfo(422, "invalid_document")),
    (InvalidFile, ErrorInfo(422, "invalid_file")),
    (UnknownMemory, ErrorInfo(404, "unknown_memory")),
    (UnknownGlossary, ErrorInfo(404, "unknown_glossary")),
    (UnknownJob, ErrorInfo(404, "unknown_job")),
    (NotFound, ErrorInfo(404, "not_found")),
    (Conflict, ErrorInfo(409, "conflict")),
    (RequestTooLarge, ErrorInfo(413, "request_too_large")),
    (Unauthorized, ErrorInfo(401, "unauthorized")),
    (QuotaExceeded, ErrorInfo(429, "quota_exceeded")),
    (WebhookRejected, ErrorInfo(401, "webhook_rejected")),
    (WebhookPayloadInvalid, ErrorInfo(422, "invalid_webhook")),
    (QENotConfigured, ErrorInfo(404, "qe_not_configured")),
    (JobNotDone, ErrorInfo(409, "job_not_done")),
    (ContextLengthExceeded, ErrorInfo(422, "context_length_exceeded")),
    (LLMRejected, ErrorInfo(502, "llm_rejected")),
    (LLMBadResponse, ErrorInfo(502, "llm_bad_response")),
    (LLMRateLimited, ErrorInfo(503, "llm_rate_limited")),
    (LLMUnavailable, ErrorInfo(503, "llm_unavailable")),
    (LLMTimeout, ErrorInfo(504, "llm_timeout")),
    (LLMError, ErrorInfo(502, "llm_error")),
    (TMError, ErrorInfo(400, "bad_request")),
    (ServiceError, ErrorInfo(400, "bad_request")),
]

HANDLED: tuple[type[Exception], ...] = (TMError, LLMError, ServiceError)
"""The exception bases the API maps through `describe`; anything else is a 500."""


def describe(exc: Exception) -> ErrorInfo:
    """The status and code an exception is answered with."""
    for kind, info in _TABLE:
        if isinstance(exc, kind):
            return info
    return ErrorInfo(500, "internal_error")


def envelope(status: int, code: str, message: str) -> dict[str, dict[str, object]]:
    """The error body every error response has."""
    return {"error": {"code": code, "message": message, "status": status}}


def validation_problems(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic's validation errors as one line: `field.path: what is wrong; ...`."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in errors
    )
