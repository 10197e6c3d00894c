"""DRAM traffic of one mapped layer under the best loop order: which operand stays in its scratchpad.

Three loop orders are priced and the cheapest kept (vectorized over mapping candidates):

- ``fold``: SCALE-Sim's order, accelsim's ``cost/systolic.dram_traffic``: an
  operand that does not fit is fetched again for every fold of the loop around it;
- ``weights``: the weights stay, one scratchpad-full block at a time; the input
  streams once per block (``ceil(weights / filter scratchpad)`` times);
- ``ifmap``: the input stays, one block at a time; the weights stream once per
  block (``ceil(ifmap / ifmap scratchpad)`` times).

Partial sums of a reduction split over row folds (ws, is) go to DRAM and back
once per extra fold only when the output does not fit its scratchpad, and,
when the mapper gives the bytes of one fold's output block, only if the
stationary operand (weights in ws, the input in is) does not fit its own
scratchpad either: otherwise the stream is cut into blocks whose partial sums
fit, and each block runs all its reduction folds with the stationary tiles
reloaded from the scratchpad (no extra cycles when a block streams at least as
long as a tile takes to load). An os array accumulates in its PEs and never
spills. Parts are
(ifmap reads, weight reads, partial-sum reads, ofmap writes) in bytes.
"""
from __future__ import annotations

import numpy as np

ORDERS = ("fold", "weights", "ifmap")


def _refetches(operand, capacity):
    """Blocks an operand of ``operand`` bytes splits into in ``capacity`` bytes (1 when it fits)."""
    cap = np.asarray(capacity, dtype=np.float64)
    return np.where(operand <= cap, 1.0, np.ceil(operand / np.maximum(cap, 1.0)))


def loop_order_traffic(ifmap, weights, ofmap, folds_r, folds_c, dataflow: str, cap_i, cap_f, cap_o,
                       residency: tuple[float, bool] | None = None, out_block_bytes=None):
    """(ifmap reads, weight reads, partial-sum reads, ofmap writes, order index) of the cheapest loop order.

    ``residency`` (share of the input bytes kept on chip, output kept on chip) from the memory plan
    (accelsim/map/memory_plan.py): resident inputs are read, refetches included, from the scratchpad, and a
    resident output takes its partial sums too. ``out_block_bytes``: one fold's output block (module docstring).
    """
    ifmap, weights, ofmap = (np.asarray(x, dtype=np.float64) for x in (ifmap, weights, ofmap))
    fr, fc = np.asarray(folds_r, dtype=np.float64), np.asarray(folds_c, dtype=np.float64)
    fits_i, fits_f, fits_o = ifmap <= cap_i, weights <= cap_f, ofmap <= cap_o
    kept = fits_o
    if out_block_bytes is not None and dataflow != "os":
        stationary_fits = fits_f if dataflow == "ws" else fits_i
        kept = kept | (stationary_fits & (np.asarray(out_block_bytes, dtype=np.float64) <= cap_o))
    spill = np.zeros_like(fr * ofmap) if dataflow == "os" else np.where(kept, 0.0, ofmap * (fr - 1))
    # fold: as cost/systolic.dram_traffic
    if dataflow == "os":
        fold_i, fold_w = ifmap + 0 * fr, np.where(fits_f, weights, weights * fr)
    elif dataflow == "ws":
        fold_i, fold_w = np.where(fits_i, ifmap, ifmap * fc), weights + 0 * fr
    else:
        fold_i, fold_w = ifmap + 0 * fr, np.where(fits_f, weights, weights * fc)
    stay_w_i, stay_w_w = ifmap * _refetches(weights, cap_f), weights + 0 * fr
    stay_i_i, stay_i_w = ifmap + 0 * fr, weights * _refetches(ifmap, cap_i)
    in_dram, out_dram = resident_shares(residency)
    cand_i = np.stack(np.broadcast_arrays(fold_i, stay_w_i, stay_i_i)) * in_dram
    cand_w = np.stack(np.broadcast_arrays(fold_w, stay_w_w, stay_i_w))
    order = np.argmin(cand_i + cand_w, axis=0)
    pick = order[None, ...]
    reads_i = np.take_along_axis(cand_i, pick, axis=0)[0]
    reads_w = np.take_along_axis(cand_w, pick, axis=0)[0]
    return reads_i, reads_w, (spill + 0 * reads_i) * out_dram, (ofmap + spill + 0 * reads_i) * out_dram, order


def resident_shares(residency: tuple[float, bool] | None) -> tuple[float, float]:
    """(share of the input bytes that come from DRAM, 1.0 if the output goes to DRAM else 0.0)."""
    if residency is None:
        return 1.0, 1.0
    share, out = residency
    return 1.0 - float(share), 0.0 if out else 1.0
