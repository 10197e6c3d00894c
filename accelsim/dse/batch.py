"""Price one workload on many design points of a systolic unit in one vectorized call.

``evaluate_batch(table, design)`` computes, for all layers x all points at
once, exactly what ``accelsim.simulate(..., fidelity="analytical")`` computes
one point at a time (``cost/systolic_unit.py`` + ``sim/analytical.py``): the
same integer cycle counts and the same floating-point operations in the same
order, so totals agree to the last bit (tests/dse/test_batch.py). Sweeps use
it to evaluate hundreds of thousands of design points per minute.

``LayerTable`` holds the workload's per-layer numbers (L layers) as one unit
runs them: the format each layer's MACs execute in, its op class, its bytes
(compressed weights with biases and scales, activations in their format) and
the unpack / decode work compression adds (``cost/compression.plan_layer``).
``DesignArrays`` holds every number of the unit and DRAM the model reads, one
entry per design point (P points); results are arrays of P.

What the table cannot hold is zero skipping: it depends on the array shape
and dataflow of each point. A workload whose sparse layers run on a unit
that skips zeros raises ``NotVectorizable``; sweeps then simulate its points
one by one. Likewise a point whose numbers leave exact arithmetic (a
non-finite or out-of-range input, a count past 2**53, an int64 overflow) is
flagged in ``BatchTotals.exact``; sweeps simulate those points on their own,
so the sweep and ``simulate`` agree on every point, refusals included.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.cost.compression import plan_layer
from accelsim.cost.gemm import gemm_of
from accelsim.cost.opclass import op_class
from accelsim.cost.power import busy_power_mw, default_host_cores, host_busy_mw, system_static_mw
from accelsim.cost.systolic import dram_traffic, fold_counts, gemm_cycles, sram_accesses
from accelsim.dse.area import area_mm2, pe_count, sram_bytes
from accelsim.hardware.schema import OP_CLASSES, Profile, Unit
from accelsim.workload.graph import LayerInfo, Workload

I64 = np.int64
F64 = np.float64


class NotVectorizable(ValueError):
    """The workload's cost on the unit depends on the design point in a way the batch model does not follow."""


def _may_skip_zeros(info: LayerInfo, unit: Unit) -> bool:
    """Whether ``cost.compression.skip_fractions`` can differ from (1, 1) for this layer on some variant of ``unit``."""
    zs, comp = unit.zero_skip, info.compression
    return (zs is not None and zs.operands != "activations" and comp.sparsity > 0.0 and comp.hash_buckets is None
            and bool(info.weight_params) and gemm_of(info) is not None)


