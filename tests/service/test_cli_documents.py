"""`adaptmt translate-file` and `adaptmt analyze`: documents from the command line, no server."""

from pathlib import Path

from typer.testing import CliRunner

from eval.standin import MARKER, StandIn
from service.cli import app as cli


def env_for(tmp_path: Path, standin: StandIn) -> dict[str, str]:
    return {
        "ADAPTMT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "ADAPTMT_LLM_URL": standin.base_url,
    }


def test_translate_file_writes_the_translated_document(tmp_path: Path, standin: StandIn) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("Open the file.\n\nClose it.\n\nOpen the file.\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["translate-file", str(source), "--from", "en", "--to", "de"],
        env=env_for(tmp_path, standin),
    )
    assert result.exit_code == 0, result.output
    written = (tmp_path / "notes.de.txt").read_text(encoding="utf-8")
    assert written == f"{MARKER}Open the file.\n\n{MARKER}Close it.\n\n{MARKER}Open the file.\n"
    assert "3 segment(s)" in result.stderr and len(standin.requests) == 2


def test_a_bad_document_is_an_error_message(tmp_path: Path, standin: StandIn) -> None:
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    result = CliRunner().invoke(
        cli,
        ["translate-file", str(bad), "--from", "en", "--to", "de"],
        env=env_for(tmp_path, standin),
    )
    assert result.exit_code == 1 and "error:" in result.stderr


def test_analyze_prints_the_leverage_table(tmp_path: Path, standin: StandIn) -> None:
    source = tmp_path / "a.txt"
    source.write_text("One two three.\n\nOne two three.\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["analyze", str(source), "--from", "en", "--to", "de"], env=env_for(tmp_path, standin)
    )
    assert result.exit_code == 0, result.output
    rows = {line.rsplit(None, 2)[0]: line.split()[-2:] for line in result.stdout.splitlines()[1:]}
    assert rows["no match"] == ["1", "3"] and rows["repetitions"] == ["1", "3"]
    assert rows["total"] == ["2", "6"]
