"""The fastest legal mapping of one GEMM layer onto a real chip's MAC array.

SCALE-Sim (``accelsim/cost/systolic.py``) runs every fold of a layer on the
whole array and pays the array's fill and drain once per fold and once per
group, so a depthwise layer of C channels on a 256x256 array pays C full
fills. Real NPUs (TPU-style weight double-buffering, NVDLA's atomic C x K
cube, Da Vinci's cube) pipeline their folds and place several groups on the
array at once. The mapper prices that, like ZigZag's and Timeloop's mappers:
it enumerates the legal mappings and keeps the fastest.

A mapping of a GEMM (``groups`` x (m x kw) by (kw x n)) under a dataflow is

- the dataflow (``os``, ``ws``, ``is``): which GEMM dimensions the array's rows
  and columns hold and which one streams in time (``T``), as in SCALE-Sim;
- ``groups_per_fold`` (p): groups placed side by side on the array's diagonal,
  each in its own block of rows and columns (a row only feeds the columns of
  its own group, so a depthwise channel never waits for another's fill);
- the tile (``tile_rows`` x ``tile_cols``) of one group's rows and columns
  held per fold, with ``p * tile_rows <= rows`` and ``p * tile_cols <= cols``.

Cycles: the folds run back to back, the next fold's stationary tile loading
(ws, is) or the last fold's outputs draining (os) behind the current fold's
stream (double-buffered PE registers), so every fold but the last takes
``max(T, used_rows)`` cycles; the pipeline fills and drains once per layer
(``used_rows + used_cols - 2``), after the first stationary load (``used_rows``
for ws and is)::

    folds  = ceil(groups / p) * ceil(held_rows / tile_rows) * ceil(held_cols / tile_cols)
    cycles = preload + (folds - 1) * max(T, used_rows) + T + used_rows + used_cols - 2

With one fold this is SCALE-Sim's per-fold count (plus the one cycle SCALE-Sim
leaves out), and SCALE-Sim's own mapping is a candidate, so the mapper is never
slower than SCALE-Sim by more than that cycle per group.

The tile sizes searched are the distinct values ``ceil(held / k)`` (the
balanced tiles of every fold count k) and the p values the distinct
``ceil(groups / k)``: sets that depend on the layer only, filtered by what the
array holds, so a bigger array always searches a superset of a smaller one's
mappings and is never slower. The objective is the layer's roofline time in
cycles (compute against DRAM transfer for the mapping's fold counts); among
equally fast mappings (a memory-bound layer, where many tilings hide under the
transfer) the one that spends least energy moving operands wins (DRAM bytes x
the DRAM's pJ/B + scratchpad accesses x the SRAM's pJ/B, when ``pj_per_byte``
is given), then fewer cycles, then fewer DRAM bytes. With a memory plan's
residency (inputs or output kept on chip), the candidates are the mappings
moving no more DRAM bytes than the layer's best mapping alone does (the
no-reuse schedule, always among them): keeping a tensor on chip removes
traffic, and the mapper may not spend the room on bigger tiles whose partial
sums spill (a few cycles for twice the bytes). All candidates of a layer are
priced in one vectorized NumPy expression (tens of microseconds per layer).
"""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

from accelsim.map.traffic import ORDERS, loop_order_traffic, resident_shares

I64 = np.int64
DATAFLOWS = ("os", "ws", "is")


def held_dims(m: int, n: int, kw: int, dataflow: str) -> tuple[int, int, int]:
    """(rows held, columns held, T) of one GEMM group under ``dataflow`` (SCALE-Sim's assignment)."""
    if dataflow == "os":
        return m, n, kw
    if dataflow == "ws":
        return kw, n, m
    if dataflow == "is":
        return kw, m, n
    raise ValueError(f"dataflow: got {dataflow!r}; allowed: os, ws, is")


