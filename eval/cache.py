"""What a run keeps so that it never pays twice: LLM outputs by prompt, COMET scores by input.

One SQLite file per output directory (`cache.sqlite3`). `CachedLLM` answers a chat request
from the cache when the same model saw the same messages with the same parameters, and
stores every new answer as soon as it arrives: re-scoring a run, adding a metric or a
configuration re-translates nothing, and a run interrupted half-way resumes where it
stopped. A cached answer keeps the latency and token counts of the original call, so the
report's figures are those of the real run. COMET scores are cached by the scorer's
signature and the segment's (source, translation, reference).
"""

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from service.llm import Completion, LLMClient, LLMConfig, Usage
from service.prompts import Message

CACHE_FILE = "cache.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY, model TEXT NOT NULL, completion TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS scores (
    signature TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (signature, key));
"""


def _digest(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def prompt_key(model: str, messages: Sequence[Message], max_tokens: int, temperature: float) -> str:
    """The cache key of a chat request: everything that changes the model's answer."""
    return _digest([model, list(messages), max_tokens, temperature])


class Cache:
    """The SQLite file holding cached completions and scores."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def completion(self, key: str) -> Completion | None:
        """The cached completion for a prompt key."""
        row = self._db.execute(
            "SELECT completion FROM completions WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        fields = json.loads(row[0])
        usage = fields.pop("usage")
        return Completion(**fields, usage=Usage(**usage) if usage else None)

    def put_completion(self, key: str, completion: Completion) -> None:
        """Keep a completion (at once: an interrupted run loses nothing it paid for)."""
        self._db.execute(
            "INSERT OR REPLACE INTO completions (key, model, completion) VALUES (?, ?, ?)",
            (key, completion.model, json.dumps(asdict(completion), ensure_ascii=False)),
        )

    def last_model(self) -> str | None:
        """The model of the newest cached completion (to re-score with the server down)."""
        row = self._db.execute(
            "SELECT model FROM completions ORDER BY created_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def scores(self, signature: str, items: Sequence[Sequence[str | None]]) -> list[float | None]:
        """Cached scores of a scorer for (source, translation, reference) items, None if absent."""
        keys = [_digest(list(item)) for item in items]
        found: dict[str, float] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, value FROM scores WHERE signature = ? AND key IN ({marks})",
                (signature, *chunk),
            )
            found.update(rows.fetchall())
        return [found.get(key) for key in keys]

    def put_scores(
        self, signature: str, items: Sequence[Sequence[str | None]], values: Sequence[float]
    ) -> None:
        """Keep a scorer's scores for (source, translation, reference) items."""
        rows = [
            (signature, _digest(list(item)), value)
            for item, value in zip(items, values, strict=True)
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?)", rows)


class CachedLLM(LLMClient):
    """An LLM client that answers repeated prompts from a `Cache` and counts what it did."""

    def __init__(self, config: LLMConfig, cache: Cache) -> None:
        super().__init__(config)
        self.cache = cache
        self.hits = 0
        self.calls = 0

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float | None = None,
        request_id: str | None = None,
    ) -> Completion:
        """The cached answer to these messages, else the server's (then cached)."""
        model = await self.model(request_id=request_id)
        used_temperature = self.config.temperature if temperature is None else temperature
        key = prompt_key(model, messages, max_tokens, used_temperature)
        if (cached := self.cache.completion(key)) is not None:
            self.hits += 1
            return cached
        completion = await super().chat(
            messages, max_tokens=max_tokens, temperature=temperature, request_id=request_id
        )
        self.calls += 1
        self.cache.put_completion(key, completion)
        return completion
