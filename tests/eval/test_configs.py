"""The configurations of a run (`eval.configs`)."""

import pytest

from eval.configs import Config, protocol


@pytest.mark.parametrize(
    ("ks", "tm", "terms", "ape", "expected"),
    [
        ((1, 2, 5), True, True, True,
         ["zero-shot", "fuzzy-1", "fuzzy-2", "fuzzy-5", "fuzzy-5+terms", "fuzzy-5+terms+ape"]),
        ((5, 1, 1, 0), True, False, True, ["zero-shot", "fuzzy-1", "fuzzy-5", "fuzzy-5+ape"]),
        ((1, 2, 5), False, True, True, ["zero-shot", "zero-shot+terms", "zero-shot+terms+ape"]),
        ((1, 2), True, True, False, ["zero-shot", "fuzzy-1", "fuzzy-2", "fuzzy-2+terms"]),
        ((), True, False, False, ["zero-shot"]),
    ],
)  # fmt: skip
def test_protocol(
    ks: tuple[int, ...], tm: bool, terms: bool, ape: bool, expected: list[str]
) -> None:
    assert [c.name for c in protocol(ks, tm=tm, terms=terms, ape=ape)] == expected


def test_only_the_last_configuration_post_edits() -> None:
    configs = protocol((1, 3), tm=True, terms=True)

    assert configs[-1] == Config("fuzzy-3+terms+ape", 3, terms=True, ape=True)
    assert not any(c.ape for c in configs[:-1])
    assert configs[-2].signature == "config:fuzzy-3+terms|k:3|terms:yes|ape:no"
