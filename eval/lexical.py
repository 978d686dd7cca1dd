"""BLEU, chrF++ and TER through sacrebleu, each with sacrebleu's own signature.

chrF++ (character 6-grams plus word bigrams) is what Moslem et al. 2023 report next to
BLEU. The tokenizer follows the target language as sacrebleu recommends: `zh` for Chinese,
characters for Japanese, Korean and Thai (MeCab is not a dependency), `13a` otherwise.
"""

from collections.abc import Sequence

from sacrebleu.metrics import BLEU, CHRF, TER

from eval.scores import Score
from tm.langs import primary_language

CHRF_WORD_ORDER = 2
"""Word n-gram order of chrF: 2 is chrF++."""
TOKENIZERS = {"zh": "zh", "ja": "char", "ko": "char", "th": "char"}
"""sacrebleu's BLEU tokenizer by target language; `13a` for the others."""
ASIAN = frozenset({"zh", "ja", "ko"})
"""Target languages TER tokenizes with its Asian-script support."""


def lexical_scores(
    hypotheses: Sequence[str], references: Sequence[str], target_lang: str
) -> list[Score]:
    """Corpus BLEU, chrF++ and TER of the hypotheses against one reference each."""
    language = primary_language(target_lang)
    metrics = (
        BLEU(tokenize=TOKENIZERS.get(language, "13a")),
        CHRF(word_order=CHRF_WORD_ORDER),
        TER(asian_support=language in ASIAN),
    )
    scores = []
    for metric in metrics:
        result = metric.corpus_score(list(hypotheses), [list(references)])
        scores.append(
            Score(
                metric=result.name,
                value=float(result.score),
                signature=f"{result.name}|{metric.get_signature()}",
                higher_is_better=not isinstance(metric, TER),
            )
        )
    return scores
