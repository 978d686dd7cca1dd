"""A throwaway adaptmt for the OmegaT plugin's Java tests: the service on loopback over a fresh
SQLite file, with one API key, translating through the LLM stand-in.

    python -m tests.plugins.omegat_server     # prints "URL KEY", serves until stdin closes
"""

import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from eval.standin import StandIn
from service.app import create_app
from service.cli import app as cli
from tests.service.conftest import Served, settings_for

TENANT = "omegat-plugin"


def main() -> None:
    """Serve until the parent closes our stdin (test.sh's coprocess ends with it)."""
    with tempfile.TemporaryDirectory() as tmp, StandIn() as llm:
        settings = settings_for(Path(tmp), llm.base_url)
        created = CliRunner().invoke(
            cli,
            ["keys", "create", "--tenant", TENANT],
            env={"ADAPTMT_DATABASE_URL": settings.database_url},
        )
        if created.exit_code != 0:
            raise SystemExit(f"could not create an API key: {created.output}")
        served = Served(create_app(settings), settings)
        try:
            print(served.url, created.stdout.strip(), flush=True)
            sys.stdin.read()
        finally:
            served.stop()


if __name__ == "__main__":
    main()