@dataclass(frozen=True)
class LayerTable:
    """Per-layer numbers of a workload on one systolic unit (arrays of L)."""

    names: tuple[str, ...]
    precisions: tuple[str, ...]      # the layers' compute formats
    formats: tuple[str, ...]         # the formats their MACs run in on the unit (emulation included)
    op_classes: tuple[str, ...]      # efficiency class (conv, depthwise, pointwise, fc, elementwise)
    is_gemm: np.ndarray
    is_view: np.ndarray              # reshape / slice: relabels memory, no traffic
    groups: np.ndarray
    m: np.ndarray
    n: np.ndarray
    kw: np.ndarray
    macs: np.ndarray
    elem_ops: np.ndarray
    act_bpe: np.ndarray              # activation bytes per element
    ifmap_b: np.ndarray
    ofmap_b: np.ndarray
    weights_b: np.ndarray            # stored weights + biases + scales (LayerInfo.model_bytes)
    weight_bits: np.ndarray          # bits per weight as the array reads it from the scratchpad
    dense_weights_b: np.ndarray      # weights unpacked to weight_bits (decides refetches)
    weight_ops: np.ndarray           # unpack / decode / hash element operations per weight fetch
    act_ops: np.ndarray              # activation unpack element operations per layer

    @classmethod
    def from_workload(cls, wl: Workload, unit: Unit) -> "LayerTable":
        """The table of ``wl`` on ``unit`` (its formats and zero skipping; array and memory sizes may vary)."""
        if unit.mapping == "auto":
            raise NotVectorizable(f"unit {unit.name!r} maps layers with the auto mapper and keeps activations on "
                                  "chip (accelsim/map); the batch model follows SCALE-Sim's mapping only")
        rows = []
        for info in wl:
            if _may_skip_zeros(info, unit):
                raise NotVectorizable(f"layer {info.name!r} is sparse and unit {unit.name!r} skips zeros")
            # plan_layer's operations are affine in the weight fetches: fetches * weight_ops + act_ops
            once, twice = plan_layer(info, unit, weight_fetches=1), plan_layer(info, unit, weight_fetches=2)
            w_ops = twice.overhead_ops - once.overhead_ops
            rows.append((info, gemm_of(info), once, w_ops, once.overhead_ops - w_ops))
        infos = [r[0] for r in rows]
        gemms = [r[1] for r in rows]
        plans = [r[2] for r in rows]

        def arr(values, dtype):
            return np.array(list(values), dtype=dtype)

        return cls(
            names=tuple(i.name for i in infos), precisions=tuple(i.precision for i in infos),
            formats=tuple(p.format for p in plans), op_classes=tuple(op_class(i) for i in infos),
            is_gemm=arr((g is not None for g in gemms), bool),
            is_view=arr((bool(getattr(i.layer, "is_view", False)) for i in infos), bool),
            groups=arr((g.groups if g else 0 for g in gemms), I64), m=arr((g.m if g else 0 for g in gemms), I64),
            n=arr((g.n if g else 0 for g in gemms), I64), kw=arr((g.kw if g else 0 for g in gemms), I64),
            macs=arr((i.macs for i in infos), I64), elem_ops=arr((i.elem_ops for i in infos), I64),
            act_bpe=arr((i.act_bytes_per_elem for i in infos), F64),
            # the same products as cost_systolic (elements x bytes per element), in float
            ifmap_b=arr((i.ifmap_elems * i.act_bytes_per_elem for i in infos), F64),
            ofmap_b=arr((i.ofmap_elems * i.act_bytes_per_elem for i in infos), F64),
            weights_b=arr((i.model_bytes for i in infos), F64),
            weight_bits=arr((p.weight_word_bits for p in plans), I64),
            dense_weights_b=arr((i.weight_params * p.weight_word_bits / 8 for i, p in zip(infos, plans)), F64),
            weight_ops=arr((r[3] for r in rows), I64), act_ops=arr((r[4] for r in rows), I64))

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
    layer_overhead_us: np.ndarray
    efficiency: dict[str, np.ndarray]    # per op class
    macs_per_cycle: dict[str, np.ndarray]
    vector_macs_per_cycle: dict[str, np.ndarray]   # NaN where the format has no separate vector rate
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
    dram_write_pj_per_byte: np.ndarray | None = None   # None: as read (from_profiles sets it)
    busy_power_mw: np.ndarray | None = None            # the unit's busy power (accelsim/cost/power.py)
    system_static_mw: np.ndarray | None = None         # SoC always-on + DRAM background
    host_cpu_mw: np.ndarray | None = None              # host CPU cores the unit's default runtime keeps busy

    PER_KEY = ("efficiency", "macs_per_cycle", "vector_macs_per_cycle", "energy_pj_per_mac")

    def __len__(self) -> int:
        return len(self.rows)

    def repeat(self, n: int) -> "DesignArrays":
        """``n`` copies of a one-point design (the start of a sweep's columns)."""
        def rep(v):
            return np.repeat(v, n) if isinstance(v, np.ndarray) else v
        fields = {k: ({p: rep(a) for p, a in v.items()} if k in self.PER_KEY else rep(v))
                  for k, v in self.__dict__.items()}
        return DesignArrays(**fields)

    @classmethod
    def from_profiles(cls, profiles: list[Profile], unit: str | None = None) -> "DesignArrays":
        """Arrays from whole profiles (one per point); every profile must have the unit, with an array."""
        units = [p.unit(unit) for p in profiles]
        precs = sorted(set().union(*(u.precisions for u in units)))

        def col(values, dtype):
            return np.array(list(values), dtype=dtype)

        def per_prec(get):
            return {p: col((get(u.precisions[p]) if p in u.precisions else np.nan for u in units), F64)
                    for p in precs}

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
            layer_overhead_us=col((u.layer_overhead_us for u in units), F64),
            efficiency={c: col((u.efficiency.of(c) for u in units), F64) for c in OP_CLASSES},
            macs_per_cycle=per_prec(lambda s: s.macs_per_cycle),
            vector_macs_per_cycle=per_prec(lambda s: s.vector_macs_per_cycle or np.nan),
            energy_pj_per_mac=per_prec(lambda s: s.energy_pj_per_mac or 0.0),
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
            sram_total_bytes=col((sram_bytes(p) for p in profiles), I64),
            dram_write_pj_per_byte=col((p.dram.write_pj_per_byte for p in profiles), F64),
            busy_power_mw=col((busy_power_mw(u) for u in units), F64),
            system_static_mw=col((system_static_mw(p) for p in profiles), F64),
            host_cpu_mw=col((host_busy_mw(p, u, default_host_cores(u)) for p, u in zip(profiles, units)), F64))


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
    exact: np.ndarray | None = None      # points whose figures are exact (others must be simulated one by one)


