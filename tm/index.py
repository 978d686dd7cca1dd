"""In-memory fuzzy-match index over the source segments of one memory and language family.

Candidate generation is *exact* for the word-level score of `tm.fuzzy` at every threshold
from `INDEX_MIN_SCORE` up: no unit that belongs in the top k is missed. It is the prefix
filter of set-similarity joins (AllPairs/PPJoin), two-sided:

* Two segments with similarity `>= t` share at least `a = ceil(t * max(n, m))` tokens
  (a word edit changes at most one shared token). Order all tokens by a global rank, rarest
  first. If they share `a` tokens, the query's first `n - a + 1` tokens and the unit's
  first `m - a + 1` tokens have one in common (pigeonhole).
* So each unit is indexed only under its *prefix*: its `m - ceil(t0 * m) + 1` rarest tokens
  (`t0 = INDEX_MIN_SCORE / 100`). Frequent words appear in few prefixes, so their posting
  lists stay short. A query probes its own `n - ceil(t * n) + 1` rarest tokens, and `t`
  rises to the k-th best score found so far, so the probe stops early when good matches
  exist.
* Length window: `m` in `[ceil(t * n), floor(n / t)]`; postings are sorted by unit length,
  so the window is two binary searches.

A lookup with few good matches never raises `t` and walks long posting lists, so every
candidate goes through bounds from cheap to dear, each exact:

1. *Posting bound*, one vectorised pass over the posting slice, nothing read at random.
   Each posting carries the unit's length `m`, the token's position `p` in the unit's rank
   order and a 128-bit signature of the unit's tokens from `p` on (its suffix), with its
   bit count. A unit met for the first time shares none of its `p` rarer tokens and none
   of the query tokens probed before, so it shares at most `m - p` tokens and at most the
   query's `remaining`. Signature bits prove absence: a suffix bit outside the signature
   of the query's remaining tokens is a unit token the query lacks, and the other way
   round, so both counts shrink by the bits the two signatures do not have in common.
   (The window's upper end shrinks with `remaining` too.) A unit met again was either
   verified already (the seen mask drops it) or rejected by a bound that proved it
   hopeless, so the bound never needs the seen mask.
2. *Order bound*, on the ~1% left, gathered from a forward index: `sim <= L / max(n, m)`
   where `L` is the longest common token subsequence (every edit alignment matches at
   most `L` tokens), computed for a whole batch at once with the bit-parallel LCS
   algorithm. Units sharing words with the query in another order stop here.
3. *Score*: rapidfuzz on the rest, `score_cutoff` = the k-th best so far.

Tokens are stored as one code point each, so a unit's token sequence is a short string
compared at C speed. Past `MAX_CODE` distinct tokens codes are shared: their scores are
upper bounds and the final top k are re-scored on real tokens.

The rank is document frequency at the last rebuild; tokens first seen later rank as
rarest. Any fixed order keeps the filter exact; a good one keeps it fast, so postings are
rebuilt with fresh ranks whenever the index has doubled. Posting lists live in frozen CSR
segments (numpy) plus a small mutable delta, so a unit added a moment ago is found by the
next lookup; the delta is frozen every `DELTA_FREEZE_UNITS` units and segments of similar
size are merged.
"""

import functools
import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from tm.fuzzy import EXACT_SCORE, Prepared, finalize, level_reached, prepare, surface

INDEX_MIN_SCORE = 50  # lowest threshold the prefixes are built for (lookups clamp to it)
MAX_CODE = 0x10FFFF  # one code point per token id; beyond this, codes are shared
UNKNOWN_CODE = 0  # query tokens absent from the index (never equal to a unit's)
MAX_LENGTH_KEY = 255  # unit lengths and positions are clamped to a byte in the postings
DELTA_FREEZE_UNITS = 20_000  # units in the mutable delta before it becomes a segment
REBUILD_GROWTH = 2  # re-rank tokens and rebuild postings when the index doubles
MERGE_RATIO = 4  # merge adjacent segments when the older is < 4x the newer
# Rows whose postings are computed at once: bounds the peak memory of a rebuild, while
# keeping each temporary large enough (tens of MB) to go back to the OS when freed.
PREFIX_CHUNK_ROWS = 500_000
VERIFY_BATCH = 256  # candidates of several rounds are verified together (fewer numpy calls)
ORDER_BOUND_CELLS = 128 * 1024  # candidate tokens order-bounded at once (matrix in cache)
LCS_WORD_BITS = 64  # the order bound runs on one machine word: longer queries use a bag
SCORE_BATCH = 2048  # candidates scored per rapidfuzz call
BOUND_CACHE_SIZE = 4096  # (query length, cutoff, signature excess) triples kept
# rapidfuzz's cutoff test rounds against values exactly at the boundary: pass it a cutoff
# this many points lower and apply the exact test here
CUTOFF_MARGIN = 0.5
MAX_SCORE = 100  # a cutoff above it (a full top k of exact matches) ends the search
# Signatures have 128 bits (two words); a token sets the bit its Fibonacci hash picks. With
# 64 bits, ~70% more candidates pass the posting bound (a query sets ~20 bits).
SIGNATURE_MULTIPLIER = 0x9E3779B97F4A7C15
SIGNATURE_SHIFT = 57  # the top 7 bits of the 64-bit hash choose one of 128 bits
# Slack for units longer than MAX_LENGTH_KEY, whose length and position the postings do
# not hold: large enough that the posting bound lets them through to the exact ones.
UNBOUNDED_SLACK = 4 * MAX_LENGTH_KEY
_EPS = 1e-9

