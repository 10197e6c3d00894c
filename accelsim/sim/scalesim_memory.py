"""SCALE-Sim v3's memory system in USER bandwidth mode (weight-stationary arrays), at scratchpad-set granularity.

SCALE-Sim gives the ifmap, filter and ofmap scratchpads each their own DRAM
interface of ``bandwidth`` words per cycle, and stalls the array, cycle by
cycle, by the largest of the three delays. A read scratchpad (``read_buffer``)
works like this, and this module follows it step by step:

- It is split into an active half and a prefetch half (``active_buf_frac``
  0.5) and holds its operand as *sets* of ``ceil(words / 100)`` consecutive
  elements of a fetch order fixed per dataflow: for ws the ifmap's row folds
  stacked and read along anti-diagonals (the array's skew), the filter's
  column folds one after the other.
- The active window covers ``A`` sets of that order, cyclically. A demanded
  element outside it rotates the window forward by the prefetch half's ``P``
  sets and issues one prefetch of ``ceil(prefetch words / bandwidth)`` lines,
  one line a cycle, chained after the previous prefetch; the demand waits for
  it (SCALE-Sim charges a positive wait twice and credits a negative one, as
  its source does). Rotations repeat until the element is in the window, so a
  fold that straddles the window's edge costs a whole trip around the operand:
  that is SCALE-Sim's refetch behaviour, and where its DRAM reads come from.
- Every prefetch counts whole lines (``lines x bandwidth`` words) as DRAM reads;
  the first fills the active half before the first request.

The ofmap scratchpad (``write_buffer``) drains its older half to DRAM, one line
a cycle, once it is more than half full, and stalls the array only when it is
full while a drain is in flight; what is left after the last cycle drains
uncounted, as in SCALE-Sim.

Depthwise ("DP") layers are C single-channel convolutions SCALE-Sim runs one by
one, each on fresh scratchpads.

Checked per layer against SCALE-Sim v3 on MobileNet-V1, 32x32 ws, 10 words per
cycle (``tests/sim/test_scalesim_memory.py``): compute cycles and ifmap / filter
DRAM reads exact on all 27 layers, stall cycles within 0.05 % (pw12 and pw13
exact), ofmap DRAM writes within 30 words, whole network 9,551,530 cycles
against SCALE-Sim's 9,551,488. ``accelsim.simulate`` uses it on the analytical
fidelity for a SCALE-Sim .cfg in USER mode with a SCALE-Sim topology and ws
(``run_scalesim_user``); the os and is dataflows and the event fidelity keep
accelsim's own memory model.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np

from accelsim.errors import AccelsimError

SETS_PER_SCRATCHPAD = 100        # read_buffer: a scratchpad holds 100 sets by default
ACTIVE_FRACTION = 0.5            # single_layer_sim: double-buffered halves


class NotModelled(AccelsimError):
    """The layer or configuration is outside what this model reproduces."""


@dataclass(frozen=True)
class ScaleSimMemory:
    """A SCALE-Sim USER-mode configuration: array, scratchpad sizes (words) and per-interface bandwidth."""

    rows: int
    cols: int
    ifmap_words: int
    filter_words: int
    ofmap_words: int
    bandwidth: int               # words per cycle, each of the ifmap, filter and ofmap interfaces
    dataflow: str = "ws"


@dataclass(frozen=True)
class LayerMemory:
    """One layer as SCALE-Sim's USER mode reports it (cycles and word counts)."""

    name: str
    compute_cycles: int
    stall_cycles: int
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int
    ifmap_dram_reads: int
    filter_dram_reads: int
    ofmap_dram_writes: int
    macs: int
    mapping_efficiency: float    # mapped PEs / all PEs, averaged over folds
    compute_utilization: float   # MACs / (PEs x compute cycles)
    ifmap_dram_cycles: tuple[int, int] = (0, 0)    # first and last cycle of the interface's DRAM traffic
    filter_dram_cycles: tuple[int, int] = (0, 0)
    ofmap_dram_cycles: tuple[int, int] = (0, 0)

    @property
    def total_cycles(self) -> int:
        return self.compute_cycles + self.stall_cycles

    def to_dict(self) -> dict:
        return {**asdict(self), "total_cycles": self.total_cycles}


