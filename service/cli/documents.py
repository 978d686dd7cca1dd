"""`adaptmt translate-file` and `adaptmt analyze`: documents, as jobs or as a leverage table.

`translate-file` runs the job in this process on the ADAPTMT_* database and LLM, or on a
running server (`--server`); either way it follows the job with a progress bar. Stopped
with Ctrl-C, an embedded run hands its job back (queued, its saved batches kept) before the
store closes, and the next run of the same document and spec resumes that job.
"""

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from service.cli.common import TenantOption, fail, glossary_id, memory_id, run
from service.pipeline import Translator
from service.settings import Settings
from tm.langs import normalize_tag
from tm.models import DEFAULT_TENANT, Job, JobState
from tm.store import Store

if TYPE_CHECKING:  # the job machinery is imported when a document is translated
    from service.jobs import Submission

PROGRESS_POLL_S = 0.2
"""Seconds between looks at a job's progress."""

INTERRUPTED_EXIT = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report a command stopped by it."""


def translate_file(
    input_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Document.")],
    source_lang: Annotated[str, typer.Option("--from", "-s", help="Source language, e.g. en.")],
    target_lang: Annotated[str, typer.Option("--to", "-t", help="Target language, e.g. de.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Default: IN with .LANG before the suffix."),
    ] = None,
    memory: Annotated[list[str] | None, typer.Option("--memory", "-m", help="Id or name.")] = None,
    glossary: Annotated[
        list[str] | None, typer.Option("--glossary", "-g", help="Id or name.")
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            help="A running adaptmt server's URL, e.g. http://mt.example:8080: the job runs "
            "there. Default: in this process, on the ADAPTMT_* database and LLM."
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="ADAPTMT_API_KEY", help="The server's API key (with --server)."),
    ] = None,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Translate a document (XLIFF, PO, JSON, DOCX, HTML, Markdown, text) as a job.

    Shows a progress bar and a summary; writes the translated file in the same format.
    """
    out = output or input_file.with_suffix(f".{target_lang}{input_file.suffix}")
    if server:
        outcome = _remote_document(
            server, api_key, input_file, source_lang, target_lang, memory, glossary
        )
    else:
        outcome = _embedded_document(input_file, source_lang, target_lang, memory, glossary, tenant)
    if outcome.result is None:
        raise fail(f"the job {outcome.job_id} {outcome.state}: {outcome.error or 'no result'}")
    out.write_bytes(outcome.result)
    origins = ", ".join(f"{name} {count}" for name, count in outcome.origins.items())
    typer.echo(
        f"{outcome.segments} segment(s), {outcome.words} word(s) translated ({origins}) -> {out}",
        err=True,
    )


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A finished document job as the summary shows it, wherever it ran."""

    job_id: str
    state: str
    segments: int
    words: int
    origins: dict[str, int]
    error: str | None
    result: bytes | None


async def _follow(total: int, poll: Callable[[], Awaitable[tuple[int, bool]]]) -> None:
    """A progress bar over a job's segments; `poll` waits a moment, says (done, finished)."""
    with typer.progressbar(length=total, label="translating", file=sys.stderr) as bar:
        shown, finished = 0, False
        while not finished:
            done, finished = await poll()
            bar.update(done - shown)
            shown = done


def _embedded_document(
    input_file: Path,
    source_lang: str,
    target_lang: str,
    memories: list[str] | None,
    glossaries: list[str] | None,
    tenant: str,
) -> _Outcome:
    from service.jobs import Submission

    submission = Submission(
        data=input_file.read_bytes(),
        filename=input_file.name,
        source_lang=source_lang,
        target_lang=target_lang,
        tenant=tenant,
    )
    try:
        return run(
            lambda store: _translate_document(store, submission, memories or [], glossaries or [])
        )
    except KeyboardInterrupt:
        raise typer.Exit(INTERRUPTED_EXIT) from None


