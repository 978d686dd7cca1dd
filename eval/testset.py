"""Test sets for `adaptmt eval`: source segments, references and the terms each must use.

A test set comes from a memory file (TMX, CSV, TSV: each unit of the language pair is a
segment and its reference) or from two line-aligned text files. Terms come from the WMT
2023 terminology format (one JSON list of `{src_lang: term, tgt_lang: term}` per line,
aligned with the segments) or from a glossary file, whose entries found in a segment
(`tm.terms.TermIndex.find`) are that segment's terms.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tm.errors import InvalidFile
from tm.formats import read_glossary, read_memory
from tm.langs import normalize_tag, same_family
from tm.models import GlossaryEntry
from tm.terms import TermIndex


@dataclass(frozen=True, slots=True)
class TermPair:
    """A term a segment contains and the target forms its translation must use (any one)."""

    source: str
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvalSet:
    """Segments with their references and, optionally, the terms of each."""

    name: str
    source_lang: str
    target_lang: str
    sources: list[str]
    references: list[str]
    terms: list[list[TermPair]] | None = None

    def __post_init__(self) -> None:
        if len(self.sources) != len(self.references):
            raise InvalidFile(
                f"{self.name}: {len(self.sources)} segments but {len(self.references)} references"
            )
        if self.terms is not None and len(self.terms) != len(self.sources):
            raise InvalidFile(
                f"{self.name}: {len(self.sources)} segments but terms for {len(self.terms)}"
            )

    def __len__(self) -> int:
        return len(self.sources)

    def head(self, limit: int | None) -> "EvalSet":
        """The first `limit` segments (all when None)."""
        if limit is None or limit >= len(self):
            return self
        terms = self.terms[:limit] if self.terms is not None else None
        return replace(
            self, sources=self.sources[:limit], references=self.references[:limit], terms=terms
        )

    def with_terms(self, terms: list[list[TermPair]]) -> "EvalSet":
        """The same segments with these terms."""
        return replace(self, terms=terms)


def from_memory_file(path: Path, source_lang: str, target_lang: str) -> EvalSet:
    """The units of a TMX/CSV/TSV file in the language pair, as segments and references."""
    sources: list[str] = []
    references: list[str] = []
    for unit in read_memory(path, source_lang=source_lang, target_lang=target_lang):
        if same_family(unit.source_lang, source_lang) and same_family(
            unit.target_lang, target_lang
        ):
            sources.append(unit.source)
            references.append(unit.target)
    if not sources:
        raise InvalidFile(f"{path} has no {source_lang} -> {target_lang} unit")
    return EvalSet(
        path.name, normalize_tag(source_lang), normalize_tag(target_lang), sources, references
    )


def from_text_files(
    source_path: Path, reference_path: Path, source_lang: str, target_lang: str
) -> EvalSet:
    """Two line-aligned UTF-8 files: segments and their references."""
    sources = _lines(source_path)
    references = _lines(reference_path)
    if len(sources) != len(references):
        raise InvalidFile(
            f"{source_path} has {len(sources)} lines but {reference_path} has {len(references)}"
        )
    if blank := [i + 1 for i, source in enumerate(sources) if not source.strip()]:
        raise InvalidFile(f"{source_path}: empty segment on line(s) {blank[:10]}")
    return EvalSet(
        source_path.name,
        normalize_tag(source_lang),
        normalize_tag(target_lang),
        sources,
        references,
    )


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def read_wmt_terms(path: Path, source_lang: str, target_lang: str) -> list[list[TermPair]]:
    """Per-segment terms in the WMT 2023 format: a JSON list of {lang: term} objects per line."""
    segments: list[list[TermPair]] = []
    for number, line in enumerate(_lines(path), start=1):
        try:
            items = json.loads(line) if line.strip() else []
            if not isinstance(items, list):
                raise TypeError("not a JSON list")
            segments.append([_term_pair(item, source_lang, target_lang) for item in items])
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidFile(f"{path}, line {number}: {exc}") from None
    return segments


def _term_pair(item: dict[str, str], source_lang: str, target_lang: str) -> TermPair:
    """One {lang: term} object, its languages matched by family (`de` finds `de-DE`)."""
    by_lang = {
        lang: term
        for lang in (source_lang, target_lang)
        for key, term in item.items()
        if same_family(key, lang)
    }
    missing = [lang for lang in (source_lang, target_lang) if lang not in by_lang]
    if missing:
        raise ValueError(f"no {' or '.join(missing)} term in {item}")
    return TermPair(str(by_lang[source_lang]), (str(by_lang[target_lang]),))


def read_glossary_entries(path: Path, source_lang: str, target_lang: str) -> list[GlossaryEntry]:
    """The entries of a TBX/CSV/TSV glossary file."""
    return list(read_glossary(path, None, source_lang, target_lang))


def glossary_terms(
    entries: Sequence[GlossaryEntry], sources: Sequence[str], source_lang: str, target_lang: str
) -> list[list[TermPair]]:
    """Each segment's terms: the glossary entries found in it, once each."""
    index = TermIndex(entries, source_lang, target_lang)
    terms = []
    for source in sources:
        seen: dict[int, TermPair] = {}
        for hit in index.find(source):
            seen.setdefault(id(hit.entry), TermPair(hit.text, tuple(hit.entry.allowed)))
        terms.append(list(seen.values()))
    return terms


def load_evalset(
    source_lang: str,
    target_lang: str,
    *,
    test: Path | None = None,
    source: Path | None = None,
    reference: Path | None = None,
    terms: Path | None = None,
) -> EvalSet:
    """A test set from a memory file (`test`) or two text files, with WMT-format terms if given."""
    if (test is None) == (source is None and reference is None) or (
        test is None and (source is None or reference is None)
    ):
        raise ValueError("give a memory file as the test set, or a source and a reference file")
    if test is not None:
        evalset = from_memory_file(test, source_lang, target_lang)
    else:
        assert source is not None and reference is not None
        evalset = from_text_files(source, reference, source_lang, target_lang)
    if terms is not None:
        evalset = evalset.with_terms(read_wmt_terms(terms, source_lang, target_lang))
    return evalset