@dataclass(frozen=True)
class _Window:
    """A read scratchpad's geometry over one operand."""

    n_sets: int
    active_sets: int
    prefetch_sets: int
    first_lines: int             # lines of the initial fill
    prefetch_lines: int          # lines of every later prefetch
    elems_per_set: int


def _window(scratchpad_words: int, valid_elems: int, fetch_words: int, bandwidth: int) -> _Window:
    eps = math.ceil(scratchpad_words / SETS_PER_SCRATCHPAD)
    active = math.ceil(scratchpad_words * ACTIVE_FRACTION)
    prefetch = scratchpad_words - active
    n_sets = valid_elems // eps + 1              # the last, partial set is a set too
    a = min(math.ceil(active / eps), n_sets)
    p = min(n_sets - a, math.ceil(prefetch / eps))
    return _Window(n_sets, a, p, min(math.ceil(active / bandwidth), math.ceil(fetch_words / bandwidth)),
                   math.ceil(prefetch / bandwidth), eps)


def _ifmap_candidates(addr: np.ndarray, valid: np.ndarray, eps: int, unique: bool
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fetch-order sets per element: (element -> address id, CSR offsets, set ids) for duplicate addresses.

    ``addr`` is the ws ifmap prefetch matrix (row folds stacked, -1 where a fold is partial); its fetch
    order runs along anti-diagonals, each from its bottom row up.
    """
    n_rows, n_cols = addr.shape
    r, c = np.divmod(np.arange(n_rows * n_cols), n_cols)
    order = np.lexsort((-r, r + c))
    flat_valid = valid.ravel()
    rank = np.full(n_rows * n_cols, -1, dtype=np.int64)
    rank[order] = np.cumsum(flat_valid[order]) - 1
    set_id = np.where(flat_valid, rank // eps, -1)
    ids = np.full(n_rows * n_cols, -1, dtype=np.int64)
    if unique:          # each address once: its own set is its only candidate
        n_valid = int(flat_valid.sum())
        ids[flat_valid] = np.arange(n_valid)
        return (ids.reshape(n_rows, n_cols), np.arange(n_valid + 1, dtype=np.int64),
                set_id[flat_valid].astype(np.int64))
    uniq, inverse = np.unique(addr.ravel()[flat_valid], return_inverse=True)
    ids[flat_valid] = inverse
    by_addr = np.argsort(inverse, kind="stable")
    sets = set_id[flat_valid][by_addr]
    counts = np.bincount(inverse, minlength=len(uniq))
    offsets = np.concatenate(([0], np.cumsum(counts)))
    return ids.reshape(n_rows, n_cols), offsets.astype(np.int64), sets.astype(np.int64)


def _ifmap_addresses(h: int, w: int, r: int, s: int, c: int, stride: int) -> np.ndarray:
    """SCALE-Sim's ifmap operand matrix: for each output pixel, the addresses of its R x S x C window."""
    e, f = (h - r + stride) // stride, (w - s + stride) // stride
    pix = np.arange(e * f)
    orow, ocol = np.divmod(pix, f)
    base = (orow * stride * w + ocol * stride) * c
    j = np.arange(r * s * c)
    wr, rem = np.divmod(j, s * c)
    wc, ch = np.divmod(rem, c)
    return base[:, None] + ((wr * w + wc) * c + ch)[None, :]


def simulate_conv(name: str, h: int, w: int, r: int, s: int, c: int, k: int, stride: int,
                  mem: ScaleSimMemory) -> LayerMemory:
    """One (non-depthwise) convolution of a SCALE-Sim topology, ws, USER bandwidth (cached per shape)."""
    return replace(_simulate_conv(h, w, r, s, c, k, stride, mem), name=name)


@lru_cache(maxsize=256)
def _simulate_conv(h: int, w: int, r: int, s: int, c: int, k: int, stride: int, mem: ScaleSimMemory
                   ) -> LayerMemory:
    if mem.dataflow != "ws":
        raise NotModelled(f"SCALE-Sim USER-mode memory: dataflow {mem.dataflow!r} is not modelled; "
                          "ws is (use the analytical or event fidelity for os and is)")
    ar, ac, bw = mem.rows, mem.cols, mem.bandwidth
    ifmap = _ifmap_addresses(h, w, r, s, c, stride)
    m_pix, kw = ifmap.shape
    rf, cf = math.ceil(kw / ar), math.ceil(k / ac)
    # ifmap prefetch matrix: row folds stacked, padded with -1 columns
    pre = np.full((m_pix * rf, ar), -1, dtype=np.int64)
    for fr in range(rf):
        cols = min(ar, kw - fr * ar)
        pre[fr * m_pix:(fr + 1) * m_pix, :cols] = ifmap[:, fr * ar:fr * ar + cols]
    valid = pre >= 0
    iw = _window(mem.ifmap_words, int(valid.sum()), pre.size, bw)
    ids, cand_off, cand_sets = _ifmap_candidates(pre, valid, iw.elems_per_set, unique=(r, s) == (1, 1))
    vcols = [min(ac, k - f * ac) for f in range(cf)]
    fbase = np.concatenate(([0], np.cumsum([kw * v for v in vcols]))).astype(np.int64)
    fw = _window(mem.filter_words, kw * k, kw * ac * cf, bw)
    from accelsim.sim.scalesim_kernels import simulate_ws    # Numba: compiled (or loaded) on first use

    o_drain = mem.ofmap_words - math.ceil(mem.ofmap_words * ACTIVE_FRACTION)
    rows, stall, i_pref, f_pref, o_writes, i_stop, f_stop, o_start, o_stop = simulate_ws(
        m_pix, ar, ac, kw, k, ids, cand_off, cand_sets,
        np.array([iw.n_sets, iw.active_sets, iw.prefetch_sets, iw.prefetch_lines], dtype=np.int64),
        fbase, fw.elems_per_set,
        np.array([fw.n_sets, fw.active_sets, fw.prefetch_sets, fw.prefetch_lines], dtype=np.int64),
        np.array([mem.ofmap_words, o_drain, bw], dtype=np.int64))
    mapped = [min(ar, kw - fr * ar) * vcols[fc] for fc in range(cf) for fr in range(rf)]
    macs = m_pix * kw * k
    return LayerMemory(
        name="", compute_cycles=int(rows - 1), stall_cycles=int(stall),
        ifmap_sram_reads=m_pix * kw * cf, filter_sram_reads=kw * k, ofmap_sram_writes=m_pix * k * rf,
        ifmap_dram_reads=(iw.first_lines + int(i_pref) * iw.prefetch_lines) * bw,
        filter_dram_reads=(fw.first_lines + int(f_pref) * fw.prefetch_lines) * bw,
        ofmap_dram_writes=int(o_writes), macs=macs,
        ifmap_dram_cycles=(-iw.first_lines, int(i_stop)), filter_dram_cycles=(-fw.first_lines, int(f_stop)),
        ofmap_dram_cycles=(int(o_start), int(o_stop)),
        mapping_efficiency=sum(mapped) / (len(mapped) * ar * ac),
        compute_utilization=macs / (ar * ac * rows))


def memory_of_profile(profile) -> ScaleSimMemory:
    """The USER-mode memory system of a profile loaded from a SCALE-Sim .cfg (one systolic unit, SRAM, DRAM)."""
    unit = profile.unit()
    if unit.array is None or unit.sram is None:
        raise NotModelled(f"profile {profile.name!r}: SCALE-Sim's memory model needs a systolic unit with "
                          "ifmap / filter / ofmap scratchpads (a SCALE-Sim .cfg)")
    bw = profile.dram.bandwidth_gbps
    if bw is None or profile.dram.unlimited:
        raise NotModelled(f"profile {profile.name!r}: InterfaceBandwidth CALC has no DRAM limit; "
                          "SCALE-Sim's memory model applies to USER bandwidth")
    words_per_cycle = bw / unit.clock_ghz          # a SCALE-Sim word is one byte
    if words_per_cycle != int(words_per_cycle) or words_per_cycle < 1:
        raise NotModelled(f"profile {profile.name!r}: DRAM bandwidth {words_per_cycle:g} words/cycle; "
                          "SCALE-Sim takes a whole number of words per cycle")
    return ScaleSimMemory(unit.array.rows, unit.array.cols, unit.sram.ifmap_bytes, unit.sram.filter_bytes,
                          unit.sram.ofmap_bytes, int(words_per_cycle), unit.array.dataflow)


def _stride(value) -> int:
    if isinstance(value, (tuple, list)):
        if len(set(value)) != 1:
            raise NotModelled(f"stride {tuple(value)}: SCALE-Sim takes one stride for both axes")
        return int(value[0])
    return int(value)


def simulate_topology(workload, mem: ScaleSimMemory) -> list[LayerMemory]:
    """Every layer of a SCALE-Sim topology (``load_workload('x.csv')``) through SCALE-Sim's USER-mode memory.

    A depthwise ("DP") row is its C single-channel convolutions, one after the other, each on fresh
    scratchpads, as SCALE-Sim runs them.
    """
    from accelsim.workload.layers import Conv2d

    out = []
    for info in workload:
        layer = info.layer
        if not isinstance(layer, Conv2d) or len(layer.inputs) != 1 or layer.inputs[0] not in workload.inputs:
            raise NotModelled(f"layer {info.name!r}: SCALE-Sim's memory model takes SCALE-Sim topology rows "
                              "(one convolution on its own input)")
        c, h, w = workload.inputs[layer.inputs[0]]
        r, s = layer.kernel if isinstance(layer.kernel, (tuple, list)) else (layer.kernel, layer.kernel)
        stride = _stride(layer.stride)
        if layer.groups == 1:
            out.append(simulate_conv(info.name, h, w, r, s, c, layer.out_channels, stride, mem))
            continue
        if layer.groups != c:
            raise NotModelled(f"layer {info.name!r}: groups {layer.groups}; SCALE-Sim runs depthwise rows only")
        one = simulate_conv(info.name, h, w, r, s, 1, layer.out_channels // c, stride, mem)
        out.append(LayerMemory(
            name=info.name, compute_cycles=one.compute_cycles * c, stall_cycles=one.stall_cycles * c,
            ifmap_sram_reads=one.ifmap_sram_reads * c, filter_sram_reads=one.filter_sram_reads * c,
            ofmap_sram_writes=one.ofmap_sram_writes * c, ifmap_dram_reads=one.ifmap_dram_reads * c,
            filter_dram_reads=one.filter_dram_reads * c, ofmap_dram_writes=one.ofmap_dram_writes * c,
            macs=one.macs * c, mapping_efficiency=one.mapping_efficiency,
            compute_utilization=one.compute_utilization, ifmap_dram_cycles=one.ifmap_dram_cycles,
            filter_dram_cycles=one.filter_dram_cycles, ofmap_dram_cycles=one.ofmap_dram_cycles))
    return out


SCALESIM_SOURCE_ID = "scalesim_cfg"      # the source every profile loaded from a SCALE-Sim .cfg cites


def from_scalesim_cfg(profile) -> bool:
    """Whether ``profile`` was loaded from a SCALE-Sim .cfg (it cites the .cfg as its source)."""
    return any(s.id == SCALESIM_SOURCE_ID for s in profile.sources)


def applies(profile, unit, dataflow: str | None = None) -> bool:
    """Whether ``profile`` is a SCALE-Sim .cfg in USER bandwidth mode whose unit runs ws (this model's domain)."""
    return (from_scalesim_cfg(profile) and unit.array is not None
            and unit.sram is not None and (dataflow or unit.array.dataflow) == "ws"
            and profile.dram.bandwidth_gbps is not None and not profile.dram.unlimited)


def run_scalesim_user(costs, workload, unit, profile, dataflow: str | None = None):
    """Per-layer results of a SCALE-Sim topology on a USER-mode .cfg profile, with SCALE-Sim's stalls.

    Returns None (the caller uses its own memory model) when the run is outside this model: not a
    SCALE-Sim USER-mode ws profile, not a SCALE-Sim topology, or compute cycles that differ from the
    cost model's (a changed array or precision).
    """
    from accelsim.sim.analytical import layer_result

    if not applies(profile, unit, dataflow):
        return None
    try:
        mem = replace(memory_of_profile(profile), dataflow=dataflow or unit.array.dataflow)
        layers = simulate_topology(workload, mem)
    except NotModelled:
        return None
    if [lm.compute_cycles for lm in layers] != [c.compute_cycles for c in costs]:
        return None
    return [layer_result(c, unit, profile, lm.total_cycles) for c, lm in zip(costs, layers)]
