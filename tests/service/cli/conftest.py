"""Fixtures of the `adaptmt` command tests: the command run in-process on its own database."""

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eval.standin import StandIn
from service.cli import app


@pytest.fixture
def adaptmt(tmp_path: Path, standin: StandIn):  # type: ignore[no-untyped-def]
    """Run `adaptmt ARGS` with its own database and the stand-in as the LLM."""
    env = {
        "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "ADAPTMT_LLM_URL": standin.base_url,
        "ADAPTMT_LLM_MAX_RETRIES": "0",
    }
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True) -> Result:
        result = runner.invoke(app, list(args), env=env, input=input)
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    return run
