"""The `adaptmt` command line: serve the API, translate files, manage memories, glossaries, keys.

Every command reads the same `ADAPTMT_*` settings as the server and works on the database
they name (the SQLite file by default) directly, so it needs no running server; a running
server sees what a command wrote on its next lookup. Memories and glossaries are named by
id or by name.
"""

import asyncio
import ipaddress
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from service.pipeline import SegmentResult, TranslationRequest, Translator
from service.settings import Settings
from service.transfer import write_to
from tm.errors import InvalidFile, TMError, UnknownGlossary, UnknownMemory
from tm.formats import format_of, read_glossary, write_glossary, write_memory
from tm.models import DEFAULT_TENANT
from tm.store import Store, open_store
from tm.store.file_import import FileUnits
from tm.store.migrations import SchemaStatus, schema_status, upgrade_schema

T = TypeVar("T")

app = typer.Typer(
    help="adaptmt: adaptive machine translation with translation memories, glossaries and an "
    "LLM served by vLLM. Settings come from ADAPTMT_* environment variables.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
memory_app = typer.Typer(help="Translation memories: create, list, import, export, match.")
glossary_app = typer.Typer(help="Glossaries: create, list, import, export.")
keys_app = typer.Typer(help="API keys: each belongs to a tenant and sees only its data.")
app.add_typer(memory_app, name="memory", no_args_is_help=True)
app.add_typer(glossary_app, name="glossary", no_args_is_help=True)
eval_app = typer.Typer(
    help="Measure translation quality and cost on your data and model (needs adaptmt[eval])."
)
app.add_typer(keys_app, name="keys", no_args_is_help=True)
db_app = typer.Typer(
    help="The database schema: versioned migrations, for SQLite and PostgreSQL alike."
)
app.add_typer(db_app, name="db", no_args_is_help=True)
app.add_typer(eval_app, name="eval", no_args_is_help=True)

TenantOption = Annotated[str, typer.Option(help="The tenant whose data to use.")]


def main() -> None:
    """Entry point of the `adaptmt` script."""
    app()


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _run(work: Callable[[Store], Coroutine[Any, Any, T]]) -> T:
    """Run `work` on the configured store; domain errors become a message and exit code 1."""

    async def go() -> T:
        async with open_store(Settings().database_url) as store:
            return await work(store)

    try:
        return asyncio.run(go())
    except TMError as exc:
        raise _fail(str(exc)) from None


async def _memory_id(store: Store, ref: str, tenant: str) -> str:
    """A memory id from an id or a name."""
    for memory in await store.list_memories(tenant=tenant):
        if ref in (memory.id, memory.name):
            return memory.id
    raise UnknownMemory(f"no memory with id or name {ref!r}; `adaptmt memory list` shows them")


async def _glossary_id(store: Store, ref: str, tenant: str) -> str:
    """A glossary id from an id or a name."""
    for glossary in await store.list_glossaries(tenant=tenant):
        if ref in (glossary.id, glossary.name):
            return glossary.id
    raise UnknownGlossary(
        f"no glossary with id or name {ref!r}; `adaptmt glossary list` shows them"
    )


# -- serve -------------------------------------------------------------------------------------

_APP_FACTORY = "service.app:create_app"
"""What each `serve --workers N` process imports and calls to build its app."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [ADAPTMT_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [ADAPTMT_PORT].")] = None,
    insecure_no_auth: Annotated[
        bool,
        typer.Option(
            "--insecure-no-auth",
            help="Serve without API keys on a non-loopback address (trusted networks only).",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port; each has its own LLM connections and "
            "fuzzy indexes, and sees the others' writes through the database.",
        ),
    ] = 1,
) -> None:
    """Start the HTTP API (docs at /docs)."""
    import uvicorn

    from service.app import create_app
    from service.logs import configure_logging, redact_url

    overrides: dict[str, Any] = {"host": host, "port": port, "insecure_no_auth": insecure_no_auth}
    settings = Settings().model_copy(update={k: v for k, v in overrides.items() if v})
    keys = _run(lambda store: store.count_keys())
    if not keys and not _is_loopback(settings.host) and not settings.insecure_no_auth:
        raise _fail(
            f"refusing to serve on {settings.host} without API keys: anyone who can reach it "
            "could read and change every memory. Create a key with `adaptmt keys create "
            "--tenant NAME`, bind to 127.0.0.1, or pass --insecure-no-auth on a trusted network"
        )
    mode = f"{keys} API key(s)" if keys else "no API keys: one local tenant"
    configure_logging(settings.log_format, settings.log_level)
    logging.getLogger(__name__).info(
        "adaptmt on http://%s:%d (%s); LLM at %s; database %s",
        settings.host,
        settings.port,
        mode,
        settings.llm_url,
        redact_url(settings.database_url),
    )
    # logging as configured above; the app logs one access line per request
    server: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **server)
    else:  # each worker process builds its own app, from the same ADAPTMT_* environment
        uvicorn.run(_APP_FACTORY, factory=True, workers=workers, **server)


# -- translate ---------------------------------------------------------------------------------


@app.command()
def translate(
    source_lang: Annotated[str, typer.Option("--from", "-s", help="Source language, e.g. en.")],
    target_lang: Annotated[str, typer.Option("--to", "-t", help="Target language, e.g. fr.")],
    input_file: Annotated[
        Path | None, typer.Argument(help="One segment per line; stdin if absent.")
    ] = None,
    memory: Annotated[list[str] | None, typer.Option("--memory", "-m", help="Id or name.")] = None,
    glossary: Annotated[
        list[str] | None, typer.Option("--glossary", "-g", help="Id or name.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON result per line, with matches and checks.")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Segments per pipeline call.")] = 64,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Translate a text file line by line to stdout; progress goes to stderr."""
    text = input_file.read_text(encoding="utf-8") if input_file else sys.stdin.read()
    lines = text.splitlines()
    failed = _run(
        lambda store: _translate_lines(
            store,
            lines,
            source_lang,
            target_lang,
            memory or [],
            glossary or [],
            tenant,
            batch,
            as_json,
        )
    )
    if failed:
        raise _fail(f"{failed} of {len(lines)} segment(s) could not be translated (see above)")


async def _translate_lines(
    store: Store,
    lines: list[str],
    source_lang: str,
    target_lang: str,
    memories: list[str],
    glossaries: list[str],
    tenant: str,
    batch: int,
    as_json: bool,
) -> int:
    from service.llm import LLMClient

    settings = Settings()
    memory_ids = [await _memory_id(store, ref, tenant) for ref in memories]
    glossary_ids = [await _glossary_id(store, ref, tenant) for ref in glossaries]
    options = settings.pipeline_options()
    failed = 0
    async with LLMClient(settings.llm_config()) as llm:
        translator = Translator(store, llm)
        with typer.progressbar(length=len(lines), label="translating", file=sys.stderr) as bar:
            for start in range(0, len(lines), batch):
                chunk = lines[start : start + batch]
                segments = [line for line in chunk if line.strip()]
                request = TranslationRequest(
                    segments, source_lang, target_lang, memory_ids, glossary_ids, options, tenant
                )
                result = await translator.translate(request) if segments else None
                done = iter(result.segments if result else [])
                for line in chunk:
                    failed += _emit(next(done) if line.strip() else None, line, as_json)
                bar.update(len(chunk))
    return failed


def _emit(result: SegmentResult | None, line: str, as_json: bool) -> int:
    """Print one result; returns 1 when it failed."""
    if result is None:
        typer.echo(json.dumps({"source": line, "text": line}) if as_json else line)
        return 0
    if result.error:
        typer.secho(f"segment {line[:60]!r}: {result.error.message}", err=True, fg="red")
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "source": result.source,
                    "text": result.text,
                    "origin": result.origin,
                    "matches": [m.score for m in result.matches],
                    "issues": [i.message for i in result.issues],
                    "terms": [{"term": t.term, "status": t.status} for t in result.terms],
                    "error": result.error.message if result.error else None,
                },
                ensure_ascii=False,
            )
        )
    else:
        typer.echo(result.text if result.text is not None else "")
    return 1 if result.error else 0


