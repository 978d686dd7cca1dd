"""Submitting a document job: the document is read and checked before anything is stored.

A file that cannot be read (unsupported, corrupt, unsafe, of other languages than asked)
raises before the job exists, so a bad upload leaves nothing behind.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from service.analysis import translatable
from service.documents import Document, read_document
from tm.langs import normalize_tag
from tm.models import DEFAULT_TENANT, Job, JobSpec
from tm.store import Store


@dataclass(frozen=True, slots=True)
class Submission:
    """A document to translate and how."""

    data: bytes
    filename: str
    source_lang: str
    target_lang: str
    memories: Sequence[str] = ()
    glossaries: Sequence[str] = ()
    options: dict[str, object] | None = None
    tenant: str = DEFAULT_TENANT


async def load_document(data: bytes, filename: str, source_lang: str, target_lang: str) -> Document:
    """Read a document off the event loop (parsing a large file takes a while)."""
    return await asyncio.to_thread(
        read_document, data, filename, source_lang=source_lang, target_lang=target_lang
    )


async def submit_job(store: Store, submission: Submission) -> Job:
    """Check the document, the memories and the glossaries, then store a queued job."""
    s = submission
    source_lang, target_lang = normalize_tag(s.source_lang), normalize_tag(s.target_lang)
    document = await load_document(s.data, s.filename, source_lang, target_lang)
    for memory_id in s.memories:
        await store.get_memory(memory_id, tenant=s.tenant)
    for glossary_id in s.glossaries:
        await store.get_glossary(glossary_id, tenant=s.tenant)
    spec = JobSpec(
        filename=s.filename,
        format=document.format,
        source_lang=source_lang,
        target_lang=target_lang,
        memories=list(s.memories),
        glossaries=list(s.glossaries),
        options=dict(s.options or {}),
    )
    return await store.create_job(spec, s.data, len(translatable(document)), tenant=s.tenant)
