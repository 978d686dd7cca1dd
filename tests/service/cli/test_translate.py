"""`adaptmt translate`: lines through the pipeline, with a memory; a failing LLM."""

from pathlib import Path

from eval.standin import MARKER, StandIn
from tests.service.cli.samples import TMX


def test_translate_reads_lines_and_reuses_the_memory(adaptmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tmx = tmp_path / "client.tmx"
    tmx.write_bytes(TMX)
    adaptmt("memory", "create", "client")
    adaptmt("memory", "import", "client", str(tmx))

    result = adaptmt(
        "translate",
        "--from",
        "en",
        "--to",
        "fr",
        "-m",
        "client",
        input="Wash your hands.\n\nOpen the window.\n",
    )

    assert result.stdout.splitlines() == ["Lavez-vous les mains.", "", MARKER + "Open the window."]


def test_translate_fails_clearly_without_an_llm(adaptmt, standin: StandIn) -> None:  # type: ignore[no-untyped-def]
    standin.fail_next(5, status=503)

    result = adaptmt("translate", "--from", "en", "--to", "fr", input="Hello.\n", ok=False)

    assert result.exit_code == 1
    assert "1 of 1 segment(s) could not be translated" in result.stderr
    assert "503" in result.stderr