def balanced_sizes(extent: int) -> np.ndarray:
    """Distinct ``ceil(extent / k)`` for k = 1..extent (the balanced tile of every fold count), ascending."""
    extent = max(1, int(extent))
    k = np.arange(1, extent + 1, dtype=I64)
    return np.unique(-(-extent // k))


@dataclass(frozen=True)
class ArrayMapping:
    """One layer's mapping onto the array and what it costs."""

    dataflow: str
    tile_rows: int           # one group's rows held per fold
    tile_cols: int           # one group's columns held per fold
    groups_per_fold: int     # groups side by side on the diagonal
    row_folds: int           # folds of the held rows, per group
    col_folds: int           # folds of the held columns, per group
    folds: int               # all folds of the layer
    stream: int              # T: cycles one fold streams
    cycles: int              # array cycles of the layer
    stays: str = "fold"      # loop order: which operand stays in its scratchpad (accelsim/map/traffic.py)

    @property
    def used_rows(self) -> int:
        return self.groups_per_fold * self.tile_rows

    @property
    def used_cols(self) -> int:
        return self.groups_per_fold * self.tile_cols

    def to_dict(self) -> dict:
        """The small record a LayerCost / JSON carries."""
        d = asdict(self)
        d["spatial"] = {"rows": list(_spatial(self.dataflow)[0]), "cols": list(_spatial(self.dataflow)[1])}
        return d


def _spatial(dataflow: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """GEMM dimensions on the array's rows and columns (G: groups on the diagonal)."""
    rows, cols, _ = {"os": ("M", "N", "Kw"), "ws": ("Kw", "N", "M"), "is": ("Kw", "M", "N")}[dataflow]
    return ("G", rows), ("G", cols)


def out_block_bytes(ofmap_bytes, m: int, n: int, groups: int, used_rows, used_cols, dataflow: str):
    """Bytes of the outputs one fold accumulates when the stream is cut to ``used_rows`` steps (ws: M-rows x
    N-columns; is: N-steps x M-columns); os holds its outputs in the PEs."""
    per_elem = float(ofmap_bytes) / max(1, groups * m * n)
    return np.asarray(used_rows, dtype=np.float64) * np.asarray(used_cols, dtype=np.float64) * per_elem


def sram_words(m: int, n: int, kw: int, groups: int, row_folds, col_folds, dataflow: str):
    """(ifmap reads, filter reads, ofmap writes) in scratchpad words of a mapping's fold counts (SCALE-Sim's
    counts, as :func:`accelsim.cost.systolic.sram_accesses`): the operand that is not held is re-read once per
    fold of the other dimension."""
    fr, fc = np.asarray(row_folds, dtype=np.float64), np.asarray(col_folds, dtype=np.float64)
    m, n, kw, g = float(m), float(n), float(kw), float(groups)
    if dataflow == "os":
        return g * m * kw * fc, g * n * kw * fr, g * m * n + 0 * fr
    if dataflow == "ws":
        return g * m * kw * fc, g * n * kw + 0 * fr, g * m * n * fr
    return g * m * kw + 0 * fr, g * n * kw * fc, g * m * n * fr


def mapping_cycles(folds, t, used_rows, used_cols, dataflow: str):
    """Array cycles of a layer run as ``folds`` pipelined folds (module docstring)."""
    folds, t, ur, uc = (np.asarray(x, dtype=I64) for x in (folds, t, used_rows, used_cols))
    preload = ur if dataflow in ("ws", "is") else 0
    return preload + (folds - 1) * np.maximum(t, ur) + t + ur + uc - 2


def best_mapping(m: int, n: int, kw: int, groups: int, rows: int, cols: int, dataflows=("ws",), **kw_args
                 ) -> ArrayMapping:
    """The fastest mapping of ``groups`` GEMMs (m x kw by kw x n) on a ``rows`` x ``cols`` array.

    Keyword arguments as :func:`search_mapping`; answers are memoized (networks repeat layer shapes).
    """
    key = tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in kw_args.items()))
    return _cached(int(m), int(n), int(kw), int(groups), int(rows), int(cols), tuple(dataflows), key)


@functools.lru_cache(maxsize=4096)
def _cached(m, n, kw, groups, rows, cols, dataflows, key) -> ArrayMapping:
    return search_mapping(m, n, kw, groups, rows, cols, dataflows, **dict(key))


def search_mapping(m: int, n: int, kw: int, groups: int, rows: int, cols: int, dataflows=("ws",), *,
                 stream_fraction: float = 1.0, compute_scale: float = 1.0, operand_bytes=None, capacities=None,
                 bytes_per_cycle: float | None = None, residency: tuple[float, bool] | None = None,
                 pj_per_byte: tuple[float, float] | None = None, word_bytes: tuple[float, float] = (1.0, 1.0),
                 stream_by_lanes=None) -> ArrayMapping:
    """The fastest mapping of ``groups`` GEMMs (m x kw by kw x n) on a ``rows`` x ``cols`` array.

    ``stream_fraction`` shortens each fold's stream (zero skipping);
    ``compute_scale`` turns array cycles into unit cycles (precision rate,
    efficiency). With ``operand_bytes`` (ifmap, weights, ofmap) and the
    scratchpad ``capacities`` (ifmap, filter, ofmap) each candidate takes its
    cheapest loop order's DRAM bytes (accelsim/map/traffic.py); with
    ``bytes_per_cycle`` (the DRAM rate) the objective is the roofline
    ``max(compute, transfer)``, else compute alone. ``residency`` is the memory
    plan's (share of input bytes on chip, output on chip) for the layer.
    ``pj_per_byte`` (DRAM, SRAM) breaks ties in time on the data-movement
    energy, with ``word_bytes`` (activation, weight) the bytes of a scratchpad
    word (SCALE-Sim's access counts, accelsim/cost/systolic.py).
    ``stream_by_lanes``: (dataflow, shares) pairs replacing ``stream_fraction``
    (a dataflow not listed skips nothing) by a share per lockstep lane count (zero skipping:
    shares[k - 1] when the mapping's fold walks k distinct filters, os: its used
    columns, or k window positions, is: its used rows), so a mapping on part
    of a bigger array skips as well as the smaller array does.
    """
    cap = None
    if residency is not None and operand_bytes is not None and resident_shares(residency) != (1.0, 1.0):
        # the plan only removes traffic: never a mapping that moves more DRAM bytes than the layer alone
        alone = search_mapping(m, n, kw, groups, rows, cols, dataflows, stream_fraction=stream_fraction,
                               compute_scale=compute_scale, operand_bytes=operand_bytes, capacities=capacities,
                               bytes_per_cycle=bytes_per_cycle, pj_per_byte=pj_per_byte, word_bytes=word_bytes,
                               stream_by_lanes=stream_by_lanes)
        cap = mapping_traffic(alone, m, n, groups, operand_bytes, capacities)
    best, best_key = None, None
    g = max(1, int(groups))
    p_all = balanced_sizes(g)
    for df in dataflows:
        hr, hc, t = held_dims(m, n, kw, df)
        p = p_all[(p_all <= rows) & (p_all <= cols)][:, None, None]
        tr = balanced_sizes(hr)[None, :, None]
        tc = balanced_sizes(hc)[None, None, :]
        legal = (p * tr <= rows) & (p * tc <= cols)
        p, tr, tc = (np.broadcast_to(x, legal.shape)[legal] for x in (p, tr, tc))
        fr, fc = -(-hr // tr), -(-hc // tc)
        folds = (-(-g // p)) * fr * fc
        shares = None if stream_by_lanes is None else dict(stream_by_lanes).get(df, (1.0,))
        if shares is not None:
            lanes = np.minimum(p * (tc if df == "os" else tr), len(shares))
            share = np.asarray(shares, dtype=np.float64)[lanes - 1]
        else:
            share = np.full(folds.shape, float(stream_fraction))
        t_kept = np.maximum(1, np.ceil(t * share)).astype(I64) if t else np.zeros(folds.shape, dtype=I64)
        cyc = mapping_cycles(folds, t_kept, p * tr, p * tc, df)
        compute = np.ceil(cyc * compute_scale)
        order = np.zeros(compute.shape, dtype=I64)
        traffic = np.zeros_like(compute)
        if operand_bytes is not None:
            block = out_block_bytes(operand_bytes[2], m, n, g, p * tr, p * tc, df)
            ri, rw, rp, wo, order = loop_order_traffic(*operand_bytes, fr, fc, df, *capacities, residency, block)
            traffic = ri + rw + rp + wo
        if cap is not None:
            ok = traffic <= cap * (1 + 1e-12)
            if not ok.any():
                continue
            p, tr, tc, fr, fc, folds, cyc, compute, order, traffic, t_kept = (
                x[ok] for x in (p, tr, tc, fr, fc, folds, cyc, compute, order, traffic, t_kept))
        objective = np.maximum(compute, traffic / bytes_per_cycle) if bytes_per_cycle else compute
        energy = np.zeros_like(compute)
        if pj_per_byte is not None:
            ri_w, rf_w, wo_w = sram_words(m, n, kw, g, fr, fc, df)
            sram_b = (ri_w + wo_w) * word_bytes[0] + rf_w * word_bytes[1]
            energy = traffic * pj_per_byte[0] + sram_b * pj_per_byte[1]
        i = int(np.lexsort((traffic, cyc, energy, objective))[0])
        key = (float(objective[i]), float(energy[i]), int(cyc[i]), float(traffic[i]))
        if best_key is None or key < best_key:
            best_key = key
            best = ArrayMapping(df, int(tr[i]), int(tc[i]), int(p[i]), int(fr[i]), int(fc[i]), int(folds[i]),
                                int(t_kept[i]), int(cyc[i]), ORDERS[int(order[i])])
    return best


def mapping_traffic(mapping: ArrayMapping, m: int, n: int, groups: int, operand_bytes, capacities,
                    residency: tuple[float, bool] | None = None) -> float:
    """DRAM bytes of ``mapping`` under its cheapest loop order (as :func:`search_mapping` prices it)."""
    block = out_block_bytes(operand_bytes[2], m, n, max(1, int(groups)), mapping.used_rows, mapping.used_cols,
                            mapping.dataflow)
    parts = loop_order_traffic(*operand_bytes, mapping.row_folds, mapping.col_folds, mapping.dataflow,
                               *capacities, residency, block)[:4]
    return float(sum(float(x) for x in parts))
