"""`adaptmt eval`: measure translation quality and cost on your data and model.

The logic lives in eval/ (which imports service, never the reverse): imported on use.
"""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import TenantOption, fail, memory_id, run
from service.settings import Settings
from tm.errors import TMError
from tm.models import DEFAULT_TENANT
from tm.store import Store

app = typer.Typer(
    help="Measure translation quality and cost on your data and model (needs adaptmt\\[eval])."
)


@app.command("run")
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
        raise fail(f"{exc}; `adaptmt eval` needs `pip install 'adaptmt[eval]'`") from None
    from service.comet import CometError
    from service.llm import LLMError

    settings = Settings()
    leave_one_out = self_tm or (
        tm is not None and test is not None and tm.resolve() == test.resolve()
    )
    try:
        ks = tuple(int(part) for part in k.split(",") if part.strip())
    except ValueError:
        raise fail(f"--k takes comma-separated example counts such as 1,2,5, not {k!r}") from None
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
        raise fail(str(exc)) from None
    typer.echo(report.to_markdown())
    typer.echo("written: " + ", ".join(str(path) for path in written), err=True)


@app.command("edits")
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
        raise fail(f"--period is day, week or month, not {period!r}") from None

    async def work(store: Store) -> str:
        found = await memory_id(store, memory, tenant)
        rows = await edit_history(store, found, period=grouping, days=days, tenant=tenant)
        return edits_markdown(memory, rows)

    typer.echo(run(work), nl=False)
