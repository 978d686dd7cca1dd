"""`adaptmt db`: the database schema's version and its migrations."""

import asyncio

import typer

from service.cli.common import fail
from service.settings import Settings
from tm.errors import TMError
from tm.store.migrations import SchemaStatus, schema_status, upgrade_schema

app = typer.Typer(
    help="The database schema: versioned migrations, for SQLite and PostgreSQL alike."
)


def _describe(status: SchemaStatus) -> str:
    return f"{status.backend} schema version {status.current} of {status.latest}: {status.state}"


@app.command("status")
def db_status() -> None:
    """Print the schema version of ADAPTMT_DATABASE_URL; exit 1 unless it is current."""
    status = asyncio.run(schema_status(Settings().database_url))
    typer.echo(_describe(status))
    if status.state != "current":
        raise typer.Exit(1)


@app.command("upgrade")
def db_upgrade() -> None:
    """Apply the missing migrations, once, under a lock: run it before rolling out a release."""
    try:
        before, after = asyncio.run(upgrade_schema(Settings().database_url))
    except TMError as exc:
        raise fail(str(exc)) from None
    applied = after.current - before.current
    typer.echo(f"{_describe(after)} ({applied} migration(s) applied)")
