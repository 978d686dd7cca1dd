"""Logging of the service: plain text or one JSON object per line, with the request id.

`configure_logging` is called once per server process, when `adaptmt serve` starts (and in
each of its `--workers` processes); nothing reconfigures logging per request. The request
id lives in a context variable, set by the app's middleware for each HTTP request (from a
valid incoming `X-Request-ID`, else a new one) and by the job runner for each job (the job
id); a logging filter copies it onto every record, and the LLM client sends it to vLLM as
`X-Request-Id`.
"""

import json
import logging
import os
import re
import sys
import time
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("adaptmt_request_id", default=None)
"""The id of the request (or job) the current task works for; None outside of one."""

MAX_REQUEST_ID_CHARS = 128
"""Longest incoming `X-Request-ID` kept; a longer one is replaced by a new id."""

_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:/+=@-]+")
"""Characters an incoming request id may have: safe in a header, a log line and a URL."""

_PASSWORD_RE = re.compile(r"(://[^:/@]+:)[^/]*@")

ACCESS_LOGGER = "adaptmt.access"
"""The logger of the one line per HTTP request (method, route, status, duration)."""

_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's copy of the message with terminal colours
}
"""Attributes every LogRecord has; anything else on a record came from `extra=`."""

QUIET_LOGGERS = ("httpx", "httpcore")
"""Libraries that log every HTTP call at INFO: warnings only (the metrics count the calls)."""


class LogFormat(StrEnum):
    """How log lines are written (`ADAPTMT_LOG_FORMAT`)."""

    TEXT = "text"  # for a terminal
    JSON = "json"  # one object per line, for a log collector (Loki, Elasticsearch, ...)


def request_id_from(header: str | None) -> str:
    """The incoming id when it is short and plain enough to pass on, else a new one."""
    if header and len(header) <= MAX_REQUEST_ID_CHARS and _REQUEST_ID_RE.fullmatch(header):
        return header
    return os.urandom(16).hex()  # as random as a uuid4, a fifth of its cost


def redact_url(url: str) -> str:
    """A URL without the password of its user part (a database URL, for the logs)."""
    return _PASSWORD_RE.sub(r"\1***@", url)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record as `request_id` (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extras, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(log_format: LogFormat, level: str = "info") -> None:
    """Send every logger (uvicorn's included) to stderr in `log_format`, once at start."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter() if log_format is LogFormat.JSON else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
