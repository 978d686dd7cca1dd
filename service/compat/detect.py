"""Offline language identification for LibreTranslate's `source=auto` and `/detect`.

py3langid (a numpy port of langid.py: 97 languages, no network, a 2 MB model) loads on the
first detection, once per process, in a worker thread; nothing imports it before.
"""

import asyncio
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Detected:
    """A language and the identifier's confidence in it, 0-100 as LibreTranslate reports it."""

    language: str
    confidence: float


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _rank(text: str, candidates: tuple[str, ...], limit: int) -> list[Detected]:
    ranked = _identifier().rank(text)
    allowed = set(candidates)
    return [
        Detected(language, round(float(probability) * 100, 1))
        for language, probability in ranked
        if not allowed or language in allowed
    ][:limit]


async def detect(text: str, candidates: tuple[str, ...] = (), limit: int = 1) -> list[Detected]:
    """The most likely languages of `text`, best first; only `candidates` when given."""
    return await asyncio.to_thread(_rank, text, candidates, limit)