# -- documents ---------------------------------------------------------------------------------

PROGRESS_POLL_S = 0.2


@app.command("translate-file")
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
        raise _fail(f"the job {outcome.job_id} {outcome.state}: {outcome.error or 'no result'}")
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
    return _run(
        lambda store: _translate_document(store, submission, memories or [], glossaries or [])
    )


async def _translate_document(
    store: Store, submission: Any, memories: list[str], glossaries: list[str]
) -> _Outcome:
    from dataclasses import replace as with_fields

    from service.jobs import JobRunner, job_limits, submit_job
    from service.jobs.report import ORIGIN_PREFIX, WORDS, grouped
    from service.llm import LLMClient

    settings = Settings()
    tenant = submission.tenant
    submission = with_fields(
        submission,
        memories=[await _memory_id(store, ref, tenant) for ref in memories],
        glossaries=[await _glossary_id(store, ref, tenant) for ref in glossaries],
    )
    job = await submit_job(store, submission)
    async with LLMClient(settings.llm_config()) as llm:
        runner = JobRunner(
            store, Translator(store, llm), settings.pipeline_options(), job_limits(settings)
        )
        work = asyncio.create_task(runner.run_one(job.id))

        async def poll() -> tuple[int, bool]:
            await asyncio.wait({work}, timeout=PROGRESS_POLL_S)
            return (await store.get_job(job.id, tenant=tenant)).done_count, work.done()

        await _follow(job.segment_count, poll)
        job = await work
    return _Outcome(
        job_id=job.id,
        state=job.state.value,
        segments=job.done_count,
        words=job.stats.get(WORDS, 0),
        origins=grouped(job.stats, ORIGIN_PREFIX),
        error=job.error,
        result=await store.job_result(job.id, tenant=tenant),
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
        raise _fail(str(exc)) from None


@app.command()
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
        memory_ids = [await _memory_id(store, ref, tenant) for ref in memory or []]
        document = await load_document(
            input_file.read_bytes(), input_file.name, source_lang, target_lang
        )
        return await analyze_document(store, document, memory_ids, tenant=tenant)

    leverage = _run(work)
    typer.echo(f"{'match':<16}{'segments':>10}{'words':>10}")
    for label, segments, words in table_rows(leverage):
        typer.echo(f"{label:<16}{segments:>10}{words:>10}")


# -- database schema ---------------------------------------------------------------------------


def _describe(status: SchemaStatus) -> str:
    return f"{status.backend} schema version {status.current} of {status.latest}: {status.state}"


@db_app.command("status")
def db_status() -> None:
    """Print the schema version of ADAPTMT_DATABASE_URL; exit 1 unless it is current."""
    status = asyncio.run(schema_status(Settings().database_url))
    typer.echo(_describe(status))
    if status.state != "current":
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the missing migrations, once, under a lock: run it before rolling out a release."""
    try:
        before, after = asyncio.run(upgrade_schema(Settings().database_url))
    except TMError as exc:
        raise _fail(str(exc)) from None
    applied = after.current - before.current
    typer.echo(f"{_describe(after)} ({applied} migration(s) applied)")


# -- memories ----------------------------------------------------------------------------------


@memory_app.command("create")
def memory_create(name: str, description: str = "", tenant: TenantOption = DEFAULT_TENANT) -> None:
    """Create an empty memory and print its id."""
    memory = _run(lambda store: store.create_memory(name, tenant=tenant, description=description))
    typer.echo(memory.id)


@memory_app.command("list")
def memory_list(tenant: TenantOption = DEFAULT_TENANT) -> None:
    """List memories: id, units, name."""
    for memory in _run(lambda store: store.list_memories(tenant=tenant)):
        typer.echo(f"{memory.id}\t{memory.unit_count}\t{memory.name}")


@memory_app.command("delete")
def memory_delete(memory: str, tenant: TenantOption = DEFAULT_TENANT) -> None:
    """Delete a memory and all its units."""

    async def work(store: Store) -> None:
        await store.delete_memory(await _memory_id(store, memory, tenant), tenant=tenant)

    _run(work)


@memory_app.command("import")
def memory_import(
    memory: Annotated[str, typer.Argument(help="Memory id or name.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="TMX, CSV or TSV.")],
    source_lang: Annotated[str | None, typer.Option(help="Source language (TMX: srclang).")] = None,
    target_lang: Annotated[str | None, typer.Option(help="Target language to import.")] = None,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Import a TMX, CSV or TSV file, all or nothing."""

    async def work(store: Store) -> str:
        memory_id = await _memory_id(store, memory, tenant)
        # a large file is read in a child process while the store writes (SQLite)
        reading = FileUnits(file, source_lang=source_lang, target_lang=target_lang)
        try:
            result = await store.add_units(memory_id, reading, tenant=tenant)
        except InvalidFile as exc:
            raise InvalidFile(f"{file}: {exc}; nothing was imported") from exc
        summary = f"{result.added} added, {result.updated} updated"
        if reading.skipped:
            summary += f", {reading.skipped} skipped ({dict(reading.skip_reasons)})"
        return summary

    typer.echo(_run(work), err=True)


@memory_app.command("export")
def memory_export(
    memory: Annotated[str, typer.Argument(help="Memory id or name.")],
    file: Annotated[Path, typer.Argument(help="Output; the format from its suffix.")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Export every unit to a TMX, CSV or TSV file."""
    fmt = format_of(file.name)

    async def work(store: Store) -> int:
        memory_id = await _memory_id(store, memory, tenant)
        with file.open("wb") as stream:  # streamed: a 1M-unit memory is never held in memory
            return await write_to(
                store.iter_units(memory_id, tenant=tenant),
                lambda units, out: write_memory(units, out, fmt),
                stream,
            )

    typer.echo(f"{_run(work)} units written to {file}", err=True)


@memory_app.command("match")
def memory_match(
    memory: Annotated[str, typer.Argument(help="Memory id or name.")],
    text: Annotated[str, typer.Argument(help="The segment to look up.")],
    source_lang: Annotated[str, typer.Option("--from", "-s")],
    target_lang: Annotated[str, typer.Option("--to", "-t")],
    k: Annotated[int, typer.Option(min=1, help="Matches to show.")] = 5,
    min_score: Annotated[int, typer.Option(min=0, max=100)] = 50,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Show the best fuzzy matches: score, source, target."""

    async def work(store: Store) -> list[Any]:
        memory_id = await _memory_id(store, memory, tenant)
        return await store.match(
            [memory_id], text, source_lang, target_lang, k=k, min_score=min_score, tenant=tenant
        )

    for match in _run(work):
        typer.echo(f"{match.score}\t{match.unit.source}\t{match.unit.target}")


# -- glossaries --------------------------------------------------------------------------------


@glossary_app.command("create")
def glossary_create(
    name: str,
    source_lang: Annotated[str, typer.Option("--from", "-s")],
    target_lang: Annotated[str, typer.Option("--to", "-t")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Create an empty glossary for one language pair and print its id."""
    glossary = _run(
        lambda store: store.create_glossary(name, source_lang, target_lang, tenant=tenant)
    )
    typer.echo(glossary.id)


@glossary_app.command("list")
def glossary_list(tenant: TenantOption = DEFAULT_TENANT) -> None:
    """List glossaries: id, pair, entries, name."""
    for g in _run(lambda store: store.list_glossaries(tenant=tenant)):
        typer.echo(f"{g.id}\t{g.source_lang}->{g.target_lang}\t{g.entry_count}\t{g.name}")


@glossary_app.command("delete")
def glossary_delete(glossary: str, tenant: TenantOption = DEFAULT_TENANT) -> None:
    """Delete a glossary and its entries."""

    async def work(store: Store) -> None:
        await store.delete_glossary(await _glossary_id(store, glossary, tenant), tenant=tenant)

    _run(work)


@glossary_app.command("import")
def glossary_import(
    glossary: Annotated[str, typer.Argument(help="Glossary id or name.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="TBX, CSV or TSV.")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Import a TBX, CSV or TSV glossary, all or nothing."""

    async def work(store: Store) -> str:
        glossary_id = await _glossary_id(store, glossary, tenant)
        found = await store.get_glossary(glossary_id, tenant=tenant)
        reading = read_glossary(file, None, found.source_lang, found.target_lang)
        try:
            written = await store.add_entries(glossary_id, reading, tenant=tenant)
        except InvalidFile as exc:
            raise InvalidFile(f"{file}: {exc}; nothing was imported") from exc
        return f"{written} entries written, {reading.skipped} skipped"

    typer.echo(_run(work), err=True)


@glossary_app.command("export")
def glossary_export(
    glossary: Annotated[str, typer.Argument(help="Glossary id or name.")],
    file: Annotated[Path, typer.Argument(help="Output; the format from its suffix.")],
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Export a glossary to TBX v3, CSV or TSV."""
    fmt = format_of(file.name)

    async def work(store: Store) -> int:
        glossary_id = await _glossary_id(store, glossary, tenant)
        found = await store.get_glossary(glossary_id, tenant=tenant)
        entries = await store.entries(glossary_id, tenant=tenant)
        return write_glossary(entries, file, fmt, found.source_lang, found.target_lang)

    typer.echo(f"{_run(work)} entries written to {file}", err=True)


# -- keys --------------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="The tenant the key belongs to.")],
    name: Annotated[str, typer.Option(help="A label, e.g. who uses the key.")] = "",
) -> None:
    """Create an API key and print it (shown once; only its hash is stored)."""
    key, secret = _run(lambda store: store.create_key(tenant, name=name))
    typer.echo(secret)
    typer.echo(f"key {key.id} for tenant {key.tenant!r}; keep it secret", err=True)


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
) -> None:
    """List keys: id, tenant, prefix, name, last used."""
    for key in _run(lambda store: store.list_keys(tenant=tenant)):
        used = key.last_used_at.isoformat() if key.last_used_at else "never"
        typer.echo(f"{key.id}\t{key.tenant}\t{key.prefix}...\t{key.name}\t{used}")


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key: requests with it are refused at once."""
    _run(lambda store: store.revoke_key(key_id))


# -- eval --------------------------------------------------------------------------------------
# The logic lives in eval/ (which imports service, never the reverse): imported on use.


@eval_app.command("run")
def eval_run(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the report and cache.")],
    source_lang: Annotated[str, typer.Option("--from", "-s", help="Source language.")],
    target_lang: Annotated[str, typer.Option("--to", "-t", help="Target language.")],
    test: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="TMX/CSV/TSV: units are the test set."),
    ] = None,
    source: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Segments, one per line.")
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="References, aligned with --source."),
    ] = None,
    tm: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="Fuzzy-match pool; the --test file: leave-one-out."
        ),
    ] = None,
    self_tm: Annotated[
        bool, typer.Option("--self-tm", help="The test set is its own TM, leave-one-out.")
    ] = False,
    terms: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Per-segment terms, WMT 2023 JSON lines."),
    ] = None,
    glossary: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="TBX/CSV/TSV glossary.")
    ] = None,
    k: Annotated[str, typer.Option(help="Fuzzy-match example counts to compare.")] = "1,2,5",
    ape: Annotated[bool, typer.Option(help="Add the configuration with post-editing.")] = True,
    comet: Annotated[
        Path | None,
        typer.Option(exists=True, file_okay=False, help="COMET checkpoint dir (with reference)."),
    ] = None,
    cometkiwi: Annotated[
        Path | None,
        typer.Option(
            exists=True, file_okay=False, help="CometKiwi checkpoint dir [ADAPTMT_QE_MODEL]."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N segments.")] = None,
    data_only: Annotated[
        bool, typer.Option("--data-only", help="Only the test set's own figures; no LLM.")
    ] = False,
) -> None:
    """Translate a test set as zero-shot, with k fuzzy matches, + terms, + APE; score; report.

    Writes report.md, report.json, report.png, segments/ and cache.sqlite3 (LLM answers
    by prompt: a re-run re-translates nothing and an interrupted run resumes).
    """
    try:
        from eval.harness import EvalSpec, run_eval
        from eval.testset import load_evalset
    except ImportError as exc:
        raise _fail(f"{exc}; `adaptmt eval` needs `pip install 'adaptmt[eval]'`") from None
    from service.comet import CometError
    from service.llm import LLMError

    settings = Settings()
    leave_one_out = self_tm or (
        tm is not None and test is not None and tm.resolve() == test.resolve()
    )
    try:
        ks = tuple(int(part) for part in k.split(",") if part.strip())
    except ValueError:
        raise _fail(f"--k takes comma-separated example counts such as 1,2,5, not {k!r}") from None
    try:
        evalset = load_evalset(
            source_lang, target_lang, test=test, source=source, reference=reference, terms=terms
        )
        spec = EvalSpec(
            evalset,
            out,
            limit=limit,
            tm=None if leave_one_out else tm,
            self_tm=leave_one_out,
            glossary=glossary,
            terms_file=terms,
            ks=ks,
            ape=ape,
            comet=comet,
            cometkiwi=cometkiwi or settings.qe_model,
            data_only=data_only,
        )
        report, written = asyncio.run(run_eval(spec, settings))
    except (ValueError, TMError, CometError, LLMError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(report.to_markdown())
    typer.echo("written: " + ", ".join(str(path) for path in written), err=True)


@eval_app.command("edits")
def eval_edits(
    memory: Annotated[str, typer.Argument(help="Memory id or name.")],
    period: Annotated[str, typer.Option(help="day, week or month.")] = "day",
    days: Annotated[int | None, typer.Option(min=1, help="Only the last N days.")] = None,
    tenant: TenantOption = DEFAULT_TENANT,
) -> None:
    """Post-editing of a memory over time: edits, HTER-style edit rate, unchanged share."""
    from eval.edits import Period, edit_history, edits_markdown

    try:
        grouping = Period(period)
    except ValueError:
        raise _fail(f"--period is day, week or month, not {period!r}") from None

    async def work(store: Store) -> str:
        memory_id = await _memory_id(store, memory, tenant)
        rows = await edit_history(store, memory_id, period=grouping, days=days, tenant=tenant)
        return edits_markdown(memory, rows)

    typer.echo(_run(work), nl=False)


if __name__ == "__main__":
    main()
