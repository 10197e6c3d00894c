"""Bit-serial PE arrays: time that depends on the activations' bits (Stripes, Bit-Pragmatic).

A bit-serial PE multiplies a weight (bit-parallel) by an activation one bit per cycle:

* ``stripes`` (Judd et al., MICRO 2016): every activation takes ``p`` cycles, ``p`` the
  precision the layer's activations need: their two's-complement width (measured on the
  tensor, a per-layer precision profile);
* ``pragmatic`` (Albericio et al., MICRO 2017): an activation takes one cycle per essential
  (nonzero) bit of its magnitude, at least one cycle per step.

The array keeps its dataflow's GEMM mapping (accelsim.kernels.cycles). Its PEs move data in
lockstep, so each streamed step of a fold lasts as long as the slowest PE needs on it: a
fold streams ``sum over steps of max over its PEs`` cycles, then pays the usual fill and
drain. A PE step of several reduction elements (lanes) takes the maximum over them.

* os: PE (m, n) at step k' multiplies x[m, k']: step time max over the fold's rows m;
* ws: PE (k', n) at step m multiplies x[m, k']: max over the fold's rows k';
* is: PE (k', m) holds x[m, k'] for all N steps: every step takes the fold's maximum.

Busy PE-cycles are the cycles each PE needs for its own activations; the rest is idle.
"""
from __future__ import annotations

import numpy as np

from accelsim.cost.systolic import fold_counts

BIT_SERIAL = ("stripes", "pragmatic")
_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], np.int64)


def stripes_precision(x: np.ndarray) -> int:
    """Stripes' per-layer precision: the two's-complement width of the values (unsigned if none is negative)."""
    if x.size == 0:
        return 1
    hi, lo = int(x.max()), int(x.min())
    if lo >= 0:
        return max(1, hi.bit_length())
    return 1 + max(max(hi, 0).bit_length(), (-lo - 1).bit_length())


def element_cycles(x: np.ndarray, kind: str) -> np.ndarray:
    """Cycles one bit-serial PE spends on each int8 activation of ``x`` (same shape, int64)."""
    if kind == "pragmatic":   # essential bits: the nonzero bits of the magnitude
        return _POPCOUNT8[np.minimum(np.abs(x.astype(np.int64)), 255)]
    return np.full(x.shape, stripes_precision(x), np.int64)


def step_cycles(patches: np.ndarray, per: int, kind: str, precision: int | None = None) -> np.ndarray:
    """(M, K') cycles of each PE step: max over its ``per`` elements, at least 1.

    ``precision``: Stripes' layer precision (default: measured on ``patches``).
    """
    m, kw = patches.shape
    kp = -(-kw // per)
    if kind == "stripes":
        return np.full((m, kp), precision or stripes_precision(patches), np.int64)
    cyc = np.zeros((m, kp * per), np.int64)
    cyc[:, :kw] = element_cycles(patches, kind)
    return np.maximum(cyc.reshape(m, kp, per).max(axis=2), 1)


def gemm_bitserial(b: np.ndarray, n: int, rows: int, cols: int, dataflow: str) -> tuple[int, int, int]:
    """(cycles, busy PE-cycles, folds) of one group's GEMM from step cycles ``b`` (M, K')."""
    m, kp = b.shape
    fr, fc, _ = (int(v) for v in fold_counts(m, n, kp, rows, cols, dataflow))
    fill = rows + cols - 2 if dataflow == "os" else 2 * rows + cols - 2
    if dataflow == "os":     # rows hold m, columns n, stream k'
        t = np.maximum.reduceat(b, np.arange(0, m, rows), axis=0).sum(axis=1)    # (fr,)
        per_fold = np.repeat(t, fc)
        busy = int(b.sum()) * n
    elif dataflow == "ws":   # rows hold k', columns n, stream m
        t = np.maximum.reduceat(b, np.arange(0, kp, rows), axis=1).sum(axis=0)   # (fr,)
        per_fold = np.repeat(t, fc)
        busy = int(b.sum()) * n
    else:                    # is: rows hold k', columns m, stream n
        blk = np.maximum.reduceat(np.maximum.reduceat(b, np.arange(0, m, cols), axis=0),
                                  np.arange(0, kp, rows), axis=1)                # (fc, fr)
        per_fold = blk.ravel() * n
        busy = int(b.sum()) * n
    return int(np.maximum(per_fold + fill, 1).sum()) - 1, busy, fr * fc
