"""DeepL's `ignore_tags`: elements whose content is kept untranslated, byte for byte.

Each ignored element, content included, is swapped for one empty `<x-keep id="N"/>`
placeholder before the pipeline (which masks it like any inline tag, so the model keeps it
in place) and swapped back after. Weblate sends its placeholders as `<x id="3"></x>` with
`ignore_tags=["x"]`.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

_KEEP = '<x-keep id="{}"/>'
_KEEP_RE = re.compile(r'<x-keep id="(\d+)"\s*/>')


@dataclass(frozen=True, slots=True)
class Protected:
    """A text with its ignored elements swapped out, and the originals."""

    text: str
    originals: tuple[str, ...]

    def restore(self, translated: str) -> str:
        """Put the originals back into a translation of `text`."""
        if not self.originals:
            return translated
        return _KEEP_RE.sub(lambda m: self.originals[int(m.group(1))], translated)


def protect(text: str, ignore_tags: Sequence[str]) -> Protected:
    """Swap every element named in `ignore_tags` (with its content) for a placeholder."""
    names = [re.escape(name.strip()) for name in ignore_tags if name.strip()]
    if not names:
        return Protected(text, ())
    alternatives = "|".join(names)
    element = re.compile(
        rf"<(?P<name>{alternatives})\b[^>]*?/>|<(?P<paired>{alternatives})\b[^>]*>.*?</(?P=paired)\s*>",
        re.DOTALL | re.IGNORECASE,
    )
    originals: list[str] = []

    def swap(match: re.Match[str]) -> str:
        originals.append(match.group(0))
        return _KEEP.format(len(originals) - 1)

    return Protected(element.sub(swap, text), tuple(originals))
