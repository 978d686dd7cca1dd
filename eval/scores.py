"""A reported figure with its signature: how it was computed, so figures can be compared later."""

from dataclasses import dataclass
from enum import StrEnum

SIGNATURE_SEPARATOR = "|"


class Kind(StrEnum):
    """Which table of the report a figure belongs to."""

    QUALITY = "quality"  # how good the translations are
    PIPELINE = "pipeline"  # what the pipeline did and what it cost


class Unit(StrEnum):
    """How a figure is written in the Markdown report."""

    SCORE = "score"  # as computed: BLEU 0-100, COMET about 0-1
    SHARE = "share"  # 0-1, written as a percentage
    MS = "ms"
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class Score:
    """One corpus-level figure: the metric's name, its value and how it was computed."""

    metric: str  # e.g. "BLEU", "chrF2++", "COMET", "TSR-lemma"
    value: float
    signature: str  # e.g. "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
    higher_is_better: bool = True
    kind: Kind = Kind.QUALITY
    unit: Unit = Unit.SCORE

    def signed(self, context: str) -> str:
        """The signature with a run's context appended (configuration, LLM model)."""
        return f"{self.signature}{SIGNATURE_SEPARATOR}{context}" if context else self.signature
