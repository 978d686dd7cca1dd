"""Language tags: normalisation and families."""

import pytest

from tm.errors import InvalidLanguage
from tm.langs import display_name, family, normalize_tag, same_family


@pytest.mark.parametrize(
    ("tag", "normalized"),
    [
        ("en", "en"),
        ("en_US", "en-US"),
        ("EN-gb", "en-GB"),
        ("zh-hans", "zh-Hans"),
        ("pt_br", "pt-BR"),
        ("iw", "he"),
        ("fr_XX", "fr-XX"),
    ],
)
def test_normalize(tag: str, normalized: str) -> None:
    assert normalize_tag(tag) == normalized


@pytest.mark.parametrize("tag", ["", "xx", "english", "123", "und", "en--US"])
def test_invalid_tags_are_refused(tag: str) -> None:
    with pytest.raises(InvalidLanguage):
        normalize_tag(tag)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("en", "en-US", True),
        ("en_GB", "en-US", True),
        ("zh", "zh-CN", True),
        ("zh-Hans", "zh-CN", True),
        ("zh-TW", "zh-CN", False),
        ("zh-Hant", "zh-TW", True),
        ("sr-Latn", "sr", False),
        ("de", "en", False),
        ("pt-BR", "pt-PT", True),
    ],
)
def test_families(a: str, b: str, same: bool) -> None:
    assert same_family(a, b) is same


def test_family_and_name() -> None:
    assert family("en-US") == "en-Latn"
    assert display_name("pt-BR") == "Portuguese (Brazil)"
