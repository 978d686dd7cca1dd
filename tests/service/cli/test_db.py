"""`adaptmt db`: the schema status and upgrade, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.databases import database_url


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_db_status_and_upgrade(backend: str, tmp_path: Path) -> None:
    runner = CliRunner()
    with database_url(backend, tmp_path) as url:
        env = {"ADAPTMT_DATABASE_URL": url}
        new = runner.invoke(app, ["db", "status"], env=env)
        upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
        current = runner.invoke(app, ["db", "status"], env=env)
    assert (new.exit_code, upgraded.exit_code, current.exit_code) == (1, 0, 0)
    assert f"{backend} schema version 0 of" in new.stdout and ": new" in new.stdout
    assert "migration(s) applied" in upgraded.stdout
    assert current.stdout.strip().endswith(": current")
