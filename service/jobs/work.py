"""Translating one claimed job: pending segments in batches through the pipeline, saved as
they finish, then the result document.

Repeated sources are translated once: the first occurrence goes to the pipeline and every
other segment with that source gets the same text (also across a resume, from the saved
results). Once saved, a result's report lives only in the store: the worker keeps what
writing the result needs, each segment's target text (and its TM matches when the job asks
for `alt_trans`), so its memory grows with the document's text, not with the reports.

Batches run concurrently up to `job_concurrency` segments in flight; each batch is
saved in one transaction with the job's progress, so a worker killed at any point loses at
most the batches in flight. A heartbeat renews the lease; when the job is cancelled (or
another worker took it) the next write raises `JobLeaseLost` and the work stops.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from service.analysis import translatable
from service.documents import Document, Match, Segment, read_document, write_document
from service.jobs.report import (
    alt_trans,
    batch_stats,
    copy_for,
    job_segment,
    positioned,
    word_counts,
)
from service.pipeline import Options, TranslationRequest, Translator
from tm.models import Job, JobSegment
from tm.store import JobLeaseLost, Store

log = logging.getLogger(__name__)

HEARTBEATS_PER_LEASE = 3
"""Lease renewals per lease period: a missed one or two still keep the job."""

ALT_TRANS_OPTION = "alt_trans"
"""Job option: write the TM matches into the result where the format can (XLIFF 1.2)."""


class JobFailed(Exception):
    """A job that cannot be completed; the message is stored as the job's error."""


@dataclass(frozen=True, slots=True)
class JobLimits:
    """How a worker paces a job (from the settings)."""

    concurrency: int
    batch_segments: int
    lease_s: float
    retention_s: float


class JobWork:
    """One worker's run of one job it holds the lease of."""

    def __init__(
        self,
        job: Job,
        worker: str,
        store: Store,
        translator: Translator,
        defaults: Options,
        limits: JobLimits,
    ) -> None:
        self.job = job
        self.worker = worker
        self.store = store
        self.translator = translator
        self.options = defaults.overridden(job.spec.options)
        self.limits = limits
        self._texts: dict[str, str] = {}  # segment id -> saved target text
        # segment id -> saved TM matches, only when the result is to carry them
        self._matches: dict[str, list[Match]] | None = (
            {} if job.spec.options.get(ALT_TRANS_OPTION) else None
        )
        self._positions: dict[str, int] = {}  # segment id -> place in the document

    async def run(self) -> None:
        """Translate what is pending and finish the job: done, or failed with the reason.

        Raises JobLeaseLost when the job was cancelled or taken over meanwhile.
        """
        result: bytes | None = None
        error: str | None = None
        try:
            async with asyncio.TaskGroup() as group:
                beat = group.create_task(self._heartbeat())
                try:
                    result = await self._translate()
                finally:
                    beat.cancel()
        except* JobLeaseLost as lost:
            raise _first(lost) from None
        except* JobFailed as failed:
            error = str(_first(failed))
        except* Exception as crashed:
            log.error("job %s crashed", self.job.id, exc_info=_first(crashed))
            error = f"internal error: {_first(crashed)!r}"
        await self._finish(None if error else result, error)

    async def _finish(self, result: bytes | None, error: str | None) -> None:
        self.job = await self.store.finish_job(
            self.job.id,
            self.worker,
            result=result,
            error=error,
            retention_s=self.limits.retention_s,
        )

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.limits.lease_s / HEARTBEATS_PER_LEASE)
            await self.store.renew_job_lease(self.job.id, self.worker, lease_s=self.limits.lease_s)

    async def _translate(self) -> bytes:
        job = self.job
        data = await self.store.job_document(job.id, tenant=job.tenant)
        document = await asyncio.to_thread(
            read_document,
            data,
            job.spec.filename,
            source_lang=job.spec.source_lang,
            target_lang=job.spec.target_lang,
        )
        by_source: dict[str, JobSegment] = {}  # first saved result per source (a resume)
        for saved in await self.store.job_segments(job.id, tenant=job.tenant):
            self._keep(saved)
            by_source.setdefault(saved.source, saved)
        segments = translatable(document)
        self._positions = {segment.id: n for n, segment in enumerate(segments)}
        pending = [s for s in segments if s.id not in self._texts]
        known = [s for s in pending if s.source in by_source]
        await self._save([copy_for(s, by_source[s.source]) for s in known], known)
        firsts: dict[str, list[Segment]] = {}
        for segment in pending:
            if segment.source not in by_source:
                firsts.setdefault(segment.source, []).append(segment)
        del by_source, known, pending  # every later repetition is in its first one's group
        groups = list(firsts.values())
        size = self.limits.batch_segments
        parallel = asyncio.Semaphore(max(1, self.limits.concurrency // size))
        async with asyncio.TaskGroup() as group:
            for start in range(0, len(groups), size):
                group.create_task(self._batch(groups[start : start + size], parallel))
        return await asyncio.to_thread(self._write, document)

    async def _batch(
        self, groups: Sequence[Sequence[Segment]], parallel: asyncio.Semaphore
    ) -> None:
        """Translate one batch of distinct sources and save every segment that has them."""
        async with parallel:
            job = self.job
            request = TranslationRequest(
                segments=[group[0].source for group in groups],
                source_lang=job.spec.source_lang,
                target_lang=job.spec.target_lang,
                memories=job.spec.memories,
                glossaries=job.spec.glossaries,
                options=self.options,
                tenant=job.tenant,
                request_id=job.id,
            )
            result = await self.translator.translate(request)
            batch: list[JobSegment] = []
            for group, outcome in zip(groups, result.segments, strict=True):
                if outcome.error is not None or outcome.text is None:
                    reason = outcome.error.message if outcome.error else "no translation"
                    raise JobFailed(
                        f"segment {group[0].id!r} ({group[0].source[:60]!r}) could not be "
                        f"translated: {reason}"
                    )
                first = job_segment(group[0], outcome, repetition=False)
                batch.append(first)
                batch.extend(copy_for(segment, first) for segment in group[1:])
            await self._save(batch, [s for group in groups for s in group])

    async def _save(self, batch: Sequence[JobSegment], segments: Sequence[Segment]) -> None:
        if not batch:
            return
        words = word_counts(segments)
        batch = [positioned(saved, self._positions[saved.segment_id]) for saved in batch]
        self.job = await self.store.save_job_segments(
            self.job.id,
            self.worker,
            batch,
            batch_stats(batch, words),
            lease_s=self.limits.lease_s,
        )
        for saved in batch:
            self._keep(saved)

    def _keep(self, saved: JobSegment) -> None:
        """Note what writing the result needs of a saved segment (not its report)."""
        self._texts[saved.segment_id] = saved.text
        if self._matches is not None:
            self._matches[saved.segment_id] = alt_trans(saved)

    def _write(self, document: Document) -> bytes:
        translations = {sid: text for sid, text in self._texts.items() if sid in document}
        matches = None
        if self._matches is not None:
            matches = {sid: self._matches[sid] for sid in translations}
        return write_document(document, translations, matches=matches)


def _first(group: BaseExceptionGroup) -> BaseException:
    """The first leaf exception of a (nested) exception group."""
    found: BaseException = group
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return found
