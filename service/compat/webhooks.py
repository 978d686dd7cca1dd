"""Standard Webhooks receiver logic: signature, timestamp and replay checks, Weblate events.

A Standard Webhooks request carries `webhook-id`, `webhook-timestamp` (Unix seconds; Weblate
sends a fraction too) and `webhook-signature`: space-separated `v1,<base64>` HMAC-SHA256
signatures of `{id}.{timestamp}.{body}` under the secret's bytes (`whsec_<base64>`). A
request is accepted when one signature matches, the timestamp is within the tolerance of
now, and its id was not seen within that window (a replay is refused, not re-applied).

Weblate's payload (`weblate/addons/webhooks.py`) names the change (`action`), the unit's
`source` and `target` (lists: plural forms), the previous text (`old`), and the target
language code (`translation`); the source language is not in it, so each webhook's
configuration names it. Events that confirm a translation become memory units.
"""

import base64
import binascii
import hashlib
import hmac
import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from service.errors import WebhookPayloadInvalid, WebhookRejected

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
MAX_REMEMBERED_IDS = 100_000
"""Webhook ids remembered for replay refusal; the oldest go first past this many."""

TRANSLATION_ACTIONS = frozenset(
    {
        "New translation",
        "Translation changed",
        "Translation approved",
        "Translation replaced",
        "Suggestion accepted",
        "Translation uploaded",
    }
)
"""Weblate change actions (as its payload names them) that carry a translator's text."""


def secret_bytes(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret (padding optional)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret must be whsec_ followed by base64") from exc


def sign(secret: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` signature of a body (what a sender puts in `webhook-signature`)."""
    message = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


@dataclass(slots=True)
class ReplayGuard:
    """Webhook ids seen within the tolerance window."""

    seen: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def admit(self, key: str, now: float, window_s: float) -> bool:
        """False when `key` was seen within `window_s`; remembers it otherwise."""
        while self.seen and (
            next(iter(self.seen.values())) < now - 2 * window_s
            or len(self.seen) > MAX_REMEMBERED_IDS
        ):
            self.seen.popitem(last=False)
        if key in self.seen:
            return False
        self.seen[key] = now
        return True


def verify(
    secret: bytes,
    headers: dict[str, str],
    body: bytes,
    *,
    tolerance_s: float,
    guard: ReplayGuard,
    scope: str,
    now: float | None = None,
) -> None:
    """Raise WebhookRejected unless the request is signed, fresh and not a replay."""
    webhook_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (webhook_id and stamp and signatures):
        raise WebhookRejected(
            "missing webhook-id, webhook-timestamp or webhook-signature (Standard Webhooks)"
        )
    try:
        sent = float(stamp)
    except ValueError:
        raise WebhookRejected(f"webhook-timestamp {stamp!r} is not a Unix time") from None
    if not math.isfinite(sent):
        raise WebhookRejected(f"webhook-timestamp {stamp!r} is not a Unix time")
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        raise WebhookRejected(
            f"webhook-timestamp is {current - sent:+.0f} s from now; the tolerance is "
            f"{tolerance_s:.0f} s (ADAPTMT_WEBHOOK_TOLERANCE_S)"
        )
    expected = sign(secret, webhook_id, math.floor(sent), body).encode()
    offered = [part.strip().encode() for part in signatures.split(" ") if part.strip()]
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        raise WebhookRejected("no webhook-signature matches the body and the secret")
    if not guard.admit(f"{scope}/{webhook_id}", current, tolerance_s):
        raise WebhookRejected(f"webhook {webhook_id!r} was already received (a replay)")


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A translator's confirmed translation out of a Weblate event."""

    source: str
    target: str
    target_lang: str
    previous: str | None  # the text it replaced, as the proposal it started from
    tuid: str | None


def _first(value: Any) -> str | None:
    """Weblate sends plural forms as a list; the first form is the unit's text."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def confirmed_translation(payload: Any) -> Confirmed | None:
    """The confirmed translation a Weblate event carries; None for other events."""
    if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
        raise WebhookPayloadInvalid("the body is not a Weblate change event (no `action`)")
    if payload["action"] not in TRANSLATION_ACTIONS:
        return None
    source, target = _first(payload.get("source")), _first(payload.get("target"))
    language = payload.get("translation")
    if source is None or target is None or not isinstance(language, str):
        raise WebhookPayloadInvalid(
            f"a {payload['action']!r} event needs `source`, `target` and `translation`"
        )
    url = payload.get("url")  # the unit's page: stable across its changes
    tuid = url if isinstance(url, str) and url else None
    return Confirmed(source, target, language, _first(payload.get("old")), tuid)
