"""Cycles a systolic PE array spends on a convolution, measured on the actual operands.

The layer is the same GEMM per group as in :mod:`accelsim.cost.systolic` (M = E*F output
pixels, N filters per group, Kw = R*S*C/groups, patch order (r, s, c)). A PE consumes
``elems_per_step`` reduction elements per cycle (``lane_bits`` / bits of the mode), so the
array works on the GEMM with ``K' = ceil(Kw / elems_per_step)`` steps. Dataflows map it as
SCALE-Sim does: rows hold M (os) or K' (ws, is), columns N (os, ws) or M (is), and the
streamed dimension T is K' (os), M (ws) or N (is). A fold takes ``T_fold + fill`` cycles
(fill = rows + cols - 2 for os, 2*rows + cols - 2 for ws and is) and a group's GEMM the sum
over its folds minus one, as SCALE-Sim v3 reports.

Zero skipping (``pe.zero_skip = G``): every PE walks its own T steps (os: PE (m, n) walks k';
ws: PE (k', n) walks m; is: PE (k', m) walks n). A step is ineffectual when the PE's product
is zero for a zero operand the array detects (``pe.skip_operands``: weights, activations or
both; for multi-element steps, when all its products are). Steps are grouped in blocks of G
consecutive steps; a PE skips a block only when all its steps are ineffectual, so its work
is the number of steps in its unskipped blocks. The PEs of a fold run in lockstep, so the
fold streams ``T_fold = max over its PEs of their work`` (a fold with no work still pays
fill and drain). Hence dense data gives exactly :func:`accelsim.cost.systolic.gemm_cycles`,
skipping never costs more than dense, and the same sparsity costs less when spread evenly
over the PEs of each fold than when clustered on a few of them.

Busy PE-cycles are executed (unskipped) steps; PE-cycles are rows * cols times the folds'
whole span (``cycles`` plus the one cycle per GEMM that SCALE-Sim's last-cycle index leaves
out), and idle PE-cycles the rest (fill and drain, unmapped PEs, waiting for the slowest PE);
skipped operations are the steps not executed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numba import njit, prange

from accelsim.cost.systolic import fold_counts

ALL_BITS = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class CycleStats:
    """What the PE array spent on one convolution (summed over groups and batch images)."""

    cycles: int
    dense_cycles: int          # the same array without zero skipping (= analytical model)
    pe_cycles: int             # rows * cols * span of the folds (cycles + 1 per GEMM)
    busy_pe_cycles: int        # PE steps executed
    idle_pe_cycles: int        # pe_cycles - busy_pe_cycles
    skipped_ops: int           # PE steps skipped (each covers elems_per_step MACs)
    dense_ops: int             # PE steps of the dense GEMM: groups * M * N * K' per image
    folds: int
    elems_per_step: int
    rows: int
    cols: int
    dataflow: str
    zero_skip: int | None
    skip_operands: str
    structured: bool = False   # N:M compressed weights were read (the layer conformed)
    nm_violations: int = 0     # groups of m channels with more than n nonzero weights
    bit_serial: str | None = None   # stripes / pragmatic: ops and dense counts are PE bit-cycles

    @property
    def utilization(self) -> float:
        return self.busy_pe_cycles / self.pe_cycles if self.pe_cycles else 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["utilization"] = self.utilization
        return d


@njit(cache=True, parallel=True)
def step_masks(patches, kw, per_step):
    """(rows, ceil(kw/per_step)) uint64: bit j of step t set where element t*per_step+j != 0."""
    rows = patches.shape[0]
    steps = (kw + per_step - 1) // per_step
    out = np.zeros((rows, steps), np.uint64)
    for i in prange(rows):
        for j in range(kw):
            if patches[i, j] != 0:
                out[i, j // per_step] |= np.uint64(1) << np.uint64(j % per_step)
    return out


@njit(cache=True, inline="always")
def _block_work(stream, a, other, gran, n_t):
    """Steps of ``stream[a, :] & other`` in blocks of ``gran`` that hold a nonzero step."""
    work = 0
    if gran == 1:  # branch-free count, so it vectorises
        row = stream[a]
        for u in range(n_t):
            work += np.int64((row[u] & other[u]) != 0)
        return work
    t = 0
    while t < n_t:
        end = min(t + gran, n_t)
        for u in range(t, end):
            if stream[a, u] & other[u] != 0:
                work += end - t
                break
        t = end
    return work


@njit(cache=True, parallel=True)
def work_two_streams(s, p, use_s, use_p, gran, n_a, n_b, n_t):
    """os: PE (a, b) walks t with steps s[a, t] & p[b, t] (an unused operand counts as all ones)."""
    out = np.zeros((n_a, n_b), np.int64)
    ones = np.full(n_t, ALL_BITS)
    for a in prange(n_a):
        for b in range(n_b):
            if use_s:
                out[a, b] = _block_work(s, a, p[b] if use_p else ones, gran, n_t)
            else:
                out[a, b] = _block_work(p, b, ones, gran, n_t)
    return out


@njit(cache=True, parallel=True)
def work_stream_const(s, c, use_s, use_c, gran, n_a, n_b, n_t):
    """ws / is: PE (a, b) holds c[a, b] and walks t with steps s[a, t] & c[a, b].

    PEs of a row with the same stationary value do the same work, computed once.
    """
    out = np.zeros((n_a, n_b), np.int64)
    for a in prange(n_a):
        last, last_work = ALL_BITS, -1
        other = np.empty(n_t, np.uint64)
        for b in range(n_b):
            cv = c[a, b] if use_c else ALL_BITS
            if cv == 0:
                continue
            if not use_s:
                out[a, b] = n_t
                continue
            if cv != last or last_work < 0:
                other[:] = cv
                last, last_work = cv, _block_work(s, a, other, gran, n_t)
            out[a, b] = last_work
    return out


def _fold_max(work: np.ndarray, axis: int, size: int, tile: int, varies: bool) -> np.ndarray:
    """Max of ``work`` over each fold of ``tile`` indices along ``axis`` (size ``size``)."""
    if not varies:
        return work  # one value for every index: broadcasts over the folds
    return np.maximum.reduceat(work, np.arange(0, size, tile), axis=axis)


def gemm_stream(xm: np.ndarray | None, wm: np.ndarray | None, m: int, n: int, kp: int, rows: int, cols: int,
                dataflow: str, zero_skip: int | None, use_x: bool, use_w: bool) -> tuple[int, int, int]:
    """(cycles, busy PE steps, folds) of one group's GEMM with K' = ``kp`` steps.

    ``xm`` (M, K') and ``wm`` (N, K') are step masks; they are only read with zero skipping.
    """
    fr, fc, t = (int(v) for v in fold_counts(m, n, kp, rows, cols, dataflow))
    held_r, held_c = {"os": (m, n), "ws": (kp, n), "is": (kp, m)}[dataflow]
    fill = rows + cols - 2 if dataflow == "os" else 2 * rows + cols - 2
    folds = fr * fc
    if zero_skip is None or not (use_x or use_w):
        return folds * (t + fill) - 1, m * n * kp, folds
    dep_a = {"os": use_x, "ws": True, "is": True}[dataflow]
    dep_b = {"os": use_w, "ws": use_w, "is": use_x}[dataflow]
    n_a, n_b = (held_r if dep_a else 1), (held_c if dep_b else 1)
    dummy = np.zeros((1, 1), np.uint64)
    gran = int(zero_skip)
    if dataflow == "os":  # PE (m, n) walks k': both operands stream
        work = work_two_streams(xm if use_x else dummy, wm if use_w else dummy, use_x, use_w, gran, n_a, n_b, t)
    elif dataflow == "ws":  # PE (k', n) holds w[n, k'] and walks m
        s_t = np.ascontiguousarray(xm.T) if use_x else dummy
        c_t = np.ascontiguousarray(wm.T) if use_w else dummy
        work = work_stream_const(s_t, c_t, use_x, use_w, gran, n_a, n_b, t)
    else:  # is: PE (k', m) holds x[m, k'] and walks n
        s_t = np.ascontiguousarray(wm.T) if use_w else dummy
        c_t = np.ascontiguousarray(xm.T) if use_x else dummy
        work = work_stream_const(s_t, c_t, use_w, use_x, gran, n_a, n_b, t)
    busy = int(work.sum()) * (1 if dep_a else held_r) * (1 if dep_b else held_c)
    fold_t = _fold_max(_fold_max(work, 0, held_r, rows, dep_a), 1, held_c, cols, dep_b)
    per_fold = np.maximum(np.broadcast_to(fold_t, (fr, fc)) + fill, 1)  # a fold takes at least a cycle
    return int(per_fold.sum()) - 1, busy, folds


def nm_compact(rows: np.ndarray, taps: int, cg: int, n: int, m: int) -> tuple[np.ndarray, int]:
    """N:M compression of filter rows (K, taps*cg) in (tap, channel) order.

    Channels of each tap are split in groups of ``m`` (the last zero-padded); each group keeps
    its nonzero values in order, padded with zeros to ``n`` slots. Returns the compressed rows
    (K, taps * ceil(cg/m) * n) and the number of groups holding more than ``n`` nonzeros (the
    layer does not conform when it is not 0; its rows are then compressed lossily, don't use them).
    """
    k = rows.shape[0]
    groups = -(-cg // m)
    padded = np.zeros((k, taps, groups * m), rows.dtype)
    padded[:, :, :cg] = rows.reshape(k, taps, cg)
    grouped = padded.reshape(k, taps, groups, m)
    nonzero = grouped != 0
    violations = int((nonzero.sum(axis=-1) > n).sum())
    order = np.argsort(~nonzero, axis=-1, kind="stable")[..., :n]      # nonzeros first, in order
    kept = np.take_along_axis(grouped, order, axis=-1)
    return np.ascontiguousarray(kept.reshape(k, taps * groups * n)), violations


def dense_stats(m: int, n: int, kw: int, groups: int, images: int, pe, mode: str) -> CycleStats:
    """Statistics of the dense GEMMs (no data needed)."""
    return measure_stats(None, None, m, n, kw, groups, images, pe, mode)


def measure_stats(x_masks, w_masks, m: int, n: int, kw: int, groups: int, images: int, pe, mode: str) -> CycleStats:
    """Cycle statistics from step masks: ``x_masks[image][group]`` (M, K'), ``w_masks[group]`` (N, K').

    Masks may be None when the array does not skip zeros (or not that operand's).
    """
    per = pe.elems_per_step(mode)
    kp = -(-kw // per)
    use_x = pe.zero_skip is not None and pe.skip_operands in ("activations", "both")
    use_w = pe.zero_skip is not None and pe.skip_operands in ("weights", "both")
    cycles = dense = busy = folds = 0
    for img in range(images):
        for g in range(groups):
            xm = x_masks[img][g] if use_x else None
            wm = w_masks[g] if use_w else None
            c, b, f = gemm_stream(xm, wm, m, n, kp, pe.rows, pe.cols, pe.dataflow, pe.zero_skip, use_x, use_w)
            d, _, _ = gemm_stream(None, None, m, n, kp, pe.rows, pe.cols, pe.dataflow, None, False, False)
            cycles, dense, busy, folds = cycles + c, dense + d, busy + b, folds + f
    dense_ops = images * groups * m * n * kp
    pe_cycles = (cycles + images * groups) * pe.rows * pe.cols  # the folds' full span (see module doc)
    return CycleStats(cycles=cycles, dense_cycles=dense, pe_cycles=pe_cycles, busy_pe_cycles=busy,
                      idle_pe_cycles=pe_cycles - busy, skipped_ops=dense_ops - busy, dense_ops=dense_ops,
                      folds=folds, elems_per_step=per, rows=pe.rows, cols=pe.cols, dataflow=pe.dataflow,
                      zero_skip=pe.zero_skip, skip_operands=pe.skip_operands)