_LENGTH_KEYS = np.arange(MAX_LENGTH_KEY + 1, dtype=np.int64)
_EMPTY_ROWS = np.zeros(0, np.int32)

Signature = tuple[NDArray[np.uint64], NDArray[np.uint64]]
"""Signature words (low, high), one entry per token set."""


def _token_bits(tokens: NDArray[np.int64]) -> Signature:
    """Each token's signature bit."""
    spread = (tokens.astype(np.uint64) * np.uint64(SIGNATURE_MULTIPLIER)) >> np.uint64(
        SIGNATURE_SHIFT
    )
    bit = np.uint64(1) << (spread & np.uint64(63))
    zero = np.uint64(0)
    return np.where(spread < 64, bit, zero), np.where(spread >= 64, bit, zero)


def _suffix_signatures(bits: Signature, rest: NDArray[np.int64]) -> Signature:
    """For each token of concatenated rows, the signature of it and the tokens after it in
    its row (`rest`: how many tokens from it to the row's end), by doubling."""
    lo, hi = bits
    longest = int(rest.max()) if rest.shape[0] else 0
    step = 1
    while step < longest:
        # entry i covers tokens i .. i+step-1 of its row: add i+step .. i+2*step-1
        inside = rest[:-step] > step
        lo[:-step] |= np.where(inside, lo[step:], np.uint64(0))
        hi[:-step] |= np.where(inside, hi[step:], np.uint64(0))
        step *= 2
    return lo, hi


def _rest_signatures(bits: Signature) -> Signature:
    """For each query token in probe order, the signature of it and the tokens after it."""
    lo, hi = bits
    return np.bitwise_or.accumulate(lo[::-1])[::-1], np.bitwise_or.accumulate(hi[::-1])[::-1]


_POPCOUNT = getattr(np, "bitwise_count", None)  # numpy >= 2.0
_M1, _M2, _M4, _H01 = (
    np.uint64(m)
    for m in (0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x0101010101010101)
)


def _bit_counts(lo: NDArray[np.uint64], hi: NDArray[np.uint64] | None = None) -> NDArray[np.uint8]:
    """Set bits of each word, or of each pair of words `lo` and `hi`."""
    if _POPCOUNT is not None:
        counts: NDArray[np.uint8] = _POPCOUNT(lo)
        return counts if hi is None else counts + _POPCOUNT(hi)
    # numpy < 2 has no popcount: SWAR, adding the two words' 4-bit counts (<= 8 each)
    nibbles = _nibble_counts(lo) if hi is None else _nibble_counts(lo) + _nibble_counts(hi)
    octets = (nibbles & _M4) + ((nibbles >> np.uint64(4)) & _M4)  # byte counts, <= 16
    return ((octets * _H01) >> np.uint64(56)).astype(np.uint8)  # their sum, in the top byte


