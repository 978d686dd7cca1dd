"""The configurations compared in one run, as in Moslem et al. 2023.

Zero-shot; k fuzzy-match examples for each k (default 1, 2 and 5: "Adaptive Machine
Translation with Large Language Models", EAMT 2023); the largest k with the glossary's
terms required; and that again with automatic post-editing of drafts that fail a check
("Domain Terminology Integration into Machine Translation", WMT 2023). Only the last one
post-edits, so each step's gain shows on its own.
"""

from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_KS = (1, 2, 5)


@dataclass(frozen=True, slots=True)
class Config:
    """How the pipeline runs for one column of the report."""

    name: str
    examples: int  # k: fuzzy matches shown to the model; 0 is zero-shot
    terms: bool  # glossary terms required in the prompt and checked
    ape: bool  # drafts that fail a check are post-edited

    @property
    def signature(self) -> str:
        """The configuration as it appears in every figure's signature."""
        return f"config:{self.name}|k:{self.examples}|terms:{_yes(self.terms)}|ape:{_yes(self.ape)}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def protocol(
    ks: Iterable[int] = DEFAULT_KS, *, tm: bool, terms: bool, ape: bool = True
) -> list[Config]:
    """The configurations for a test set with or without a TM and terms."""
    shots = sorted({k for k in ks if k > 0}) if tm else []
    configs = [Config("zero-shot", 0, terms=False, ape=False)]
    configs += [Config(f"fuzzy-{k}", k, terms=False, ape=False) for k in shots]
    base_k = shots[-1] if shots else 0
    name = configs[-1].name
    if terms:
        name += "+terms"
        configs.append(Config(name, base_k, terms=True, ape=False))
    if ape:
        configs.append(Config(f"{name}+ape", base_k, terms=terms, ape=True))
    return configs
