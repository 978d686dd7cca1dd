"""The `adaptmt` command line: serve the API, translate files, manage memories, glossaries, keys.

Every command reads the same `ADAPTMT_*` settings as the server and works on the database
they name (the SQLite file by default) directly, so it needs no running server; a running
server sees what a command wrote on its next lookup. Memories and glossaries are named by
id or by name.

One module per command or group: `serve`, `translate`, `documents` (translate-file,
analyze), `memory`, `glossary`, `keys`, `db`, `evaluate` (eval); `common` holds what they
share. This module only assembles them into `app`.
"""

import typer

from service.cli import db, documents, evaluate, glossary, keys, memory, serve, translate

app = typer.Typer(
    help="adaptmt: adaptive machine translation with translation memories, glossaries and an "
    "LLM served by vLLM. Settings come from ADAPTMT_* environment variables.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(memory.app, name="memory", no_args_is_help=True)
app.add_typer(glossary.app, name="glossary", no_args_is_help=True)
app.add_typer(keys.app, name="keys", no_args_is_help=True)
app.add_typer(db.app, name="db", no_args_is_help=True)
app.add_typer(evaluate.app, name="eval", no_args_is_help=True)
app.command()(serve.serve)
app.command()(translate.translate)
app.command("translate-file")(documents.translate_file)
app.command()(documents.analyze)


def main() -> None:
    """Entry point of the `adaptmt` script."""
    app()
