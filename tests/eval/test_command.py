"""The `adaptmt eval` commands (thin wrappers in `service.cli`), run in-process."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eval.standin import StandIn
from service.cli import app


@pytest.fixture
def adaptmt(tmp_path: Path, standin: StandIn, kiwi_dir: Path):  # type: ignore[no-untyped-def]
    """Run `adaptmt ARGS` with the stand-in as the LLM and the tiny CometKiwi as QE model."""
    env = {
        "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "ADAPTMT_LLM_URL": standin.base_url,
        "ADAPTMT_LLM_MAX_RETRIES": "0",
        "ADAPTMT_QE_MODEL": str(kiwi_dir),
        "ADAPTMT_QE_DEVICE": "cpu",
    }

    def run(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result

    return run


def test_eval_run_with_the_test_set_as_its_own_tm(  # type: ignore[no-untyped-def]
    adaptmt, tmp_path: Path, tmx: Path, glossary: Path
) -> None:
    out = tmp_path / "out"
    result = adaptmt(
        "eval", "run", "--out", str(out), "--from", "en", "--to", "fr", "--test", str(tmx),
        "--tm", str(tmx), "--glossary", str(glossary), "--k", "1,3", "--no-ape", "--limit", "4",
    )  # fmt: skip

    assert "- TM: set.en-fr.tmx itself, leave-one-out" in result.stdout
    assert "| fuzzy-3+terms |" in result.stdout and "+ape" not in result.stdout
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in data["configurations"]] == [
        "zero-shot", "fuzzy-1", "fuzzy-3", "fuzzy-3+terms",
    ]  # fmt: skip
    kiwi = data["configurations"][0]["scores"][3]
    assert kiwi["metric"] == "CometKiwi"  # from ADAPTMT_QE_MODEL
    assert "test set: set.en-fr.tmx: 4 segments" in result.stdout
    assert "written: " in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "{tmx}"], "give a memory file as the test set, or a source and a reference"),
        (
            ["--test", "{tmx}", "--k", "1,x"],
            "--k takes comma-separated example counts such as 1,2,5, not '1,x'",
        ),
        (["--test", "{tmx}", "--comet", "{tmp}"], "is not a COMET checkpoint directory"),
    ],
)
def test_eval_run_explains_bad_arguments(  # type: ignore[no-untyped-def]
    adaptmt, tmp_path: Path, tmx: Path, args: list[str], message: str
) -> None:
    filled = [a.format(tmx=tmx, tmp=tmp_path) for a in args]

    result = adaptmt("eval", "run", "-o", str(tmp_path / "o"), "-s", "en", "-t", "fr", *filled,
                     code=1)  # fmt: skip

    assert message in result.stderr


def test_eval_edits(adaptmt) -> None:  # type: ignore[no-untyped-def]
    adaptmt("memory", "create", "client")

    result = adaptmt("eval", "edits", "client", "--period", "week")

    assert result.stdout.startswith("# Post-editing of client\n")
    assert "| – | 0 | – | – |" in result.stdout
    refused = adaptmt("eval", "edits", "client", "--period", "year", code=1)
    assert "--period is day, week or month" in refused.stderr
