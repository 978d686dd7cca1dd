"""Characters translated per tenant and month through the compatible APIs, against a limit.

DeepL's `/v2/usage` reports `character_count` and `character_limit`, and DeepL answers 456
when a request would go over the limit. adaptmt counts the source characters of the
segments it translated (TM reuses included, as DeepL bills them) per tenant and calendar
month (UTC) in the server process: a restart, or a second replica, starts its own count.
That is enough to keep one client from running away with a GPU; billing needs the store.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.errors import QuotaExceeded

UNLIMITED = 1_000_000_000_000
"""The `character_limit` reported when no limit is set (DeepL Pro reports a huge number too)."""


def _month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


@dataclass(slots=True)
class CharacterMeter:
    """Characters per (tenant, month), checked against `limit` before a request runs."""

    limit: int | None = None
    _counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def used(self, tenant: str) -> int:
        """Characters the tenant translated this month."""
        return self._counts.get((tenant, _month()), 0)

    def reported_limit(self) -> int:
        """The limit as `/v2/usage` reports it."""
        return self.limit if self.limit is not None else UNLIMITED

    def check(self, tenant: str, characters: int) -> None:
        """Raise QuotaExceeded when `characters` more would pass the limit."""
        if self.limit is not None and self.used(tenant) + characters > self.limit:
            raise QuotaExceeded(
                f"Quota exceeded: {self.used(tenant)} of {self.limit} characters used this "
                f"month, and this request has {characters} (ADAPTMT_COMPAT_CHARACTER_LIMIT)"
            )

    def add(self, tenant: str, characters: int) -> None:
        """Count characters translated for the tenant."""
        key = (tenant, _month())
        self._counts[key] = self._counts.get(key, 0) + characters
