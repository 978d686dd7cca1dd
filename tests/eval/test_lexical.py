"""BLEU, chrF++ and TER through sacrebleu, against known values (`eval.lexical`)."""

import pytest

from eval.lexical import lexical_scores

HYPOTHESES = ["The cat sat on the mat.", "Hello world"]
REFERENCES = ["The cat is on the mat.", "Hello world!"]


@pytest.mark.parametrize(
    ("hypotheses", "references", "lang", "expected"),
    [
        (HYPOTHESES, REFERENCES, "en", {"BLEU": 44.9185, "chrF2++": 74.4877, "TER": 25.0}),
        (REFERENCES, REFERENCES, "fr", {"BLEU": 100.0, "chrF2++": 100.0, "TER": 0.0}),
        (["x y z"], ["a b c"], "de", {"BLEU": 0.0, "chrF2++": 0.0, "TER": 100.0}),
    ],
)
def test_known_values(
    hypotheses: list[str], references: list[str], lang: str, expected: dict[str, float]
) -> None:
    scores = {s.metric: s.value for s in lexical_scores(hypotheses, references, lang)}

    assert scores == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("lang", "bleu_tokenizer", "ter_asian"),
    [("fr-CA", "tok:13a", "asian:no"), ("zh-Hant", "tok:zh", "asian:yes"),
     ("ja", "tok:char", "asian:yes"), ("th", "tok:char", "asian:no")],
)  # fmt: skip
def test_signatures_follow_the_target_language(
    lang: str, bleu_tokenizer: str, ter_asian: str
) -> None:
    bleu, chrf, ter = lexical_scores(["a"], ["a"], lang)

    assert bleu.signature.startswith("BLEU|nrefs:1|case:mixed|eff:no|")
    assert bleu_tokenizer in bleu.signature.split("|")
    assert chrf.signature.startswith("chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|")
    assert ter_asian in ter.signature.split("|") and not ter.higher_is_better