async def _translate_document(
    store: Store, submission: "Submission", memories: list[str], glossaries: list[str]
) -> _Outcome:
    from service.jobs import JobRunner, job_limits, submit_job
    from service.jobs.report import ORIGIN_PREFIX, WORDS, grouped
    from service.llm import LLMClient

    settings = Settings()
    tenant = submission.tenant
    submission = replace(
        submission,
        memories=[await memory_id(store, ref, tenant) for ref in memories],
        glossaries=[await glossary_id(store, ref, tenant) for ref in glossaries],
    )
    resumed = await _handed_back_job(store, submission)
    if resumed:
        typer.echo(
            f"resuming the job {resumed.id}: {resumed.done_count} of {resumed.segment_count} "
            "segment(s) already translated",
            err=True,
        )
    job = resumed or await submit_job(store, submission)
    async with LLMClient(settings.llm_config()) as llm:
        runner = JobRunner(
            store, Translator(store, llm), settings.pipeline_options(), job_limits(settings)
        )
        work = asyncio.create_task(runner.run_one(job.id))

        async def poll() -> tuple[int, bool]:
            await asyncio.wait({work}, timeout=PROGRESS_POLL_S)
            return (await store.get_job(job.id, tenant=tenant)).done_count, work.done()

        try:
            await _follow(job.segment_count, poll)
            job = await work
        except asyncio.CancelledError:  # Ctrl-C: hand the job back while the store is open
            await _hand_back(work, store, job)
            raise
    return _Outcome(
        job_id=job.id,
        state=job.state.value,
        segments=job.done_count,
        words=job.stats.get(WORDS, 0),
        origins=grouped(job.stats, ORIGIN_PREFIX),
        error=job.error,
        result=await store.job_result(job.id, tenant=tenant),
    )


async def _handed_back_job(store: Store, submission: "Submission") -> Job | None:
    """The newest queued job of this very document and spec: an interrupted run's, to resume."""
    source_lang = normalize_tag(submission.source_lang)
    target_lang = normalize_tag(submission.target_lang)
    for job in await store.list_jobs(tenant=submission.tenant):
        spec = job.spec
        if (
            job.state is JobState.QUEUED
            and spec.filename == submission.filename
            and (spec.source_lang, spec.target_lang) == (source_lang, target_lang)
            and spec.memories == list(submission.memories)
            and spec.glossaries == list(submission.glossaries)
            and spec.options == dict(submission.options or {})
            and await store.job_document(job.id, tenant=job.tenant) == submission.data
        ):
            return job
    return None


async def _hand_back(work: asyncio.Task[Job], store: Store, job: Job) -> None:
    """Stop the job's work; the runner releases it, its saved batches stay for a next run."""
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    job = await store.get_job(job.id, tenant=job.tenant)
    resumable = "; the same command resumes it" if job.state is JobState.QUEUED else ""
    typer.echo(
        f"\ninterrupted: the job {job.id} is {job.state.value} with {job.done_count} of "
        f"{job.segment_count} segment(s) translated{resumable}",
        err=True,
    )


def _remote_document(
    server: str,
    api_key: str | None,
    input_file: Path,
    source_lang: str,
    target_lang: str,
    memories: list[str] | None,
    glossaries: list[str] | None,
) -> _Outcome:
    from service.jobclient import FINISHED_STATES, JobClient, RemoteError

    async def go() -> _Outcome:
        async with JobClient(server, api_key=api_key) as client:
            job = await client.submit(
                input_file.read_bytes(),
                input_file.name,
                source_lang,
                target_lang,
                memories=memories or [],
                glossaries=glossaries or [],
            )

            async def poll() -> tuple[int, bool]:
                nonlocal job
                await asyncio.sleep(PROGRESS_POLL_S)
                job = await client.job(job["id"])
                return job["segments_done"], job["state"] in FINISHED_STATES

            await _follow(job["segments_total"], poll)
            return _Outcome(
                job_id=job["id"],
                state=job["state"],
                segments=job["segments_done"],
                words=job["words"],
                origins=job["origins"],
                error=job["error"],
                result=await client.result(job["id"]) if job["state"] == "done" else None,
            )

    try:
        return asyncio.run(go())
    except RemoteError as exc:
        raise fail(str(exc)) from None


def analyze(
    input_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Document.")],
    source_lang: Annotated[str, typer.Option("--from", "-s", help="Source language, e.g. en.")],
    target_lang: Annotated[str, typer.Option("--to", "-t", help="Target language, e.g. de.")],
    memory: Annotated[list[str] | None, typer.Option("--memory", "-m", help="Id or name.")] = None,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Leverage analysis: segments and words per TM match band and repetitions (no LLM)."""
    from service.analysis import analyze as analyze_document
    from service.analysis import table_rows
    from service.jobs import load_document

    async def work(store: Store) -> Any:
        memory_ids = [await memory_id(store, ref, tenant) for ref in memory or []]
        document = await load_document(
            input_file.read_bytes(), input_file.name, source_lang, target_lang
        )
        return await analyze_document(store, document, memory_ids, tenant=tenant)

    leverage = run(work)
    typer.echo(f"{'match':<16}{'segments':>10}{'words':>10}")
    for label, segments, words in table_rows(leverage):
        typer.echo(f"{label:<16}{segments:>10}{words:>10}")
