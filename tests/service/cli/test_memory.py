"""`adaptmt memory`: a memory's life by name, and clear errors for unknown names and bad files."""

from pathlib import Path

from tests.service.cli.samples import TMX


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


def test_unknown_names_and_bad_files_are_clear_errors(adaptmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.tmx"
    bad.write_bytes(b"<tmx><body><tu>")
    adaptmt("memory", "create", "m")

    unknown = adaptmt("memory", "import", "nope", str(bad), ok=False)
    broken = adaptmt("memory", "import", "m", str(bad), ok=False)

    assert unknown.exit_code == 1 and "adaptmt memory list" in unknown.stderr
    assert broken.exit_code == 1 and "bad.tmx" in broken.stderr
