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

Candidates are scored with rapidfuzz (`score_cutoff` = the k-th best so far). Tokens are
stored as one code point each, so a unit's token sequence is a short string compared at C
speed. Past `MAX_CODE` distinct tokens codes are shared: their scores are upper bounds and
the final top k are re-scored on real tokens.

The rank is document frequency at the last rebuild; tokens first seen later rank as
rarest. Any fixed order keeps the filter exact; a good one keeps it fast, so postings are
rebuilt with fresh ranks whenever the index has doubled. Posting lists live in frozen CSR
segments (numpy) plus a small mutable delta, so a unit added a moment ago is found by the
next lookup; the delta is frozen every `DELTA_FREEZE_UNITS` units and segments of similar
size are merged.
"""

import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from tm.fuzzy import Prepared, finalize, prepare

INDEX_MIN_SCORE = 50  # lowest threshold the prefixes are built for (lookups clamp to it)
MAX_CODE = 0x10FFFF  # one code point per token id; beyond this, codes are shared
UNKNOWN_CODE = 0  # query tokens absent from the index (never equal to a unit's)
MAX_LENGTH_KEY = 255  # unit lengths (tokens) are clamped to a byte for windows
DELTA_FREEZE_UNITS = 20_000  # units in the mutable delta before it becomes a segment
REBUILD_GROWTH = 2  # re-rank tokens and rebuild postings when the index doubles
MERGE_RATIO = 4  # merge adjacent segments when the older is < 4x the newer
SCORE_BATCH = 2048  # candidates scored per rapidfuzz call
# rapidfuzz's cutoff test rounds against values exactly at the boundary: pass it a cutoff
# this many points lower and apply the exact test here
CUTOFF_MARGIN = 0.5
SIGNATURE_MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing of token ids to signature bits
_EPS = 1e-9


@dataclass(slots=True)
class _Segment:
    """Frozen posting lists: for token id `t`, rows[starts[t]:starts[t+1]] sorted by length."""

    starts: NDArray[np.int64]
    rows: NDArray[np.int32]
    lengths: NDArray[np.uint8]
    positions: NDArray[np.uint8]  # where the token stands in the unit's rank order

    @property
    def size(self) -> int:
        return int(self.rows.shape[0])

    def window(self, token: int, lo: int, hi: int) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
        """Rows holding `token` whose length is within [lo, hi], with the token's positions."""
        if token + 1 >= self.starts.shape[0]:
            return self.rows[:0], self.positions[:0]
        start, end = int(self.starts[token]), int(self.starts[token + 1])
        if start == end:
            return self.rows[:0], self.positions[:0]
        lens = self.lengths[start:end]
        a = start + int(np.searchsorted(lens, lo, "left"))
        b = start + int(np.searchsorted(lens, hi, "right"))
        return self.rows[a:b], self.positions[a:b]


def _build_segment(
    tokens: NDArray[np.int64],
    rows: NDArray[np.int32],
    lengths: NDArray[np.uint8],
    positions: NDArray[np.uint8],
    vocab_size: int,
) -> _Segment:
    order = np.lexsort((rows, lengths, tokens))
    tokens, rows, lengths, positions = tokens[order], rows[order], lengths[order], positions[order]
    starts = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(np.bincount(tokens, minlength=vocab_size), out=starts[1:])
    return _Segment(starts, rows, lengths, positions)


def _merge(a: _Segment, b: _Segment, vocab_size: int) -> _Segment:
    def expand(s: _Segment) -> NDArray[np.int64]:
        counts = np.diff(s.starts)
        return np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)

    return _build_segment(
        np.concatenate([expand(a), expand(b)]),
        np.concatenate([a.rows, b.rows]),
        np.concatenate([a.lengths, b.lengths]),
        np.concatenate([a.positions, b.positions]),
        vocab_size,
    )


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


@dataclass(frozen=True, slots=True)
class IndexHit:
    """A unit found by the index, with its final 0-100 score."""

    unit_id: int
    score: int


