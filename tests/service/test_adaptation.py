"""The post-editing distance recorded with each correction."""

import pytest

from service.adaptation import edit_distance


@pytest.mark.parametrize(
    ("proposal", "final", "distance"),
    [
        ("Lavez-vous les mains.", "Lavez-vous les mains.", 0.0),
        ("Lavez-vous les mains.", "lavez-vous  les mains !", 0.0),  # case, spacing, punctuation
        ("Lavez vos mains.", "Lavez-vous les mains.", 0.5),  # 2 of 4 words substituted
        ("Il a 12 ans.", "Il a 13 ans.", 0.25),  # a number is a word
        ("un deux", "trois quatre cinq six", 1.0),
        ("洗手", "洗脚", 0.5),  # one character per word in Chinese
        ("", "", 0.0),
    ],
)
def test_edit_distance(proposal: str, final: str, distance: float) -> None:
    assert edit_distance(proposal, final) == pytest.approx(distance)
