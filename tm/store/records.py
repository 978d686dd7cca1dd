"""Ids, API-key secrets and times as both stores make them, so their records are identical."""

import hashlib
import secrets
from datetime import datetime, timedelta

EXPORT_BATCH = 2_000  # units `iter_units` fetches per query
KEY_PREFIX = "amt_"  # every API key starts with this, so leaked keys are easy to scan for
KEY_SECRET_BYTES = 32
KEY_DISPLAY_CHARS = 12  # how much of the secret `ApiKey.prefix` keeps for display
KEY_TOUCH_INTERVAL = timedelta(minutes=1)  # `last_used_at` is written at most this often


def new_id(prefix: str) -> str:
    """A new record id such as `mem_1a2b3c4d5e6f`."""
    return f"{prefix}_{secrets.token_hex(6)}"


def new_key_secret() -> str:
    """A new API key secret (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(KEY_SECRET_BYTES)


def key_digest(secret: str) -> str:
    """What is stored of a key's secret."""
    # a fast hash is right here: keys are 256-bit random, so there is nothing to brute-force
    return hashlib.sha256(secret.encode()).hexdigest()


def whole_seconds(moment: datetime) -> datetime:
    """The time as stored (to the second)."""
    return moment.replace(microsecond=0)