Unit = tuple[int, str, Sequence[str], str]
"""What the index stores of a unit: (unit id, source text, tokens, target family)."""


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
        self._delta: dict[int, list[tuple[int, int]]] = {}  # token -> (row, position)
        self._delta_units = 0
        self._unit_ids = _Column(np.int64)  # row -> unit id, ascending
        self._lengths = _Column(np.int32)  # row -> token count
        self._alive = _Column(np.bool_)
        self._targets = _Column(np.int16)  # row -> target-family code
        self._target_codes: dict[str, int] = {}
        self._forward = _Column(np.int32)  # token ids of all rows, concatenated
        self._starts = _Column(np.int64)  # row -> offset of its tokens in _forward
        self._signatures = _Column(np.uint64)  # row -> 128-bit token signature, 2 words
        self._query_weights = np.zeros(1, np.int32)  # scratch: token id -> count in the query
        self._encoded: list[str] = []  # row -> token codes as a string
        self._sources: list[str] = []  # row -> source text (for penalties)
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
            if self._unit_ids.size >= REBUILD_GROWTH * max(self._ranked_units, 1) and (
                self._unit_ids.size >= DELTA_FREEZE_UNITS
            ):
                self._rebuild()
            elif len(batch) >= DELTA_FREEZE_UNITS:
                self._freeze_delta()
                self._push_segment(np.arange(first_row, self._unit_ids.size))
            else:
                pairs = self._prefix_pairs(np.arange(first_row, self._unit_ids.size))
                for tid, row, pos in zip(*(a.tolist() for a in pairs), strict=True):
                    self._delta.setdefault(tid, []).append((row, pos))
                self._delta_units += len(batch)
                if self._delta_units >= DELTA_FREEZE_UNITS:
                    self._freeze_delta()

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
        for _, source, toks, _ in batch:
            ids = [self._token_id(t) for t in toks]
            starts.append(offset)
            offset += len(ids)
            self._forward.extend(ids)
            self._encoded.append("".join(chr(i % code) for i in ids))
            self._sources.append(source)
            for tid in set(ids):
                self._df[tid] += 1
        self._starts.extend(starts)
        self._signatures.extend(
            _signatures([list(map(self._vocab.__getitem__, u[2])) for u in batch])
        )
        self._unit_ids.extend([u[0] for u in batch])
        self._lengths.extend([len(u[2]) for u in batch])
        self._alive.extend(np.ones(len(batch), dtype=np.bool_))
        self._targets.extend([self._target_code(u[3]) for u in batch])
        return first_row

    def _target_code(self, target_family: str) -> int:
        return self._target_codes.setdefault(target_family, len(self._target_codes))

    def _row_tokens(
        self, rows: NDArray[Any]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int32]]:
        """The rows' lengths, their offsets in the result, and their token ids concatenated."""
        lengths = self._lengths.view[rows].astype(np.int64)
        first = np.cumsum(lengths) - lengths
        flat = np.repeat(self._starts.view[rows] - first, lengths) + np.arange(int(lengths.sum()))
        return lengths, first, self._forward.view[flat]

    def _prefix_pairs(
        self, rows: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.uint8]]:
        """(token id, row, position) for the distinct tokens of each row's prefix: its rarest
        m - ceil(t0 * m) + 1 tokens."""
        lengths, first, flat_tokens = self._row_tokens(rows)
        total = flat_tokens.shape[0]
        row_of = np.repeat(rows, lengths)
        tokens = flat_tokens.astype(np.int64)
        order = np.lexsort((self._rank.view[tokens], row_of))
        tokens, row_of = tokens[order], row_of[order]
        position = np.arange(total) - np.repeat(first, lengths)
        keep = lengths - np.ceil(INDEX_MIN_SCORE / 100 * lengths - _EPS).astype(np.int64) + 1
        take = position < np.repeat(keep, lengths)
        take[1:] &= (tokens[1:] != tokens[:-1]) | (row_of[1:] != row_of[:-1])
        positions = np.minimum(position[take], MAX_LENGTH_KEY).astype(np.uint8)
        return tokens[take], row_of[take].astype(np.int32), positions

    def _rebuild(self) -> None:
        """Re-rank tokens by current frequency and rebuild every posting list."""
        df = np.asarray(self._df, dtype=np.int64)
        df[0] = -1  # id 0 is unused; keep it first
        self._rank.view[np.argsort(df, kind="stable")] = np.arange(df.shape[0])
        self._next_new_rank = -1
        self._ranked_units = self._unit_ids.size
        self._segments, self._delta, self._delta_units = [], {}, 0
        self._push_segment(np.flatnonzero(self._alive.view))

    def _freeze_delta(self) -> None:
        if not self._delta:
            return
        toks = np.fromiter((t for t, rows in self._delta.items() for _ in rows), dtype=np.int64)
        rows = np.fromiter((r for rs in self._delta.values() for r, _ in rs), dtype=np.int32)
        pos = np.fromiter((p for rs in self._delta.values() for _, p in rs), dtype=np.uint8)
        self._delta, self._delta_units = {}, 0
        self._store_segment(toks, rows, pos)

    def _push_segment(self, rows: NDArray[np.int64]) -> None:
        self._store_segment(*self._prefix_pairs(rows))

    def _store_segment(
        self, toks: NDArray[np.int64], rows: NDArray[np.int32], positions: NDArray[np.uint8]
    ) -> None:
        lengths = np.minimum(self._lengths.view[rows], MAX_LENGTH_KEY).astype(np.uint8)
        self._segments.append(_build_segment(toks, rows, lengths, positions, len(self._df)))
        while (
            len(self._segments) > 1
            and self._segments[-2].size < MERGE_RATIO * self._segments[-1].size
        ):
            newer = self._segments.pop()
            self._segments[-1] = _merge(self._segments[-1], newer, len(self._df))

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

    def _search(
        self, query: Prepared, k: int, min_score: int, target: int | None
    ) -> list[IndexHit]:
        n = len(query.tokens)
        ids = [self._vocab.get(t, UNKNOWN_CODE) for t in query.tokens]
        q_enc = "".join(chr(tid % self._max_code) for tid in ids)
        counts = Counter(ids)
        probed = counts.pop(UNKNOWN_CODE, 0)  # unknown tokens rank first, match nothing
        weights = self._weights_for(counts)
        q_signature = _signatures([list(counts)])
        rank = self._rank.view
        rounds = sorted(counts.items(), key=lambda kv: int(rank[kv[0]]))
        seen = self._seen_mask()
        touched: list[NDArray[np.int32]] = []
        top: list[tuple[int, int]] = []  # (final score, row), best first, <= k
        needed = min_score  # floor(100 * sim) a newcomer must reach
        try:
            for tid, mult in rounds:
                t = needed / 100
                if probed >= n - math.ceil(t * n - _EPS) + 1:
                    break  # past the query's prefix for t
                lo, hi = math.ceil(t * n - _EPS), math.floor(n / t + _EPS)
                before, probed = probed, probed + mult
                rows, positions = self._postings(tid, lo, hi)
                fresh = ~seen[rows]
                rows, positions = rows[fresh], positions[fresh]
                if rows.shape[0] == 0:
                    continue
                seen[rows] = True
                touched.append(rows)
                # Positional filter: a unit first met here shares none of the query's first
                # `before` tokens, nor its own tokens ranked before this one.
                m = self._lengths.view[rows]
                shared = np.minimum(n - before, m - positions)
                rows = rows[np.floor(shared / np.maximum(m, n) * 100 + 1e-9) >= needed]
                rows = self._eligible(rows, target)
                rows = self._plausible(rows, q_signature, n, needed)
                rows = self._within_reach(rows, n, needed)
                needed = self._score_round(query, q_enc, rows, top, k, needed)
        finally:
            for rows in touched:
                seen[rows] = False
            weights[list(counts)] = 0
        ids_view = self._unit_ids.view
        return [IndexHit(int(ids_view[row]), final) for final, row in top]

    def _seen_mask(self) -> NDArray[np.bool_]:
        if self._seen.shape[0] < self._unit_ids.size:
            self._seen = np.zeros(max(self._unit_ids.size, 2 * self._seen.shape[0]), np.bool_)
        return self._seen

    def _postings(self, tid: int, lo: int, hi: int) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
        """Rows holding token `tid` in their prefix, length within [lo, hi], with positions."""
        empty = np.zeros(0, np.int32), np.zeros(0, np.uint8)
        if lo > hi:
            return empty
        key_lo, key_hi = min(lo, MAX_LENGTH_KEY), min(hi, MAX_LENGTH_KEY)
        parts = [seg.window(tid, key_lo, key_hi) for seg in self._segments]
        delta = self._delta.get(tid)
        if delta:
            rows = np.fromiter((r for r, _ in delta), np.int32, len(delta))
            pos = np.fromiter((p for _, p in delta), np.uint8, len(delta))
            m = self._lengths.view[rows]
            inside = (m >= lo) & (m <= hi)
            parts.append((rows[inside], pos[inside]))
        parts = [part for part in parts if part[0].shape[0]]
        if not parts:
            return empty
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _weights_for(self, counts: Counter[int]) -> NDArray[np.int32]:
        """The scratch array of query token counts by token id (reset by the caller)."""
        if self._query_weights.shape[0] < len(self._df):
            self._query_weights = np.zeros(2 * len(self._df), np.int32)
        self._query_weights[list(counts)] = list(counts.values())
        return self._query_weights

    def _plausible(
        self, rows: NDArray[np.int32], q_signature: NDArray[np.uint64], n: int, needed: int
    ) -> NDArray[np.int32]:
        """Cheap exact pre-filter: signature bits outside the query's are unshared tokens."""
        if rows.shape[0] == 0:
            return rows
        sig = self._signatures.view.reshape(-1, 2)[rows]
        foreign = np.bitwise_count(sig & ~q_signature[:2]).sum(axis=1, dtype=np.int64)
        lengths = self._lengths.view[rows].astype(np.int64)
        shared = np.minimum(lengths - foreign, n)
        reach = np.floor(shared / np.maximum(lengths, n) * 100 + 1e-9)
        return rows[reach >= needed]

    def _within_reach(self, rows: NDArray[np.int32], n: int, needed: int) -> NDArray[np.int32]:
        """The rows whose shared-token count leaves their similarity able to reach `needed`."""
        if rows.shape[0] == 0:
            return rows
        lengths, first, tokens = self._row_tokens(rows)
        hits = np.minimum(self._query_weights[tokens], 1)
        shared = np.minimum(np.add.reduceat(hits, first), np.minimum(lengths, n))
        reach = np.floor(shared / np.maximum(lengths, n) * 100 + 1e-9)
        return rows[reach >= needed]

    def _eligible(self, rows: NDArray[np.int32], target: int | None) -> NDArray[np.int32]:
        keep = self._alive.view[rows]
        if target is not None:
            keep &= self._targets.view[rows] == target
        return rows[keep]

    def _score_round(
        self,
        query: Prepared,
        q_enc: str,
        rows: NDArray[np.int32],
        top: list[tuple[int, int]],
        k: int,
        needed: int,
    ) -> int:
        """Score `rows` exactly into `top`; return the score a later newcomer must reach."""
        shared_codes = len(self._df) > self._max_code
        for start in range(0, rows.shape[0], SCORE_BATCH):
            chunk = rows[start : start + SCORE_BATCH].tolist()
            choices = [self._encoded[r] for r in chunk]
            sims = process.cdist(
                [q_enc],
                choices,
                scorer=Levenshtein.normalized_similarity,
                score_cutoff=max(0.0, (needed - CUTOFF_MARGIN) / 100),
                dtype=np.float64,
            )[0]
            hits = np.flatnonzero(sims >= (needed - CUTOFF_MARGIN) / 100)
            for i in hits[np.argsort(-sims[hits], kind="stable")].tolist():
                sim = float(sims[i])
                if _percent(sim) < needed:
                    break
                row = chunk[i]
                unit = prepare(self._sources[row])
                if shared_codes:
                    sim = float(Levenshtein.normalized_similarity(query.tokens, unit.tokens))
                final = finalize(query, unit, sim)
                if final < needed:
                    continue
                top.append((final, row))
                top.sort(key=lambda fr: -fr[0])
                if len(top) >= k:
                    del top[k:]
                    needed = max(needed, top[-1][0] + 1)
        return needed


def _percent(sim: float) -> int:
    """floor(100 * sim), robust to float rounding, as `tm.fuzzy.finalize` computes it."""
    return math.floor(sim * 100 + 1e-9)


def _signatures(token_lists: Sequence[Sequence[int]]) -> NDArray[np.uint64]:
    """128-bit signatures (two words per list) with one bit per token id, hashed."""
    out = np.zeros(2 * len(token_lists), dtype=np.uint64)
    for i, ids in enumerate(token_lists):
        lo = hi = 0
        for tid in ids:
            bit = ((tid * SIGNATURE_MULTIPLIER) & 0xFFFFFFFFFFFFFFFF) >> 57
            if bit < 64:
                lo |= 1 << bit
            else:
                hi |= 1 << (bit - 64)
        out[2 * i] = lo
        out[2 * i + 1] = hi
    return out