def _nibble_counts(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Per 4 bits of each word, how many are set."""
    x = x - ((x >> np.uint64(1)) & _M1)
    return (x & _M2) + ((x >> np.uint64(2)) & _M2)


def _window(n: int, needed: int) -> tuple[int, int]:
    """The unit lengths that can reach `needed` against a query of `n` tokens."""
    return (needed * n + 99) // 100, 100 * n // needed


@functools.lru_cache(maxsize=BOUND_CACHE_SIZE)
def _length_bounds(n: int, needed: int, excess: int) -> tuple[NDArray[np.int16], NDArray[np.int16]]:
    """`_Bound`'s `unit_slack` and `query_need` by unit length (read-only; `excess`: the
    remaining query tokens' signature bits minus their count). Few distinct triples recur
    over many lookups, so each is computed once."""
    required = (needed * np.maximum(_LENGTH_KEYS, n) + 99) // 100
    unit_slack = (_LENGTH_KEYS - required).astype(np.int16)
    query_need = (excess + required).astype(np.int16)
    unit_slack[MAX_LENGTH_KEY], query_need[MAX_LENGTH_KEY] = UNBOUNDED_SLACK, -UNBOUNDED_SLACK
    unit_slack.flags.writeable = query_need.flags.writeable = False
    return unit_slack, query_need


@dataclass(frozen=True, slots=True)
class _Bound:
    """What a posting must pass to be worth verifying in one probe round.

    A unit of length `m` must share `required[m] = ceil(needed * max(n, m) / 100)` tokens.
    Met for the first time through the token at position `p` of its rank order, it can
    share only its `m - p` suffix tokens and the query's `remaining` ones. If its suffix
    signature (`own` bits) and the remaining tokens' (`rest_bits`) have `common` bits in
    common, at least `own - common` of those suffix tokens are not in the query and
    `rest_bits - common` of those query tokens are not in the unit. So `common` must reach
    both `own - (unit_slack[m] - p)` and `query_need[m]`, with `unit_slack[m] = m -
    required[m]` and `query_need[m] = required[m] - remaining + rest_bits`."""

    lo: int  # length window, tokens
    hi: int
    unit_slack: NDArray[np.int16]
    query_need: NDArray[np.int16]
    rest_lo: np.uint64  # signature of the query's remaining tokens
    rest_hi: np.uint64

    @staticmethod
    def of(n: int, needed: int, remaining: int, rest: tuple[np.uint64, np.uint64]) -> "_Bound":
        """The bound for a query of `n` tokens, `remaining` of them not probed yet (their
        signature: `rest`), when a newcomer must reach `needed`."""
        rest_bits = int(rest[0]).bit_count() + int(rest[1]).bit_count()
        unit_slack, query_need = _length_bounds(n, needed, rest_bits - remaining)
        lo, hi = _window(n, needed)
        hi = min(hi, 100 * remaining // needed)  # a longer unit needs more than `remaining`
        return _Bound(lo, hi, unit_slack, query_need, *rest)

    def passing(self, postings: "_Postings", a: int = 0, b: int | None = None) -> NDArray[Any]:
        """The rows of postings[a:b] that may still reach the cutoff."""
        lengths, own = postings.lengths[a:b], postings.bits[a:b]
        slack = self.unit_slack.take(lengths) - postings.positions[a:b]
        least = np.maximum(own - slack, self.query_need.take(lengths))  # common bits needed
        common = _bit_counts(
            postings.sig_lo[a:b] & self.rest_lo, postings.sig_hi[a:b] & self.rest_hi
        )
        return postings.rows[a:b][common >= least]


@dataclass(slots=True)
class _Postings:
    """Postings as parallel arrays: token, row, the unit's length, the token's position in
    the unit's rank order, the unit's suffix signature from that position (its set bits,
    low and high words)."""

    tokens: NDArray[np.int64]
    rows: NDArray[np.int32]
    lengths: NDArray[np.uint8]
    positions: NDArray[np.uint8]
    bits: NDArray[np.uint8]
    sig_lo: NDArray[np.uint64]
    sig_hi: NDArray[np.uint64]

    @staticmethod
    def concatenate(parts: Sequence["_Postings"]) -> "_Postings":
        return _Postings(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))

    def take(self, order: NDArray[np.int64]) -> "_Postings":
        return _Postings(*(getattr(self, f)[order] for f in _FIELDS))


_FIELDS = _Postings.__slots__
_FIELD_DTYPES = (np.int64, np.int32, np.uint8, np.uint8, np.uint8, np.uint64, np.uint64)


@dataclass(slots=True)
class _Segment:
    """Frozen postings grouped by token (CSR): token `t` owns entries starts[t]:starts[t+1]
    of every column (the token column is left empty), sorted by unit length."""

    starts: NDArray[np.int64]
    postings: _Postings

    @property
    def size(self) -> int:
        return int(self.postings.rows.shape[0])

    def candidates(self, token: int, bound: _Bound) -> NDArray[np.int32]:
        """Rows holding `token` in their prefix that pass `bound`."""
        if token + 1 >= self.starts.shape[0]:
            return _EMPTY_ROWS
        start, end = int(self.starts[token]), int(self.starts[token + 1])
        if start == end:
            return _EMPTY_ROWS
        lengths = self.postings.lengths[start:end]
        a = start + int(lengths.searchsorted(min(bound.lo, MAX_LENGTH_KEY), "left"))
        b = start + int(lengths.searchsorted(min(bound.hi, MAX_LENGTH_KEY), "right"))
        return bound.passing(self.postings, a, b) if a < b else _EMPTY_ROWS

    def expanded(self) -> _Postings:
        """The postings with their token column filled in."""
        counts = np.diff(self.starts)
        tokens = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
        return _Postings(tokens, *(getattr(self.postings, f) for f in _FIELDS[1:]))


def _build_segment(postings: _Postings, vocab_size: int) -> _Segment:
    p = postings.take(np.lexsort((postings.rows, postings.lengths, postings.tokens)))
    starts = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(np.bincount(p.tokens, minlength=vocab_size), out=starts[1:])
    p.tokens = np.zeros(0, np.int64)  # implied by starts
    return _Segment(starts, p)


class _Column:
    """A growable numpy column (amortised O(1) append, zero-copy view)."""

    def __init__(self, dtype: type, capacity: int = 1024) -> None:
        self._data: NDArray[Any] = np.zeros(capacity, dtype=dtype)
        self.size = 0

    def extend(self, values: Sequence[int] | NDArray[np.generic]) -> None:
        need = self.size + len(values)
        if need > self._data.shape[0]:
            grown = np.zeros(max(need, 2 * self._data.shape[0]), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : need] = values
        self.size = need

    @property
    def view(self) -> NDArray[Any]:
        return self._data[: self.size]


class _Delta:
    """Postings added since the last freeze, in arrival order, with each token's entries in
    a Python list: adding a unit is a few appends, and a lookup gathers one token's."""

    def __init__(self) -> None:
        self._columns = [_Column(dtype) for dtype in _FIELD_DTYPES]
        self._entries: dict[int, list[int]] = {}
        self.units = 0

    def add(self, postings: _Postings, units: int) -> None:
        first = self._columns[0].size
        for column, name in zip(self._columns, _FIELDS, strict=True):
            column.extend(getattr(postings, name))
        for i, token in enumerate(postings.tokens.tolist(), first):
            self._entries.setdefault(token, []).append(i)
        self.units += units

    def postings(self, token: int) -> _Postings | None:
        entries = self._entries.get(token)
        return None if entries is None else self.all().take(np.array(entries, np.int64))

    def all(self) -> _Postings:
        return _Postings(*(column.view for column in self._columns))


@dataclass(frozen=True, slots=True)
class IndexHit:
    """A unit found by the index, with its final 0-100 score."""

    unit_id: int
    score: int


Unit = tuple[int, str, Sequence[str], str]
"""What the index stores of a unit: (unit id, source text, tokens, target family)."""


@dataclass(slots=True)
class _Lookup:
    """One search under way: the query, the best units so far and the cutoff they set."""

    query: Prepared
    encoded: str  # the query's token codes
    k: int
    target: int | None
    needed: int  # floor(100 * sim) a newcomer must reach
    # Scores as coarse as these ascending levels are enough: a full top k raises the cutoff
    # to the next level above its last score (past the last level, the search ends).
    levels: tuple[int, ...] = ()
    top: list[tuple[int, int]] = field(default_factory=list)  # (score, row), best first

    def offer(self, score: int, row: int) -> None:
        """Keep a scored unit if it is among the k best; a full top k raises the cutoff."""
        self.top.append((score, row))
        self.top.sort(key=lambda sr: -sr[0])
        if len(self.top) >= self.k:
            del self.top[self.k :]
            floor = self.top[-1][0] + 1
            if self.levels:
                floor = next((level for level in self.levels if level >= floor), MAX_SCORE + 1)
            self.needed = max(self.needed, floor)


class FuzzyIndex:
    """Fuzzy-match index over the source segments of one memory and source-language family."""

    def __init__(self, max_code: int = MAX_CODE) -> None:
        self._max_code = max_code
        self._lock = threading.RLock()
        self._vocab: dict[str, int] = {}
        self._df: list[int] = [0]  # units holding each token id (id 0 unused)
        self._rank = _Column(np.int64)  # token id -> global order, rarest first
        self._rank.extend([0])
        self._next_new_rank = -1  # tokens new since the last rebuild rank first
        self._ranked_units = 0  # rows when ranks were last computed
        self._segments: list[_Segment] = []
        self._delta = _Delta()
        self._unit_ids = _Column(np.int64)  # row -> unit id, ascending
        self._lengths = _Column(np.int32)  # row -> token count
        self._alive = _Column(np.bool_)
        self._targets = _Column(np.int16)  # row -> target-family code
        self._target_codes: dict[str, int] = {}
        self._forward = _Column(np.int32)  # token ids of all rows, concatenated
        self._starts = _Column(np.int64)  # row -> offset of its tokens in _forward
        self._query_masks = np.zeros(1, np.uint64)  # scratch: token id -> its query positions
        self._encoded: list[str] = []  # row -> token codes as a string
        self._sources: list[str] = []  # row -> source text (for penalties)
        # surface -> its last row, and row -> the previous row of the same surface (or -1):
        # an exact (100) match is a dictionary lookup
        self._by_surface: dict[str, int] = {}
        self._same_surface = _Column(np.int32)
        self._live = 0
        self._seen = np.zeros(0, np.bool_)  # scratch mask of rows met in one search

    def __len__(self) -> int:
        return self._live

    # -- writing -----------------------------------------------------------------------------

    def add(self, units: Iterable[Unit]) -> None:
        """Index units, ids ascending; they are found by the very next search."""
        with self._lock:
            batch = list(units)
            if not batch:
                return
            first_row = self._append_rows(batch)
            self._live += len(batch)
            rows = np.arange(first_row, self._unit_ids.size)
            if self._unit_ids.size >= REBUILD_GROWTH * max(self._ranked_units, 1) and (
                self._unit_ids.size >= DELTA_FREEZE_UNITS
            ):
                self._rebuild()
            elif len(batch) >= DELTA_FREEZE_UNITS:
                self._freeze_delta()
                self._store_segment(self._prefix_postings(rows))
            else:
                self._delta.add(self._prefix_postings(rows), len(batch))
                if self._delta.units >= DELTA_FREEZE_UNITS:
                    self._freeze_delta()

    def compact(self) -> None:
        """Merge the delta and every posting segment into one, so that a lookup reads one
        slice per token; for after a bulk load."""
        with self._lock:
            self._freeze_delta()
            if len(self._segments) > 1:
                merged = _Postings.concatenate([seg.expanded() for seg in self._segments])
                self._segments = [_build_segment(merged, len(self._df))]

    def remove(self, unit_ids: Iterable[int]) -> None:
        """Forget units (deleted, or replaced by a unit with a new source)."""
        with self._lock:
            ids = self._unit_ids.view
            alive = self._alive.view
            for unit_id in unit_ids:
                row = int(np.searchsorted(ids, unit_id))
                if row < ids.shape[0] and ids[row] == unit_id and alive[row]:
                    alive[row] = False
                    self._live -= 1

    def _token_id(self, token: str) -> int:
        tid = self._vocab.get(token)
        if tid is None:
            tid = self._vocab[token] = len(self._df)
            self._df.append(0)
            self._rank.extend([self._next_new_rank])
            self._next_new_rank -= 1
        return tid

    def _append_rows(self, batch: list[Unit]) -> int:
        first_row = self._unit_ids.size
        if first_row and batch[0][0] <= int(self._unit_ids.view[-1]):
            raise ValueError("units must be indexed in ascending id order")
        code = self._max_code
        offset = self._forward.size
        starts: list[int] = []
        previous: list[int] = []
        for row, (_, source, toks, _) in enumerate(batch, first_row):
            ids = [self._token_id(t) for t in toks]
            starts.append(offset)
            offset += len(ids)
            self._forward.extend(ids)
            self._encoded.append("".join(chr(i % code) for i in ids))
            self._sources.append(source)
            for tid in set(ids):
                self._df[tid] += 1
            key = surface(source)
            previous.append(self._by_surface.get(key, -1))
            # the same text, but the dictionary keeps `source`, a string the index holds
            # anyway, rather than a second copy of it (most sources are their own surface)
            self._by_surface[source if key == source else key] = row
        self._same_surface.extend(previous)
        self._starts.extend(starts)
        self._unit_ids.extend([u[0] for u in batch])
        self._lengths.extend([len(u[2]) for u in batch])
        self._alive.extend(np.ones(len(batch), dtype=np.bool_))
        self._targets.extend([self._target_code(u[3]) for u in batch])
        return first_row

    def _target_code(self, target_family: str) -> int:
        return self._target_codes.setdefault(target_family, len(self._target_codes))

    def _prefix_postings(self, rows: NDArray[np.int64]) -> _Postings:
        """The postings of the rows' prefixes, computed `PREFIX_CHUNK_ROWS` rows at a time."""
        chunks = [
            self._prefix_chunk(rows[i : i + PREFIX_CHUNK_ROWS])
            for i in range(0, rows.shape[0], PREFIX_CHUNK_ROWS)
        ]
        return chunks[0] if len(chunks) == 1 else _Postings.concatenate(chunks)

    def _prefix_chunk(self, rows: NDArray[np.int64]) -> _Postings:
        """One posting per distinct token of each row's prefix: its rarest
        m - ceil(t0 * m) + 1 tokens (`rows` ascending)."""
        lengths = self._lengths.view[rows].astype(np.int64)
        first = np.cumsum(lengths) - lengths
        position = np.arange(int(lengths.sum())) - np.repeat(first, lengths)
        tokens = self._forward.view[np.repeat(self._starts.view[rows], lengths) + position]
        tokens = tokens.astype(np.int64)
        row_of = np.repeat(rows, lengths)
        order = np.lexsort((self._rank.view[tokens], row_of))
        tokens, row_of = tokens[order], row_of[order]
        rest = np.repeat(lengths, lengths) - position
        sig_lo, sig_hi = _suffix_signatures(_token_bits(tokens), rest)
        keep = lengths - np.ceil(INDEX_MIN_SCORE / 100 * lengths - _EPS).astype(np.int64) + 1
        take = position < np.repeat(keep, lengths)
        take[1:] &= (tokens[1:] != tokens[:-1]) | (row_of[1:] != row_of[:-1])
        row_lengths = np.repeat(np.minimum(lengths, MAX_LENGTH_KEY), lengths)[take]
        return _Postings(
            tokens[take],
            row_of[take].astype(np.int32),
            row_lengths.astype(np.uint8),
            np.minimum(position[take], MAX_LENGTH_KEY).astype(np.uint8),
            _bit_counts(sig_lo[take], sig_hi[take]),
            sig_lo[take],
            sig_hi[take],
        )

    def _rebuild(self) -> None:
        """Re-rank tokens by current frequency and rebuild every posting list."""
        df = np.asarray(self._df, dtype=np.int64)
        df[0] = -1  # id 0 is unused; keep it first
        self._rank.view[np.argsort(df, kind="stable")] = np.arange(df.shape[0])
        self._next_new_rank = -1
        self._ranked_units = self._unit_ids.size
        self._segments, self._delta = [], _Delta()
        alive = np.flatnonzero(self._alive.view)
        if alive.shape[0]:
            self._store_segment(self._prefix_postings(alive))

    def _freeze_delta(self) -> None:
        if self._delta.units:
            postings = self._delta.all()
            self._delta = _Delta()
            self._store_segment(postings)

    def _store_segment(self, postings: _Postings) -> None:
        self._segments.append(_build_segment(postings, len(self._df)))
        while (
            len(self._segments) > 1
            and self._segments[-2].size < MERGE_RATIO * self._segments[-1].size
        ):
            newer = self._segments.pop()
            merged = _Postings.concatenate([self._segments[-1].expanded(), newer.expanded()])
            self._segments[-1] = _build_segment(merged, len(self._df))

    # -- reading -----------------------------------------------------------------------------

    def search(
        self, query: Prepared, k: int, min_score: int, target_family: str | None = None
    ) -> list[IndexHit]:
        """The top `k` units scoring at least `min_score` (>= INDEX_MIN_SCORE), best first."""
        with self._lock:
            if self._live == 0 or k <= 0:
                return []
            target = None
            if target_family is not None:
                target = self._target_codes.get(target_family)
                if target is None:
                    return []
            return self._search(query, k, max(min_score, INDEX_MIN_SCORE), target)

    def best_level(
        self, query: Prepared, levels: Sequence[int], target_family: str | None = None
    ) -> int | None:
        """The highest of `levels` (ascending) that the best unit's score reaches; None when
        none reaches the lowest (as with `search`, no score under INDEX_MIN_SCORE is found).

        What banding a best match needs, for less than `search`: an exact match is a
        dictionary lookup, and the fuzzy search's cutoff jumps from level to level.
        """
        with self._lock:
            if self._live == 0 or not levels:
                return None
            target = None
            if target_family is not None:
                target = self._target_codes.get(target_family)
                if target is None:
                    return None
            if levels[-1] >= EXACT_SCORE and self._has_exact(query.surface, target):
                return levels[-1]
            fuzzy = tuple(level for level in levels if level < EXACT_SCORE)
            if not fuzzy:
                return None
            hits = self._search(query, 1, max(fuzzy[0], INDEX_MIN_SCORE), target, fuzzy)
            return level_reached(hits[0].score if hits else None, fuzzy)

    def _has_exact(self, text: str, target: int | None) -> bool:
        """Whether a live unit (of the target family, if given) has the surface `text`."""
        row = self._by_surface.get(text, -1)
        alive, targets, previous = self._alive.view, self._targets.view, self._same_surface.view
        while row >= 0:
            if alive[row] and (target is None or targets[row] == target):
                return True
            row = int(previous[row])
        return False

    def _search(
        self,
        query: Prepared,
        k: int,
        min_score: int,
        target: int | None,
        levels: tuple[int, ...] = (),
    ) -> list[IndexHit]:
        n = len(query.tokens)
        ids = [self._vocab.get(t, UNKNOWN_CODE) for t in query.tokens]
        encoded = "".join(chr(t % self._max_code) for t in ids)
        lookup = _Lookup(query, encoded, k, target, min_score, levels)
        counts = Counter(ids)
        probed = counts.pop(UNKNOWN_CODE, 0)  # unknown tokens rank first, match nothing
        rank = self._rank.view
        rounds = sorted(counts.items(), key=lambda kv: int(rank[kv[0]]))
        rest_lo, rest_hi = _rest_signatures(_token_bits(np.array([t for t, _ in rounds], np.int64)))
        masks = self._masks_for(ids)
        seen = self._seen_mask()
        met: list[NDArray[np.int32]] = []  # rows marked in `seen`, cleared at the end
        pending: list[NDArray[np.int32]] = []  # rows met and not verified yet
        try:
            for i, (tid, mult) in enumerate(rounds):
                needed = lookup.needed
                if probed >= n - (needed * n + 99) // 100 + 1:
                    break  # past the query's prefix for the cutoff
                bound = _Bound.of(n, needed, n - probed, (rest_lo[i], rest_hi[i]))
                probed += mult
                rows = self._candidates(tid, bound)
                rows = rows[~seen[rows]]
                if rows.shape[0]:
                    seen[rows] = True
                    met.append(rows)
                    pending.append(rows)
                if sum(part.shape[0] for part in pending) >= VERIFY_BATCH:
                    self._verify(lookup, pending)
                    pending = []
            if pending:
                self._verify(lookup, pending)
        finally:
            for rows in met:
                seen[rows] = False
            masks[ids] = 0
        ids_view = self._unit_ids.view
        return [IndexHit(int(ids_view[row]), score) for score, row in lookup.top]

    def _seen_mask(self) -> NDArray[np.bool_]:
        if self._seen.shape[0] < self._unit_ids.size:
            self._seen = np.zeros(max(self._unit_ids.size, 2 * self._seen.shape[0]), np.bool_)
        return self._seen

    def _masks_for(self, ids: list[int]) -> NDArray[np.uint64]:
        """The scratch array of query position bits by token id (reset by the caller): bit i
        of a token's mask is set when query token i is that token. Positions past the word
        share its last bit, so every query token has a mask (the LCS is then not used)."""
        if self._query_masks.shape[0] < len(self._df):
            self._query_masks = np.zeros(2 * len(self._df), np.uint64)
        for i, tid in enumerate(ids):
            if tid != UNKNOWN_CODE:
                self._query_masks[tid] |= np.uint64(1 << min(i, LCS_WORD_BITS - 1))
        return self._query_masks

    def _candidates(self, tid: int, bound: _Bound) -> NDArray[np.int32]:
        """Rows holding token `tid` in their prefix that pass `bound`, from every segment."""
        parts = [seg.candidates(tid, bound) for seg in self._segments]
        delta = self._delta.postings(tid)
        if delta is not None:
            parts.append(bound.passing(delta))  # no window: the slack holds it
        parts = [part for part in parts if part.shape[0]]
        if len(parts) <= 1:
            return parts[0] if parts else _EMPTY_ROWS
        return np.concatenate(parts)

    def _verify(self, lookup: _Lookup, parts: list[NDArray[np.int32]]) -> None:
        """Bound, then score rows met by the probe into `lookup`."""
        if lookup.needed > MAX_SCORE:
            return
        rows = parts[0] if len(parts) == 1 else np.concatenate(parts)
        rows = self._eligible(rows, lookup.target)
        rows = self._in_order_reach(rows, len(lookup.query.tokens), lookup.needed)
        self._score(lookup, rows)

    def _eligible(self, rows: NDArray[np.int32], target: int | None) -> NDArray[np.int32]:
        keep = self._alive.view[rows]
        if target is not None and len(self._target_codes) > 1:
            keep &= self._targets.view[rows] == target
        return rows[keep]

    def _in_order_reach(self, rows: NDArray[np.int32], n: int, needed: int) -> NDArray[np.int32]:
        """The rows whose tokens shared with the query leave their similarity able to reach
        `needed`: `sim <= shared / max(n, m)`, shared counted in order (the longest common
        subsequence) when the query fits a machine word, else as a bag."""
        lo, hi = _window(n, needed)
        lengths = self._lengths.view[rows]
        inside = (lengths >= lo) & (lengths <= hi)  # postings clamp long units' lengths
        rows, lengths = rows[inside], lengths[inside]
        batch = max(1, ORDER_BOUND_CELLS // hi)
        parts = []
        for i in range(0, rows.shape[0], batch):
            part, part_lengths = rows[i : i + batch], lengths[i : i + batch]
            parts.append(part[self._reach(part, part_lengths, n, needed)])
        if len(parts) <= 1:
            return parts[0] if parts else rows
        return np.concatenate(parts)

    def _reach(
        self, rows: NDArray[np.int32], lengths: NDArray[np.int32], n: int, needed: int
    ) -> NDArray[np.bool_]:
        """Which rows pass the order bound; one column of a token matrix per row."""
        columns = np.arange(int(lengths.max()))[:, None]
        offsets = np.minimum(self._starts.view[rows] + columns, self._forward.size - 1)
        tokens = np.where(columns < lengths, self._forward.view[offsets], UNKNOWN_CODE)
        masks = self._query_masks[tokens]
        if n <= LCS_WORD_BITS:
            shared = _lcs_lengths(masks, n)
        else:
            shared = np.minimum(np.count_nonzero(masks, axis=0), n)
        return 100 * shared >= needed * np.maximum(lengths, n)

    def _score(self, lookup: _Lookup, rows: NDArray[np.int32]) -> None:
        """Score `rows` exactly and offer those reaching the cutoff to `lookup`."""
        query = lookup.query
        shared_codes = len(self._df) > self._max_code
        for start in range(0, rows.shape[0], SCORE_BATCH):
            if lookup.needed > MAX_SCORE:
                return  # the top k are all exact matches: nothing can enter any more
            chunk = rows[start : start + SCORE_BATCH].tolist()
            sims = process.cdist(
                [lookup.encoded],
                list(map(self._encoded.__getitem__, chunk)),
                scorer=Levenshtein.normalized_similarity,
                score_cutoff=max(0.0, (lookup.needed - CUTOFF_MARGIN) / 100),
                dtype=np.float64,
            )[0]
            hits = np.flatnonzero(sims >= (lookup.needed - CUTOFF_MARGIN) / 100)
            for i in hits[np.argsort(-sims[hits], kind="stable")].tolist():
                sim = float(sims[i])
                if _percent(sim) < lookup.needed:
                    break
                row = chunk[i]
                unit = prepare(self._sources[row])
                if shared_codes:
                    sim = float(Levenshtein.normalized_similarity(query.tokens, unit.tokens))
                score = finalize(query, unit, sim)
                if score >= lookup.needed:
                    lookup.offer(score, row)


def _lcs_lengths(masks: NDArray[np.uint64], n: int) -> NDArray[np.int64]:
    """Longest common subsequence of a query of `n` <= 64 tokens with each unit, one unit per
    column of `masks` (row j: the query positions matching the unit's token j), by Hyyro's
    bit-parallel algorithm: a zero bit in `v` marks a matched query token."""
    v = np.full(masks.shape[1], ~np.uint64(0), np.uint64)
    u = np.empty_like(v)
    for column in masks:
        np.bitwise_and(v, column, out=u)
        np.bitwise_or(v + u, np.subtract(v, u, out=v), out=v)
    return n - _bit_counts(v & np.uint64((1 << n) - 1)).astype(np.int64)


def _percent(sim: float) -> int:
    """floor(100 * sim), robust to float rounding, as `tm.fuzzy.finalize` computes it."""
    return math.floor(sim * 100 + _EPS)
