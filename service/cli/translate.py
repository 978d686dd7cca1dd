"""`adaptmt translate`: a text file, one segment per line, through the pipeline to stdout."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import TenantOption, fail, glossary_id, memory_id, run
from service.pipeline import SegmentResult, TranslationRequest, Translator
from service.settings import Settings
from tm.models import DEFAULT_TENANT
from tm.store import Store


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
    failed = run(
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
        raise fail(f"{failed} of {len(lines)} segment(s) could not be translated (see above)")


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
    memory_ids = [await memory_id(store, ref, tenant) for ref in memories]
    glossary_ids = [await glossary_id(store, ref, tenant) for ref in glossaries]
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
