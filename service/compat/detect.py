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

    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)


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


DOCUMENT_SAMPLE_SEGMENTS = 50
"""Segments of a document read to detect its language."""


async def document_language(
    data: bytes, filename: str, target_lang: str, candidates: tuple[str, ...] = ()
) -> str | None:
    """The language of a document's text; None when the file cannot be read without it.

    Reading needs a source language, so the file is read with a stand-in one; formats that
    declare their languages (XLIFF) refuse it, and then the caller must be told to send one.
    """
    from service.analysis import translatable
    from service.documents import InvalidDocument, UnsupportedFormat
    from service.jobs import load_document

    probe = "de" if target_lang.split("-")[0] == "en" else "en"
    try:
        document = await load_document(data, filename, probe, target_lang)
    except UnsupportedFormat:
        raise
    except InvalidDocument:
        return None
    sample = " ".join(s.source for s in translatable(document)[:DOCUMENT_SAMPLE_SEGMENTS])
    found = await detect(sample[:2000], candidates) if sample.strip() else []
    return found[0].language if found else None
