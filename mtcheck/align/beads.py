"""Sentence alignment by a monotone, banded dynamic program (the vecalign/bertalign idea).

Beads are written (other, mt): how many source/reference sentences and how
many MT sentences they join. Allowed: 1-1, 1-0 (omission: nothing in the MT),
0-1 (addition: MT with no counterpart), 2-1, 1-2 and 2-2.

Semantic cost (Thompson & Koehn 2019, "Vecalign"; Liu & Zhu 2022, "Bertalign"):

    cost(bead) = (a + b) / 2 * [(1 - cos(x, y)) / (1 - c0) + length * |log(len x / len y) - r|]
                 (+ merge * (a + b - 2) + dilution * D for 2-1, 1-2 and 2-2)

for a bead joining a source/reference and b MT sentences, where x and y are
the unit-normalised sums of the bead's sentence embeddings (scaling by the
sentences covered keeps one 2-2 bead from undercutting two good 1-1 beads),
c0 is the mean cosine of shuffled (unrelated) pairs in this very document, so
that the scale does not depend on the encoder, and r is the median
log length ratio of the two sides. D is how much better the bead would match
without one of its sentences (`semantic_costs`). A skipped sentence (1-0 or
0-1) costs `skip`. When both sides are in one language (MT and reference), the
vectors also carry hashed words, so that the cosine is part lexical
(`lexical_vectors`). The constants are in two sets, `CROSS_LINGUAL` and
`SAME_LANGUAGE`. The table is computed only inside a band, one row at a time with
numpy. For long documents the band follows a path through confident anchors
(mutual nearest neighbours in increasing order, as in Bertalign) with a fixed
half-width ANCHOR_MARGIN, so time and memory grow as n * ANCHOR_MARGIN, not
n * m; short documents use the diagonal widened by |n - m|. The 0-1 bead inside
a row is a prefix minimum (np.minimum.accumulate), which keeps rows vectorised.

`gale_church_costs` gives the classic length-only baseline (Gale & Church 1993)
through the same program, for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mtcheck.align.costs import (CROSS_LINGUAL, SAME_LANGUAGE, gale_church_costs, semantic_costs, with_lexical,
                                 words_are_spaced)

BEADS = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2))


BAND_MARGIN = 40
ANCHOR_MARGIN = 40   # band half-width around the anchor path, in sentences
ANCHOR_GAP = 0.05    # an anchor's best match must beat its second best by this cosine
EDGE_SHARE = 0.02    # a path touching the anchored band's edge this often is redone on the diagonal band


@dataclass(frozen=True)
class Bead:
    other: tuple[int, ...]   # indices into the source/reference sentences
    mt: tuple[int, ...]      # indices into the MT sentences
    cost: float
    confidence: float

    @property
    def kind(self) -> str:
        return f"{len(self.other)}-{len(self.mt)}"


def _band(n: int, m: int, margin: int, centre=None):
    """Column range of each row: centre +- width. Without anchors the centre is
    the diagonal and the width must cover |n - m| too; with anchors the width
    is the margin alone, so the table grows as n * margin."""
    if centre is None:
        centre = np.arange(n + 1) * (m / n if n else 0.0)
        width = abs(n - m) + margin
    else:
        width = margin
    lo = np.clip(np.floor(centre - width), 0, m).astype(np.int64)
    hi = np.clip(np.ceil(centre + width), 0, m).astype(np.int64)
    lo[0], hi[-1] = 0, m
    # Keep the band connected: each row must reach the previous row's range.
    for i in range(1, n + 1):
        lo[i] = min(lo[i], hi[i - 1])
    for i in range(n - 1, -1, -1):
        hi[i] = max(hi[i], lo[i + 1])
    return lo, hi


ANCHOR_BLOCK = 64


def anchor_centres(vo: np.ndarray, vm: np.ndarray, floor: float) -> np.ndarray | None:
    """A monotone path through confident 1-1 matches, interpolated to every row.

    The search walks down the document block by block and looks for each
    sentence's best match only near where the path has been so far (the last
    offset from the diagonal, +- 2 * ANCHOR_MARGIN), so a passage repeated
    elsewhere cannot pull the path away. A match becomes an anchor when it is
    clearly above the encoder floor, beats the sentence's second-best match by
    ANCHOR_GAP and is mutual within the block; the anchors' longest increasing
    subsequence is interpolated (the Bertalign idea). None when anchors are too few.
    """
    import bisect

    n, m = len(vo), len(vm)
    slope = m / n
    offset = 0.0
    window = 2 * ANCHOR_MARGIN
    threshold = floor + 0.5 * (1.0 - floor)
    cand: list[tuple[int, int]] = []
    for start in range(0, n, ANCHOR_BLOCK):
        rows = np.arange(start, min(n, start + ANCHOR_BLOCK))
        j0 = int(max(0, math.floor(rows[0] * slope + offset - window)))
        j1 = int(min(m, math.ceil(rows[-1] * slope + offset + window) + 1))
        if j1 - j0 < 2:
            continue
        sims = vo[rows] @ vm[j0:j1].T
        arg = sims.argmax(axis=1)
        best = sims[np.arange(len(rows)), arg]
        second = np.partition(sims, -2, axis=1)[:, -2]
        col_arg = sims.argmax(axis=0)
        found = [(int(i), j0 + int(a)) for i, a, b, s2 in zip(rows, arg, best, second)
                 if b > threshold and b - s2 > ANCHOR_GAP and col_arg[a] == i - rows[0]]
        if found:
            cand.extend(found)
            offset = float(np.median([j - i * slope for i, j in found]))
    if len(cand) < max(3, n // 20):
        return None
    tails, tails_idx, prev = [], [], [-1] * len(cand)
    for k, (_, j) in enumerate(cand):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tails_idx.append(k)
        else:
            tails[pos] = j
            tails_idx[pos] = k
        prev[k] = tails_idx[pos - 1] if pos else -1
    chain, k = [], tails_idx[-1]
    while k >= 0:
        chain.append(cand[k])
        k = prev[k]
    chain.reverse()
    xs = [0] + [i + 1 for i, _ in chain] + [n]
    ys = [0] + [j + 1 for _, j in chain] + [m]
    return np.interp(np.arange(n + 1), xs, ys)


def banded_dp(n: int, m: int, cost, margin: int = BAND_MARGIN, centre=None) -> list[tuple[int, int, int, int]]:
    """Cheapest monotone bead path from (0, 0) to (n, m).

    `cost(a, b, i, js)` returns the cost of beads (a, b) ending at (i, js) for
    an array of column indices `js` (bead covers other[i-a:i], mt[js-b:js]).
    Returns beads as (a, b, i_end, j_end) in order.
    """
    lo, hi = _band(n, m, margin, centre)
    rows: list[np.ndarray] = []
    back: list[np.ndarray] = []
    inf = np.inf
    for i in range(n + 1):
        js = np.arange(lo[i], hi[i] + 1)
        best = np.full(js.shape, inf)
        choice = np.full(js.shape, -1, dtype=np.int8)
        if i == 0:
            best[js == 0] = 0.0
        for k, (a, b) in enumerate(BEADS):
            if a == 0 or a > i:
                continue
            prev_lo, prev_row = lo[i - a], rows[i - a]
            src_j = js - b
            ok = (src_j >= prev_lo) & (src_j <= hi[i - a]) & (src_j >= 0)
            if not ok.any():
                continue
            idx = np.nonzero(ok)[0]
            prev = prev_row[src_j[idx] - prev_lo]
            finite = np.isfinite(prev)
            if not finite.any():
                continue
            idx = idx[finite]
            total = prev[finite] + cost(a, b, i, js[idx])
            better = total < best[idx]
            best[idx[better]] = total[better]
            choice[idx[better]] = k
        # 0-1 beads stay inside the row: best'[j] = C[j] + min_{k<=j}(best[k] - C[k]), C = cumsum of costs.
        step = np.zeros(js.shape)
        step[1:] = cost(0, 1, i, js[1:])
        csum = np.cumsum(step)
        shifted = np.minimum.accumulate(best - csum) + csum
        improved = shifted < best - 1e-12
        best = np.where(improved, shifted, best)
        choice = np.where(improved, BEADS.index((0, 1)), choice)
        rows.append(best)
        back.append(choice)
    if not np.isfinite(rows[n][m - lo[n]]):
        raise RuntimeError("no alignment path inside the band")  # cannot happen: (n, m) is in the band
    path = []
    i, j = n, m
    while i > 0 or j > 0:
        a, b = BEADS[back[i][j - lo[i]]]
        path.append((a, b, i, j))
        i, j = i - a, j - b
    path.reverse()
    return path


def _confidences(path, vo, vm, floor: float) -> list[float]:
    """Cosine of each bead above the encoder floor, in [0, 1]; for a skipped
    sentence, one minus its best such score against any neighbour."""
    scale = max(1e-6, 1.0 - floor)
    confs = []
    for a, b, i, j in path:
        if a and b:
            x = vo[i - a:i].sum(axis=0)
            y = vm[j - b:j].sum(axis=0)
            cos = float(x @ y / max(1e-12, np.linalg.norm(x) * np.linalg.norm(y)))
            confs.append(min(1.0, max(0.0, (cos - floor) / scale)))
        else:
            if a:
                near = vm[max(0, j - 2):min(len(vm), j + 2)] @ vo[i - 1] if len(vm) else np.zeros(1)
            else:
                near = vo[max(0, i - 2):min(len(vo), i + 2)] @ vm[j - 1] if len(vo) else np.zeros(1)
            best = float(near.max()) if len(near) else floor
            confs.append(min(1.0, max(0.0, 1.0 - (best - floor) / scale)))
    return confs


def align_sentences(other: list[str], mt: list[str], embedder=None, vectors=None,
                    margin: int = BAND_MARGIN, advance=None, same_language: bool = False) -> list[Bead]:
    """Beads aligning `other` (source or reference sentences) with `mt`.

    Give an `embedder` (anything with `encode(texts) -> unit vectors`) or
    precomputed `vectors=(vo, vm)`. `same_language` (MT against its reference)
    selects the `SAME_LANGUAGE` costs, with shared words in the similarity.
    """
    costs = SAME_LANGUAGE if same_language and words_are_spaced(other + mt) else CROSS_LINGUAL
    if not other or not mt:
        return ([Bead((k,), (), costs.skip, 1.0) for k in range(len(other))]
                + [Bead((), (k,), costs.skip, 1.0) for k in range(len(mt))])
    if vectors is None:
        from mtcheck.models.embedders import encode_unique

        matrix, rows = encode_unique(embedder, other + mt, advance)
        vo, vm = matrix[rows[:len(other)]], matrix[rows[len(other):]]
    else:
        vo, vm = vectors
    if costs.lexical:
        vo, vm = with_lexical(other, mt, vo, vm, costs.lexical)
    cost, floor = semantic_costs(other, mt, vo, vm, costs)
    centre = anchor_centres(vo, vm, floor) if len(other) > 4 * ANCHOR_MARGIN else None
    path = None
    if centre is not None:
        path = banded_dp(len(other), len(mt), cost, ANCHOR_MARGIN, centre)
        lo, hi = _band(len(other), len(mt), ANCHOR_MARGIN, centre)
        on_edge = sum(1 for _, _, i, j in path if 0 < i < len(other) and (j == lo[i] or j == hi[i]) and 0 < j < len(mt))
        if on_edge > EDGE_SHARE * len(path):
            path = None  # the anchors led astray: fall back to the wide diagonal band
    if path is None:
        path = banded_dp(len(other), len(mt), cost, margin)
    confs = _confidences(path, vo, vm, floor)
    return [Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), 0.0, round(c, 4))
            for (a, b, i, j), c in zip(path, confs)]


def align_lengths(other: list[str], mt: list[str], margin: int = BAND_MARGIN) -> list[Bead]:
    """The Gale-Church baseline: the same program with length-only costs."""
    if not other or not mt:
        return align_sentences(other, mt, vectors=(None, None))
    path = banded_dp(len(other), len(mt), gale_church_costs(other, mt), margin)
    return [Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), 0.0, 1.0) for a, b, i, j in path]

