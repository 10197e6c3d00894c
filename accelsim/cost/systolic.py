"""Systolic-array cost model, cycle-exact with SCALE-Sim v3 (CALC mode).

A layer is a GEMM per group: ``M = E*F`` output pixels, ``N`` filters and a
window ``Kw = R*S*C/groups``. The dataflow decides what the array's rows and
columns hold and which dimension streams through it in time (``T``):

=========  ==========  =============  ======
dataflow   rows hold   columns hold   T
=========  ==========  =============  ======
os         M           N              Kw
ws         Kw          N              M
is         Kw          M              N
=========  ==========  =============  ======

The GEMM runs as ``ceil(rows held / Ar) * ceil(cols held / Ac)`` folds. Every
fold pays fill and drain over the whole array, even when partly mapped:
``T + Ar + Ac - 2`` cycles for os and ``T + 2*Ar + Ac - 2`` for ws and is
(the stationary operand is loaded first). SCALE-Sim reports the index of the
last busy cycle, so a GEMM takes ``folds * per_fold - 1`` cycles, and a
grouped (depthwise) layer is ``groups`` such GEMMs.

Note: SCALE-Sim v3's os cost differs from the formula of the SCALE-Sim paper
(``2*Ar + Ac + T - 2``); the maintainers acknowledged it (scale-sim-v3 issue 4).
accelsim follows what v3 reports. Verified against SCALE-Sim v3 output for
MobileNet-V1 and ResNet-18 on 32x32 and random layers on non-square arrays
(``tests/data/``).

All functions take NumPy arrays as well as scalars, so sweeps can price many
layers and design points in one call.
"""
from __future__ import annotations

import numpy as np

from accelsim.map.array_mapping import held_dims

DATAFLOWS = ("os", "ws", "is")


def _ceil_div(a, b):
    return -(-np.asarray(a, dtype=np.int64) // np.asarray(b, dtype=np.int64))


def gemm_mapping(m, n, kw, dataflow: str):
    """(rows held, columns held, T) for a GEMM under ``dataflow``."""
    return held_dims(m, n, kw, dataflow)


def fold_counts(m, n, kw, rows, cols, dataflow: str):
    """(row folds, column folds, T) of one GEMM."""
    held_r, held_c, t = gemm_mapping(m, n, kw, dataflow)
    return _ceil_div(held_r, rows), _ceil_div(held_c, cols), np.asarray(t, dtype=np.int64)


def cycles_per_fold(t, rows, cols, dataflow: str):
    """Cycles one fold takes: stream ``T`` plus fill and drain of the whole array."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    fill = rows + cols - 2 if dataflow == "os" else 2 * rows + cols - 2
    return np.asarray(t, dtype=np.int64) + fill


def gemm_cycles(m, n, kw, rows, cols, dataflow: str, groups=1):
    """SCALE-Sim v3 ``Total Cycles`` of ``groups`` GEMMs of size (m, n, kw)."""
    fr, fc, t = fold_counts(m, n, kw, rows, cols, dataflow)
    return np.asarray(groups, dtype=np.int64) * (fr * fc * cycles_per_fold(t, rows, cols, dataflow) - 1)


def sram_accesses(m, n, kw, rows, cols, dataflow: str, groups=1):
    """(ifmap reads, filter reads, ofmap writes) in words, as SCALE-Sim counts them.

    Without SCALE-Sim's os quirk of adding ``rows + cols`` ofmap writes per fold.
    """
    fr, fc, _ = fold_counts(m, n, kw, rows, cols, dataflow)
    m, n, kw, g = (np.asarray(x, dtype=np.int64) for x in (m, n, kw, groups))
    if dataflow == "os":
        reads_i, reads_f, writes_o = m * kw * fc, n * kw * fr, m * n
    elif dataflow == "ws":
        reads_i, reads_f, writes_o = m * kw * fc, n * kw, m * n * fr
    else:
        reads_i, reads_f, writes_o = m * kw, n * kw * fc, m * n * fr
    return g * reads_i, g * reads_f, g * writes_o


def dram_traffic_parts(ifmap, weights, ofmap, folds_r, folds_c, dataflow: str, sram_i, sram_f, sram_o):
    """(ifmap reads, weight reads, partial-sum reads, ofmap writes) in bytes: :func:`dram_traffic` by operand.

    Partial-sum writes are part of the ofmap writes (they go where the output goes).
    """
    ifmap, weights, ofmap = (np.asarray(x, dtype=np.float64) for x in (ifmap, weights, ofmap))
    fits_i, fits_f, fits_o = ifmap <= sram_i, weights <= sram_f, ofmap <= sram_o
    if dataflow == "os":
        return ifmap, np.where(fits_f, weights, weights * folds_r), 0.0 * ofmap, ofmap
    spill = np.where(fits_o, 0.0, ofmap * (folds_r - 1))
    if dataflow == "ws":
        return np.where(fits_i, ifmap, ifmap * folds_c), weights, spill, ofmap + spill
    return ifmap, np.where(fits_f, weights, weights * folds_c), spill, ofmap + spill


def dram_traffic(ifmap, weights, ofmap, folds_r, folds_c, dataflow: str, sram_i, sram_f, sram_o):
    """(read bytes, write bytes) between DRAM and the three scratchpads.

    accelsim's own tiling model (SCALE-Sim's DRAM counts depend on its buffer
    replacement and are not reproduced): an operand that fits its scratchpad
    is fetched once; one that does not is fetched again for every fold of the
    loop around it. Partial sums that do not fit the ofmap scratchpad go to
    DRAM and back once per row fold (ws, is).
    """
    ri, rw, rp, writes = dram_traffic_parts(ifmap, weights, ofmap, folds_r, folds_c, dataflow, sram_i, sram_f, sram_o)
    reads = ri + rw if dataflow == "os" else (rw + ri if dataflow == "ws" else ri + rw) + rp
    return np.ceil(reads).astype(np.int64), np.ceil(writes).astype(np.int64)
