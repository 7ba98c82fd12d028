"""Sentence vectors' arithmetic: unit length and row-wise cosines, the same bits in every process.

Both work in float64 blocks of rows: a float32 sum's last bits depend on the memory alignment numpy's SIMD
loop meets, which differs between processes (issue 14), and whole-partition float64 copies were a run's
largest transient (issue 34).
"""

from __future__ import annotations

COSINE_DIGITS = 6
_COSINE_BLOCK = 1024


def cosine_rows(a, b):
    """Row-wise cosine of unit vectors, in float64, rounded to COSINE_DIGITS decimals (float32 vectors
    carry about 7). A float32 sum's last bits depend on the memory alignment numpy's SIMD loop meets,
    which differs between processes, and segments.csv must give the same digits on every engine
    (issue 14); float64's noise (1e-16) almost never reaches the sixth decimal."""
    import numpy as np

    # In blocks of rows: the float64 copies of a whole partition's vectors were its largest transient
    # (two 5,000 x 512 copies, 40 MB, issue 34). Each row's sum is the same in any block.
    out = np.empty(len(a), dtype="float64")
    for lo in range(0, len(a), _COSINE_BLOCK):
        hi = lo + _COSINE_BLOCK
        out[lo:hi] = np.einsum("nd,nd->n", np.asarray(a[lo:hi], dtype="float64"),
                               np.asarray(b[lo:hi], dtype="float64"))
    return np.round(np.clip(out, -1.0, 1.0), COSINE_DIGITS)



def unit_rows(vectors):
    """Rows scaled to unit length, in float64 blocks (see cosine_rows); in place when `vectors` is a writable
    float32 matrix."""
    import numpy as np

    vectors = np.asarray(vectors)
    # In place where the caller handed over a float32 matrix of its own (embedders._in_chunks): one copy less.
    out = vectors if vectors.dtype == np.float32 and vectors.flags.writeable else np.empty(vectors.shape, "float32")
    for lo in range(0, len(vectors), _COSINE_BLOCK):  # in blocks, as cosine_rows: no whole float64 copy
        wide = np.asarray(vectors[lo:lo + _COSINE_BLOCK], dtype="float64")
        norms = np.sqrt(np.einsum("nd,nd->n", wide, wide))[:, None]
        out[lo:lo + _COSINE_BLOCK] = wide / np.maximum(norms, 1e-12)
    return out
