"""COMET (with a reference) and CometKiwi (without) scores of a configuration's translations.

The scorer is `service.comet.CometScorer`, the same the service's quality estimation uses;
scores are cached by the scorer's signature and the segment's inputs (`eval.cache`), so a
report re-run or a new configuration scores only what it has not scored yet. The corpus
figure is the mean of the segment scores, as COMET's own system score.
"""

from collections.abc import Sequence
from statistics import fmean

from eval.cache import Cache
from eval.scores import Score
from service.comet import CometScorer


def comet_score(
    scorer: CometScorer,
    cache: Cache,
    sources: Sequence[str],
    translations: Sequence[str],
    references: Sequence[str],
) -> Score:
    """The scorer's mean segment score; only segments not in the cache are scored."""
    uses_reference = scorer.checkpoint.uses_reference
    items = [
        (source, translation, reference if uses_reference else None)
        for source, translation, reference in zip(sources, translations, references, strict=True)
    ]
    signature = scorer.signature
    values = cache.scores(signature, items)
    missing = [i for i, value in enumerate(values) if value is None]
    if missing:
        fresh = scorer.score(
            [sources[i] for i in missing],
            [translations[i] for i in missing],
            [references[i] for i in missing] if uses_reference else None,
        )
        cache.put_scores(signature, [items[i] for i in missing], fresh)
        for i, value in zip(missing, fresh, strict=True):
            values[i] = value
    mean = fmean(v for v in values if v is not None) if values else 0.0
    return Score(scorer.checkpoint.metric, mean, signature)
