"""Price one workload on many design points of a systolic unit in one vectorized call.

``evaluate_batch(table, design)`` computes, for all layers x all points at
once, exactly what ``accelsim.simulate(..., fidelity="analytical")`` computes
one point at a time (``cost/systolic_unit.py`` + ``sim/analytical.py``): the
same integer cycle counts and the same floating-point operations in the same
order, so totals agree to the last bit (tests/dse/test_batch.py). Sweeps use
it to evaluate hundreds of thousands of design points per minute.

``LayerTable`` holds the workload's per-layer numbers (L layers) and
``DesignArrays`` every number of the unit and DRAM the model reads, one
entry per design point (P points); results are arrays of P.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.cost.gemm import gemm_of
from accelsim.cost.systolic import dram_traffic, fold_counts, gemm_cycles, sram_accesses
from accelsim.dse.area import area_mm2, pe_count, sram_bytes
from accelsim.hardware.schema import Profile
from accelsim.workload.graph import Workload

I64 = np.int64
F64 = np.float64


@dataclass(frozen=True)
class LayerTable:
    """Per-layer numbers of a workload that the systolic cost model reads (arrays of L)."""

    names: tuple[str, ...]
    precisions: tuple[str, ...]
    is_gemm: np.ndarray
    is_view: np.ndarray          # reshape / slice: relabels memory, no traffic
    groups: np.ndarray
    m: np.ndarray
    n: np.ndarray
    kw: np.ndarray
    macs: np.ndarray
    elem_ops: np.ndarray
    ifmap_b: np.ndarray
    ofmap_b: np.ndarray
    weights_b: np.ndarray
    bpe: np.ndarray

    @classmethod
    def from_workload(cls, wl: Workload) -> "LayerTable":
        gemms = [gemm_of(info) for info in wl]
        bpe = np.array([info.bytes_per_elem for info in wl], dtype=F64)
        return cls(
            names=tuple(info.name for info in wl), precisions=tuple(info.precision for info in wl),
            is_gemm=np.array([g is not None for g in gemms]),
            is_view=np.array([bool(getattr(info.layer, "is_view", False)) for info in wl]),
            groups=np.array([g.groups if g else 0 for g in gemms], dtype=I64),
            m=np.array([g.m if g else 0 for g in gemms], dtype=I64),
            n=np.array([g.n if g else 0 for g in gemms], dtype=I64),
            kw=np.array([g.kw if g else 0 for g in gemms], dtype=I64),
            macs=np.array([info.macs for info in wl], dtype=I64),
            elem_ops=np.array([info.elem_ops for info in wl], dtype=I64),
            # the same products as cost_systolic (elements x bytes per element), in float
            ifmap_b=np.array([info.ifmap_elems * info.bytes_per_elem for info in wl], dtype=F64),
            ofmap_b=np.array([info.ofmap_elems * info.bytes_per_elem for info in wl], dtype=F64),
            weights_b=np.array([info.params * info.bytes_per_elem for info in wl], dtype=F64),
            bpe=bpe)

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class DesignArrays:
    """Every number of one systolic unit and the DRAM the analytical model reads, per design point."""

    rows: np.ndarray
    cols: np.ndarray
    dataflow: np.ndarray                 # 'os' / 'ws' / 'is' per point
    clock_ghz: np.ndarray
    non_mac_lanes: np.ndarray
    static_power_mw: np.ndarray
    macs_per_cycle: dict[str, np.ndarray]
    energy_pj_per_mac: dict[str, np.ndarray]
    has_sram: bool
    sram_ifmap_bytes: np.ndarray
    sram_filter_bytes: np.ndarray
    sram_ofmap_bytes: np.ndarray
    sram_pj_per_byte: np.ndarray
    double_buffered: np.ndarray
    dram_unlimited: np.ndarray
    dram_bandwidth_gbps: np.ndarray      # inf where unlimited
    dram_latency_ns: np.ndarray
    dram_pj_per_byte: np.ndarray
    pe_total: np.ndarray                 # whole profile, for the area proxy
    sram_total_bytes: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def from_profiles(cls, profiles: list[Profile], unit: str | None = None) -> "DesignArrays":
        """Arrays from whole profiles (one per point); every profile must have the unit, with an array."""
        units = [p.unit(unit) for p in profiles]
        precs = sorted(set().union(*(u.precisions for u in units)))

        def col(values, dtype):
            return np.array(list(values), dtype=dtype)

        has_sram = units[0].sram is not None
        if any((u.sram is not None) != has_sram for u in units):
            raise ValueError("all design points must have a scratchpad, or none")
        sram = [u.sram for u in units]
        return cls(
            rows=col((u.array.rows for u in units), I64), cols=col((u.array.cols for u in units), I64),
            dataflow=col((u.array.dataflow for u in units), object),
            clock_ghz=col((u.clock_ghz for u in units), F64),
            non_mac_lanes=col((u.non_mac_lanes for u in units), I64),
            static_power_mw=col((u.static_power_mw for u in units), F64),
            macs_per_cycle={p: col((u.precisions[p].macs_per_cycle if p in u.precisions else np.nan
                                    for u in units), F64) for p in precs},
            energy_pj_per_mac={p: col((u.precisions[p].energy_pj_per_mac if p in u.precisions else np.nan
                                       for u in units), F64) for p in precs},
            has_sram=has_sram,
            sram_ifmap_bytes=col((s.ifmap_bytes if s else 0 for s in sram), I64),
            sram_filter_bytes=col((s.filter_bytes if s else 0 for s in sram), I64),
            sram_ofmap_bytes=col((s.ofmap_bytes if s else 0 for s in sram), I64),
            sram_pj_per_byte=col((s.energy_pj_per_byte if s else 0.0 for s in sram), F64),
            double_buffered=col((s.double_buffered if s else True for s in sram), bool),
            dram_unlimited=col((p.dram.unlimited for p in profiles), bool),
            dram_bandwidth_gbps=col((np.inf if p.dram.unlimited else p.dram.bandwidth_gbps for p in profiles), F64),
            dram_latency_ns=col((p.dram.latency_ns for p in profiles), F64),
            dram_pj_per_byte=col((p.dram.energy_pj_per_byte for p in profiles), F64),
            pe_total=col((pe_count(p) for p in profiles), I64),
            sram_total_bytes=col((sram_bytes(p) for p in profiles), I64))


@dataclass(frozen=True)
class BatchTotals:
    """Whole-run figures per design point (arrays of P), as ``RunResult`` reports them."""

    total_cycles: np.ndarray
    compute_cycles: np.ndarray
    stall_cycles: np.ndarray
    latency_ms: np.ndarray
    energy_mj: np.ndarray
    dram_bytes: np.ndarray
    macs: np.ndarray
    utilization: np.ndarray
    pe_count: np.ndarray
    sram_bytes: np.ndarray
    area_mm2: np.ndarray


def _gemm_layers(t: LayerTable, d: DesignArrays, out: dict[str, np.ndarray], mpc: np.ndarray, pjm: np.ndarray
                 ) -> None:
    """Fill the GEMM rows of ``out`` (compute cycles, DRAM bytes, energies), one dataflow at a time."""
    g = np.flatnonzero(t.is_gemm)
    if not len(g):
        return
    m, n, kw, groups = (x[g][:, None] for x in (t.m, t.n, t.kw, t.groups))
    bpe, macs = t.bpe[g][:, None], t.macs[g][:, None]
    ifmap_b, weights_b, ofmap_b = (x[g][:, None] for x in (t.ifmap_b, t.weights_b, t.ofmap_b))
    for df in np.unique(d.dataflow):
        p = np.flatnonzero(d.dataflow == df)
        rows, cols = d.rows[p][None, :], d.cols[p][None, :]
        sel = np.ix_(g, p)
        base = gemm_cycles(m, n, kw, rows, cols, df, groups)
        out["compute"][sel] = np.ceil(base * (rows * cols) / mpc[sel]).astype(I64)
        fr, fc, _ = fold_counts(m, n, kw, rows, cols, df)
        ri, rf, wo = sram_accesses(m, n, kw, rows, cols, df, groups)
        sram_io = (ri + rf) * bpe + wo * bpe
        if d.has_sram:
            share = np.where(d.double_buffered[p], 0.5, 1.0)[None, :]
            caps = (d.sram_ifmap_bytes[p][None, :] * share, d.sram_filter_bytes[p][None, :] * share,
                    d.sram_ofmap_bytes[p][None, :] * share)
        else:
            caps = (0, 0, 0)
        dr, dw = dram_traffic(ifmap_b, weights_b, ofmap_b, fr, fc, df, *caps)
        out["dram_read"][sel], out["dram_write"][sel] = dr, dw
        out["compute_pj"][sel] = macs * pjm[sel]
        out["sram_pj"][sel] = d.sram_pj_per_byte[p][None, :] * sram_io


def _vector_layers(t: LayerTable, d: DesignArrays, out: dict[str, np.ndarray], pjm: np.ndarray) -> None:
    """Fill the rows of pooling / add / concat layers: element operations on the vector lanes."""
    v = np.flatnonzero(~t.is_gemm)
    if not len(v):
        return
    elem = t.elem_ops[v][:, None]
    moves = ~t.is_view[v][:, None]
    ifmap_b, ofmap_b = np.where(moves, t.ifmap_b[v][:, None], 0.0), np.where(moves, t.ofmap_b[v][:, None], 0.0)
    out["compute"][v] = np.ceil(elem / d.non_mac_lanes[None, :]).astype(I64)
    out["dram_read"][v] = np.ceil(ifmap_b).astype(I64)
    out["dram_write"][v] = np.ceil(ofmap_b).astype(I64)
    out["compute_pj"][v] = elem * pjm[v]
    out["sram_pj"][v] = d.sram_pj_per_byte[None, :] * (ifmap_b + ofmap_b)


def evaluate_batch(t: LayerTable, d: DesignArrays) -> BatchTotals:
    """Analytical latency, energy, traffic and utilization of workload ``t`` at every point of ``d``."""
    n_layers, n_points = len(t), len(d)
    missing = sorted({p for p in t.precisions if p not in d.macs_per_cycle})
    if missing:
        raise ValueError(f"design points lack precision(s) {missing}")
    mpc = np.stack([d.macs_per_cycle[p] for p in t.precisions])       # (L, P)
    pjm = np.stack([d.energy_pj_per_mac[p] for p in t.precisions])
    out = {"compute": np.zeros((n_layers, n_points), I64), "dram_read": np.zeros((n_layers, n_points), I64),
           "dram_write": np.zeros((n_layers, n_points), I64), "compute_pj": np.zeros((n_layers, n_points), F64),
           "sram_pj": np.zeros((n_layers, n_points), F64)}
    _gemm_layers(t, d, out, mpc, pjm)
    _vector_layers(t, d, out, pjm)
    compute = out["compute"]
    dram = out["dram_read"] + out["dram_write"]
    # sim/memory.transfer_cycles: latency + bytes / (bytes per cycle); nothing to move costs nothing.
    lat_cycles = np.where(d.dram_unlimited, 0.0, d.dram_latency_ns * d.clock_ghz)[None, :]
    bytes_per_cycle = np.where(d.dram_unlimited, np.inf, d.dram_bandwidth_gbps / d.clock_ghz)[None, :]
    memory = np.where(dram > 0, lat_cycles + dram / bytes_per_cycle, 0.0)
    total = np.maximum(compute, np.ceil(memory).astype(I64))
    latency_ms = total / (d.clock_ghz * 1e6)[None, :]
    # sim/analytical.layer_result, term by term in its order
    energy_pj = (out["compute_pj"] + out["sram_pj"] + dram * d.dram_pj_per_byte[None, :]
                 + d.static_power_mw[None, :] * latency_ms * 1e6)
    energy_mj = energy_pj * 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(total > 0, t.macs[:, None] / (total * mpc), 0.0)
    # RunResult sums layer by layer, left to right: cumulative sums keep that order exactly.
    total_cycles = total.sum(axis=0)
    compute_cycles = compute.sum(axis=0)
    busy = np.cumsum(util * total, axis=0)[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        run_util = np.where(total_cycles > 0, busy / total_cycles, 0.0)
    return BatchTotals(
        total_cycles=total_cycles, compute_cycles=compute_cycles, stall_cycles=total_cycles - compute_cycles,
        latency_ms=total_cycles / (d.clock_ghz * 1e6), energy_mj=np.cumsum(energy_mj, axis=0)[-1],
        dram_bytes=dram.sum(axis=0), macs=np.full(n_points, int(t.macs.sum()), dtype=I64), utilization=run_util,
        pe_count=d.pe_total, sram_bytes=d.sram_total_bytes, area_mm2=area_mm2(d.pe_total, d.sram_total_bytes))