EXACT_LIMIT = 2.0 ** 53       # integers a float64 holds exactly; cycle and byte counts stay below it
MAX_ARRAY_SIDE = 2 ** 20      # rows / cols the int64 fold arithmetic handles without overflow


def _finite(x: np.ndarray, low: float = 0.0, strict: bool = True) -> np.ndarray:
    """Finite and above ``low`` (or at least ``low`` when not strict), per point."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & ((x > low) if strict else (x >= low))


def _inputs_in_range(t: LayerTable, d: DesignArrays) -> np.ndarray:
    """Design points whose numbers the vectorized arithmetic handles exactly (the rest go to ``simulate``)."""
    ok = (d.rows >= 1) & (d.rows <= MAX_ARRAY_SIDE) & (d.cols >= 1) & (d.cols <= MAX_ARRAY_SIDE)
    ok &= (d.non_mac_lanes >= 1) & _finite(d.clock_ghz)
    ok &= _finite(d.static_power_mw, strict=False) & _finite(d.layer_overhead_us, strict=False)
    ok &= d.dram_unlimited | _finite(d.dram_bandwidth_gbps)
    ok &= _finite(d.dram_latency_ns, strict=False) & _finite(d.dram_pj_per_byte, strict=False)
    ok &= _finite(d.sram_pj_per_byte, strict=False)
    for size in (d.sram_ifmap_bytes, d.sram_filter_bytes, d.sram_ofmap_bytes):
        ok &= (size >= 0) & (size < EXACT_LIMIT)
    for f in set(t.formats):
        ok &= _finite(d.macs_per_cycle[f]) & _finite(d.energy_pj_per_mac[f], strict=False)
        ok &= np.isnan(d.vector_macs_per_cycle[f]) | _finite(d.vector_macs_per_cycle[f])
    for c in set(t.op_classes):
        ok &= _finite(d.efficiency[c])
    return ok


def _ceil_i64(x: np.ndarray) -> np.ndarray:
    return np.ceil(x).astype(I64)


def _gemm_layers(t: LayerTable, d: DesignArrays, out: dict[str, np.ndarray], k: dict[str, np.ndarray]) -> None:
    """Rows of layers with a GEMM on the MAC array (cost_systolic's GEMM branch), one dataflow at a time."""
    layers = np.flatnonzero(t.is_gemm)
    if not len(layers):
        return
    m, n, kw, groups, macs, w_ops, a_ops, wbits = (x[layers][:, None] for x in (
        t.m, t.n, t.kw, t.groups, t.macs, t.weight_ops, t.act_ops, t.weight_bits))
    bpe, ifmap_b, weights_b, ofmap_b, dense_w = (x[layers][:, None] for x in (
        t.act_bpe, t.ifmap_b, t.weights_b, t.ofmap_b, t.dense_weights_b))
    for df in np.unique(d.dataflow):
        p = np.flatnonzero(d.dataflow == df)
        sel = np.ix_(layers, p)
        rows, cols = d.rows[p][None, :], d.cols[p][None, :]
        base = gemm_cycles(m, n, kw, rows, cols, df, groups)
        fr, fc, _ = fold_counts(m, n, kw, rows, cols, df)
        if d.has_sram:
            share = np.where(d.double_buffered[p], 0.5, 1.0)[None, :]
            caps = (d.sram_ifmap_bytes[p][None, :] * share, d.sram_filter_bytes[p][None, :] * share,
                    d.sram_ofmap_bytes[p][None, :] * share)
        else:
            caps = (0, 0, 0)
        # weight-side work repeats each time the weights enter the scratchpad
        fetches = np.where(dense_w <= caps[1], 1, {"os": fr, "ws": 1, "is": fc}[df])
        ops = w_ops * fetches + a_ops
        overhead = _ceil_i64(ops / d.non_mac_lanes[p][None, :])
        mac_cycles = _ceil_i64(base * (rows * cols) / k["mpc"][sel] / k["eff"][sel])
        out["compute"][sel] = np.maximum(mac_cycles, overhead)
        ri, rf, wo = sram_accesses(m, n, kw, rows, cols, df, groups)
        out["sram_pj"][sel] = d.sram_pj_per_byte[p][None, :] * ((ri * bpe + rf * wbits / 8) + wo * bpe)
        out["dram_read"][sel], out["dram_write"][sel] = dram_traffic(ifmap_b, weights_b, ofmap_b, fr, fc, df, *caps)
        out["compute_pj"][sel] = (macs * 1.0 + ops) * k["pjm"][sel]


def _depthwise_on_vector_unit(t: LayerTable, d: DesignArrays, out: dict[str, np.ndarray], k: dict[str, np.ndarray],
                              on_vector: np.ndarray) -> None:
    """Overwrite the (layer, point) cells where an NPU's vector unit, not its array, runs a depthwise layer."""
    dw = np.flatnonzero(on_vector.any(axis=1))
    if not len(dw):
        return
    cells = on_vector[dw]
    lanes = d.non_mac_lanes[None, :]
    macs, ops = t.macs[dw][:, None], (t.weight_ops + t.act_ops)[dw][:, None]
    ifmap_b, weights_b, ofmap_b = t.ifmap_b[dw][:, None], t.weights_b[dw][:, None], t.ofmap_b[dw][:, None]
    vmpc = np.where(cells, k["vmpc"][dw], 1.0)
    values = {"compute": _ceil_i64(macs / vmpc / k["eff"][dw]) + _ceil_i64(ops / lanes),
              "dram_read": _ceil_i64(ifmap_b + weights_b), "dram_write": _ceil_i64(ofmap_b),
              "compute_pj": (macs + ops) * k["pjm"][dw],
              "sram_pj": d.sram_pj_per_byte[None, :] * ((ifmap_b + weights_b) + ofmap_b)}
    for name, value in values.items():
        out[name][dw] = np.where(cells, value, out[name][dw])


def _elementwise_layers(t: LayerTable, d: DesignArrays, out: dict[str, np.ndarray], k: dict[str, np.ndarray]
                        ) -> None:
    """Rows of pooling / add / concat layers: element operations on the vector lanes."""
    v = np.flatnonzero(~t.is_gemm)
    if not len(v):
        return
    lanes = d.non_mac_lanes[None, :]
    elem, ops = t.elem_ops[v][:, None], (t.weight_ops + t.act_ops)[v][:, None]
    moves = ~t.is_view[v][:, None]
    ifmap_b, ofmap_b = np.where(moves, t.ifmap_b[v][:, None], 0.0), np.where(moves, t.ofmap_b[v][:, None], 0.0)
    out["compute"][v] = _ceil_i64(elem / lanes / k["eff"][v]) + _ceil_i64(ops / lanes)
    out["dram_read"][v] = _ceil_i64(ifmap_b)
    out["dram_write"][v] = _ceil_i64(ofmap_b)
    out["compute_pj"][v] = (elem + ops) * k["pjm"][v]
    out["sram_pj"][v] = d.sram_pj_per_byte[None, :] * (ifmap_b + ofmap_b)


def evaluate_batch(t: LayerTable, d: DesignArrays) -> BatchTotals:
    """Analytical latency, energy, traffic and utilization of workload ``t`` at every point of ``d``."""
    with np.errstate(all="ignore"):     # out-of-range points are flagged in ``exact``, not warned about
        return _evaluate_batch(t, d)


def _evaluate_batch(t: LayerTable, d: DesignArrays) -> BatchTotals:
    n_layers, n_points = len(t), len(d)
    if float(t.macs.astype(F64).sum()) + float(t.elem_ops.astype(F64).sum()) >= EXACT_LIMIT:
        raise NotVectorizable("the workload's MAC and element-operation counts exceed exact float64 arithmetic")
    missing = sorted({f for f in t.formats if f not in d.macs_per_cycle})
    if missing:
        raise ValueError(f"design points lack precision(s) {missing}")
    k = {"mpc": np.stack([d.macs_per_cycle[f] for f in t.formats]),            # (L, P), the execution format's
         "vmpc": np.stack([d.vector_macs_per_cycle[f] for f in t.formats]),
         "pjm": np.stack([d.energy_pj_per_mac[f] for f in t.formats]),
         "eff": np.stack([d.efficiency[c] for c in t.op_classes])}
    # cost_systolic: a depthwise layer runs on the vector unit when its format has a vector rate
    is_dw = np.array([c == "depthwise" for c in t.op_classes], dtype=bool)[:, None]
    on_vector = is_dw & t.is_gemm[:, None] & ~np.isnan(k["vmpc"])
    out = {"compute": np.zeros((n_layers, n_points), I64), "dram_read": np.zeros((n_layers, n_points), I64),
           "dram_write": np.zeros((n_layers, n_points), I64), "compute_pj": np.zeros((n_layers, n_points), F64),
           "sram_pj": np.zeros((n_layers, n_points), F64)}
    _gemm_layers(t, d, out, k)
    _depthwise_on_vector_unit(t, d, out, k, on_vector)
    _elementwise_layers(t, d, out, k)
    compute = out["compute"]
    dram = out["dram_read"] + out["dram_write"]
    # sim/memory.transfer_cycles: latency + bytes / (bytes per cycle); nothing to move costs nothing.
    lat_cycles = np.where(d.dram_unlimited, 0.0, d.dram_latency_ns * d.clock_ghz)[None, :]
    bytes_per_cycle = np.where(d.dram_unlimited, np.inf, d.dram_bandwidth_gbps / d.clock_ghz)[None, :]
    memory = np.where(dram > 0, lat_cycles + dram / bytes_per_cycle, 0.0)
    # sim/analytical.analytical_cycles: the roofline plus the unit's fixed per-layer overhead
    layer_overhead = _ceil_i64(d.layer_overhead_us * 1e3 * d.clock_ghz)[None, :]
    with np.errstate(all="ignore"):
        memory = np.where(np.isfinite(memory), memory, EXACT_LIMIT)
        layer_overhead = np.where(_finite(d.layer_overhead_us * 1e3 * d.clock_ghz, strict=False),
                                  layer_overhead, -1)
    total = np.maximum(compute, _ceil_i64(np.minimum(memory, EXACT_LIMIT))) + layer_overhead
    latency_ms = total / (d.clock_ghz * 1e6)[None, :]
    # sim/analytical.layer_result, term by term in its order
    zeros = np.zeros(len(d))
    write_pj = d.dram_pj_per_byte if d.dram_write_pj_per_byte is None else d.dram_write_pj_per_byte
    busy_mw = zeros if d.busy_power_mw is None else d.busy_power_mw
    system_mw = zeros if d.system_static_mw is None else d.system_static_mw
    ns = latency_ms * 1e6
    # cost/power.busy_ns: a systolic (non-CPU) unit is busy for the layer minus its dispatch overhead
    busy = (total - layer_overhead) / d.clock_ghz[None, :]
    energy_pj = ((out["compute_pj"] + busy_mw[None, :] * busy) + out["sram_pj"]
                 + (out["dram_read"] * d.dram_pj_per_byte[None, :] + out["dram_write"] * write_pj[None, :])
                 + (d.static_power_mw[None, :] + system_mw[None, :]) * ns)
    energy_mj = energy_pj * 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(total > 0, t.macs[:, None] / (total * k["mpc"]), 0.0)
    # RunResult sums layer by layer, left to right: cumulative sums keep that order exactly.
    total_cycles = total.sum(axis=0)
    cells_ok = ((compute >= 0) & (compute < EXACT_LIMIT) & (out["dram_read"] >= 0) & (out["dram_write"] >= 0) & (memory < EXACT_LIMIT)
                & (layer_overhead >= 0) & (total >= 0) & np.isfinite(energy_mj) & (energy_mj >= 0))
    exact = (_inputs_in_range(t, d) & cells_ok.all(axis=0) & (total_cycles.astype(F64) < EXACT_LIMIT)
             & (dram.astype(F64).sum(axis=0) < EXACT_LIMIT))
    compute_cycles = compute.sum(axis=0)
    busy = np.cumsum(util * total, axis=0)[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        run_util = np.where(total_cycles > 0, busy / total_cycles, 0.0)
    run_ms = total_cycles / (d.clock_ghz * 1e6)
    host_mw = zeros if d.host_cpu_mw is None else d.host_cpu_mw    # RunResult.host_cpu_energy_mj
    return BatchTotals(
        total_cycles=total_cycles, compute_cycles=compute_cycles,
        stall_cycles=total_cycles - compute_cycles - (layer_overhead * np.ones_like(total)).sum(axis=0),
        latency_ms=run_ms, energy_mj=np.cumsum(energy_mj, axis=0)[-1] + host_mw * run_ms * 1e-3,
        dram_bytes=dram.sum(axis=0), macs=np.full(n_points, int(t.macs.sum()), dtype=I64), utilization=run_util,
        pe_count=d.pe_total, sram_bytes=d.sram_total_bytes, area_mm2=area_mm2(d.pe_total, d.sram_total_bytes),
        exact=exact)
