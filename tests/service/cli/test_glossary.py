"""`adaptmt glossary`: a glossary's life by name."""

from pathlib import Path


def test_glossary_lifecycle(adaptmt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "terms.csv"
    csv.write_text("id,sourceLang,targetLang,sourceString,targetString\n1,en,fr,cough,toux\n")

    adaptmt("glossary", "create", "terms", "--from", "en", "--to", "fr")
    imported = adaptmt("glossary", "import", "terms", str(csv))
    adaptmt("glossary", "export", "terms", str(tmp_path / "terms.tbx"))

    assert "1 entries written" in imported.stderr
    assert "\ten->fr\t1\tterms" in adaptmt("glossary", "list").stdout
    assert "<term>toux</term>" in (tmp_path / "terms.tbx").read_text(encoding="utf-8")
