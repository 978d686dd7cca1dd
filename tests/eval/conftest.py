"""Fixtures of the eval tests: a tiny COMET pair built once, and a small en-fr test set."""

from pathlib import Path

import pytest

from eval.tinycomet import build_checkpoint

UNITS = [
    ("Wash your hands with soap.", "Lavez-vous les mains avec du savon."),
    ("Wash your hands with water.", "Lavez-vous les mains avec de l'eau."),
    ("Wash your hands often.", "Lavez-vous souvent les mains."),
    ("Cover your cough with a tissue.", "Couvrez votre toux avec un mouchoir."),
    ("Cover your mouth with a tissue.", "Couvrez votre bouche avec un mouchoir."),
    ("The patient has a fever.", "Le patient a de la fièvre."),
    ("The patient has a cough.", "Le patient a une toux."),
    ("Call a doctor if the fever lasts.", "Appelez un médecin si la fièvre persiste."),
]
"""Near-duplicates: leave-one-out lookups find matches of 60 to 83 for all but the last."""
GLOSSARY = [("cough", "toux"), ("fever", "fièvre"), ("tissue", "mouchoir"), ("doctor", "médecin")]


def write_tmx(path: Path, units: list[tuple[str, str]] = UNITS) -> Path:
    """A TMX 1.4 file of en-fr units."""
    body = "".join(
        f'<tu tuid="{i}"><tuv xml:lang="en"><seg>{source}</seg></tuv>'
        f'<tuv xml:lang="fr"><seg>{target}</seg></tuv></tu>\n'
        for i, (source, target) in enumerate(units, start=1)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="en" '
        'datatype="plaintext" segtype="sentence" adminlang="en" creationtool="t" '
        f'creationtoolversion="1" o-tmf="t"/><body>\n{body}</body></tmx>\n',
        encoding="utf-8",
    )
    return path


def write_glossary(path: Path, pairs: list[tuple[str, str]] = GLOSSARY) -> Path:
    """A glossary CSV in the TICO-19 layout."""
    rows = "".join(f"{i},en,fr,{source},{target}\n" for i, (source, target) in enumerate(pairs))
    path.write_text(f"id,sourceLang,targetLang,sourceString,targetString\n{rows}", "utf-8")
    return path


@pytest.fixture(scope="session")
def comet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny reference-based COMET checkpoint (`regression_metric`)."""
    return build_checkpoint(tmp_path_factory.mktemp("comet") / "tiny-comet-da")


@pytest.fixture(scope="session")
def kiwi_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny reference-free checkpoint (`unified_metric`, like CometKiwi)."""
    return build_checkpoint(
        tmp_path_factory.mktemp("kiwi") / "tiny-cometkiwi-da", reference_free=True
    )


@pytest.fixture
def tmx(tmp_path: Path) -> Path:
    """The en-fr test set as a TMX file."""
    return write_tmx(tmp_path / "set.en-fr.tmx")


@pytest.fixture
def glossary(tmp_path: Path) -> Path:
    """The en-fr glossary as a CSV file."""
    return write_glossary(tmp_path / "terms.csv")
