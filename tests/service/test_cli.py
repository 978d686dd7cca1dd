"""The `adaptmt` command line, run in-process against a temporary database and the stand-in."""

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eval.standin import MARKER, StandIn
from service.cli import app
from tests.databases import database_url
from tm.store import postgres_schema

TMX = b"""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence"
 adminlang="en" creationtool="t" creationtoolversion="1" o-tmf="t"/><body>
<tu><tuv xml:lang="en"><seg>Wash your hands.</seg></tuv>
 <tuv xml:lang="fr"><seg>Lavez-vous les mains.</seg></tuv></tu>
<tu><tuv xml:lang="en"><seg>Cover your cough.</seg></tuv>
 <tuv xml:lang="fr"><seg>Couvrez votre toux.</seg></tuv></tu>
</body></tmx>"""


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


def test_memory_lifecycle_by_name(adaptmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tmx = tmp_path / "client.tmx"
    tmx.write_bytes(TMX)

    memory_id = adaptmt("memory", "create", "client").stdout.strip()
    imported = adaptmt("memory", "import", "client", str(tmx))
    listed = adaptmt("memory", "list").stdout
    matched = adaptmt("memory", "match", "client", "Wash your face.", "--from", "en", "--to", "fr")
    adaptmt("memory", "export", memory_id, str(tmp_path / "out.tsv"))

    assert "2 added, 0 updated" in imported.stderr
    assert listed == f"{memory_id}\t2\tclient\n"
    assert matched.stdout.splitlines()[0] == "66\tWash your hands.\tLavez-vous les mains."
    exported = (tmp_path / "out.tsv").read_text(encoding="utf-8")
    assert "Couvrez votre toux." in exported


def test_glossary_lifecycle(adaptmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "terms.csv"
    csv.write_text("id,sourceLang,targetLang,sourceString,targetString\n1,en,fr,cough,toux\n")

    adaptmt("glossary", "create", "terms", "--from", "en", "--to", "fr")
    imported = adaptmt("glossary", "import", "terms", str(csv))
    adaptmt("glossary", "export", "terms", str(tmp_path / "terms.tbx"))

    assert "1 entries written" in imported.stderr
    assert "\ten->fr\t1\tterms" in adaptmt("glossary", "list").stdout
    assert "<term>toux</term>" in (tmp_path / "terms.tbx").read_text(encoding="utf-8")


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


def test_serve_refuses_a_public_address_without_keys(adaptmt) -> None:  # type: ignore[no-untyped-def]
    result = adaptmt("serve", "--host", "0.0.0.0", ok=False)

    assert result.exit_code == 1
    assert "adaptmt keys create" in result.stderr and "--insecure-no-auth" in result.stderr


def test_unknown_names_and_bad_files_are_clear_errors(adaptmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.tmx"
    bad.write_bytes(b"<tmx><body><tu>")
    adaptmt("memory", "create", "m")

    unknown = adaptmt("memory", "import", "nope", str(bad), ok=False)
    broken = adaptmt("memory", "import", "m", str(bad), ok=False)

    assert unknown.exit_code == 1 and "adaptmt memory list" in unknown.stderr
    assert broken.exit_code == 1 and "bad.tmx" in broken.stderr


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["translate"], ["memory"], ["memory", "import"], ["keys", "create"]]
)
def test_every_command_has_help(adaptmt, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = adaptmt(*command, "--help")

    assert "Usage:" in result.stdout
    assert len(result.stdout) > 200


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


def test_serve_refuses_an_outdated_shared_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    with database_url("postgresql", tmp_path) as url:
        env = {"ADAPTMT_DATABASE_URL": url}
        assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
        next_release = [*postgres_schema.MIGRATIONS, "CREATE TABLE later (id INTEGER)"]
        monkeypatch.setattr(postgres_schema, "MIGRATIONS", next_release)
        monkeypatch.setattr(postgres_schema, "LATEST", len(next_release))
        refused = runner.invoke(app, ["serve"], env=env)
        upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert refused.exit_code == 1
    assert "run `adaptmt db upgrade` first" in refused.stderr
    assert "schema version 2 of 2: current (1 migration(s) applied)" in upgraded.stdout
