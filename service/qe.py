"""Quality estimation: the interface the pipeline scores its translations through.

A `QualityEstimator` scores (source, translation) pairs without a reference, higher is
better; the pipeline calls it once per request with every machine-translated segment and
reports the score and the estimator's signature with each segment. The COMET/CometKiwi
implementation (reference-free `Unbabel/wmt22-cometkiwi-da`) is an optional extra, loaded
lazily so that `import service` never imports torch.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class QEItem:
    """One segment to score."""

    source: str
    translation: str


class QualityEstimator(Protocol):
    """Scores translations without a reference."""

    @property
    def signature(self) -> str:
        """How the score was computed (metric, model, version), reported with every score."""
        ...

    async def score(self, items: Sequence[QEItem]) -> list[float]:
        """One score per item, in order."""
        ...
