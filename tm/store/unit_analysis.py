"""Units analysed for writing, once each: keys, tokens and stored values, column by column.

`UnitAnalyser` turns units into `AnalysedChunk`s (one list per field) for the writers of
`tm.store.unit_identity`. It needs no store, so a child process can analyse while the
parent writes (`tm.store.file_import`); the sources' keys (hash and tokens) may be left
for the receiving process to add (`AnalysedChunk.add_keys`).
"""

import hashlib
import json
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import NamedTuple

from tm import langs
from tm.fuzzy import stored_form, surface
from tm.models import TranslationUnit

EMPTY_ATTRIBUTES = "{}"  # the stored attributes of a unit without any

Pair = tuple[str, str]  # (source language, target language), normalised tags


def timestamp(value: datetime | None = None) -> str:
    """The stored form of a time: UTC ISO 8601 to the second (now when `value` is None)."""
    if value is None:
        value = datetime.now(UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # naive times are taken as UTC
    return value.astimezone(UTC).isoformat(timespec="seconds")


def source_hash(text: str) -> int:
    """A signed 64-bit hash of the surface form; equal texts are confirmed by comparison."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Incoming(NamedTuple):
    """A unit of a chunk that may collide with another, as the replay sees it.

    Plain values only: the garbage collector stops tracking such a tuple.
    """

    source_key: tuple[Pair, str]  # (language pair, source surface)
    row_id: int  # the id of the row it creates, if it creates one
    source: str
    target: str
    tuid: str | None
    origin: str
    attributes: str
    tokens: str  # joined by `TOKEN_SEPARATOR`
    source_family: str
    target_family: str
    hash: int  # `source_hash` of the surface
    salt: int
    created_at: str | None
    updated_at: str | None


Language = tuple[Pair, str, str, int]
"""(pair, source family, target family, salt) of a (source tag, target tag)."""


@dataclass(slots=True)
class AnalysedChunk:
    """Units analysed for writing, column by column, in the order they were given.

    Columns, not a row object per unit: a chunk crosses a pipe from the process that reads
    a large file (`tm.store.file_import`), and a few long lists pickle far more cheaply
    than many small objects; a chunk that collides with nothing is then inserted without a
    Python step per unit. `languages` holds the analyser's shared tuples, which pickle once.
    The sources' keys (`hashes`, `tokens`) may be left for the receiving process to add
    (`add_keys`): that balances the work of the two processes of a large import.
    """

    languages: list[Language] = field(default_factory=list)
    hashes: list[int] = field(default_factory=list)  # `source_hash` of each surface
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    tuids: list[str | None] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)  # JSON
    tokens: list[str] = field(default_factory=list)  # joined by `TOKEN_SEPARATOR`
    created: list[str | None] = field(default_factory=list)
    updated: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sources)

    def add_keys(self) -> "AnalysedChunk":
        """Compute the sources' hashes and tokens, unless they are there already."""
        if len(self.hashes) < len(self.sources):
            forms = [stored_form(source) for source in self.sources]
            self.hashes = [source_hash(key) for key, _ in forms]
            self.tokens = [joined for _, joined in forms]
        return self

    def incoming(self, position: int, row_id: int) -> Incoming:
        """The unit at `position` as the replay sees it."""
        pair, source_family, target_family, salt = self.languages[position]
        source = self.sources[position]
        return Incoming(
            (pair, surface(source)),
            row_id,
            source,
            self.targets[position],
            self.tuids[position],
            self.origins[position],
            self.attributes[position],
            self.tokens[position],
            source_family,
            target_family,
            self.hashes[position],
            salt,
            self.created[position],
            self.updated[position],
        )


class UnitAnalyser:
    """Analyses units for writing: keys, tokens and stored values, each computed once.

    Needs no store, so a child process can analyse while the parent writes
    (`tm.store.file_import`). Salts come from `hash`, which differs between processes: the
    units of one write must all come from one analyser.
    """

    def __init__(self) -> None:
        self._languages: dict[tuple[str, str], Language] = {}

    def _language(self, source_tag: str, target_tag: str) -> Language:
        known = self._languages.get((source_tag, target_tag))
        if known is None:
            pair = (langs.normalize_tag(source_tag), langs.normalize_tag(target_tag))
            known = (pair, langs.family(pair[0]), langs.family(pair[1]), hash(pair))
            self._languages[(source_tag, target_tag)] = known
        return known

    def chunks(
        self, units: Iterable[TranslationUnit], size: int, *, keys: bool = True
    ) -> Generator[AnalysedChunk]:
        """`units` analysed, in chunks of `size` (the last may be shorter)."""
        iterator = iter(units)
        while chunk := self.analyse(islice(iterator, size), keys=keys):
            yield chunk

    def analyse(self, units: Iterable[TranslationUnit], *, keys: bool = True) -> AnalysedChunk:
        """The units' stored values, and their keys unless `keys` is False (`add_keys`)."""
        chunk = AnalysedChunk()
        # the columns' append methods, looked up once: this loop runs once per unit imported
        language, sources = chunk.languages.append, chunk.sources.append
        targets, tuids = chunk.targets.append, chunk.tuids.append
        origins, attributes = chunk.origins.append, chunk.attributes.append
        created, updated = chunk.created.append, chunk.updated.append
        for unit in units:
            language(self._language(unit.source_lang, unit.target_lang))
            sources(unit.source)
            targets(unit.target)
            tuids(unit.tuid)
            origins(str(unit.origin))
            attributes(
                json.dumps(unit.attributes, ensure_ascii=False, sort_keys=True)
                if unit.attributes
                else EMPTY_ATTRIBUTES
            )
            created(timestamp(unit.created_at) if unit.created_at else None)
            updated(timestamp(unit.updated_at) if unit.updated_at else None)
        return chunk.add_keys() if keys else chunk
