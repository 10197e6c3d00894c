"""Evaluate a chunk of design points: vectorized where it can be, ``accelsim.simulate`` otherwise.

A chunk is a picklable ``Task`` (the sweep's context plus some points), so
local processes and Dask workers run the same ``evaluate_task``. Points of one
workload whose overrides touch only the numbers the vectorized systolic model
reads (``FAST_FIELDS``) on the analytical fidelity are priced together by
``evaluate_batch``; anything else (event fidelity, other cost models, other
fields, compression) builds the point's profile and calls ``simulate``. A
point that fails records its error; the others go on.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from accelsim.dse.area import area_mm2, pe_count, sram_bytes
from accelsim.dse.batch import DesignArrays, LayerTable, evaluate_batch
from accelsim.dse.compression import compress_workload
from accelsim.dse.profile_fields import apply_overrides, get_field, split_paths
from accelsim.dse.space import DesignPoint
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile

METRICS = ("latency_ms", "energy_mj", "total_cycles", "compute_cycles", "stall_cycles", "dram_bytes", "macs",
           "utilization", "pe_count", "sram_bytes", "area_mm2")

# Fields of the run unit (after "units.<unit>.") and of the DRAM the vectorized model reads.
UNIT_FAST_FIELDS = {"array.rows", "array.cols", "array.dataflow", "clock_ghz", "vector_lanes", "static_power_mw",
                    "sram.ifmap_bytes", "sram.filter_bytes", "sram.ofmap_bytes", "sram.energy_pj_per_byte",
                    "sram.double_buffered"}
DRAM_FAST_FIELDS = {"bandwidth_gbps", "latency_ns", "energy_pj_per_byte", "size_bytes"}


@dataclass(frozen=True)
class SweepContext:
    """What every point of a sweep shares."""

    profile: Profile
    unit: str | None
    fidelity: str


@dataclass(frozen=True)
class Task:
    context: SweepContext
    points: list[DesignPoint]


@dataclass
class PointResult:
    key: str
    status: str                       # "ok" or "error"
    error: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    method: str = ""                  # "batch" or "simulate"


def _fast_field(path: str, unit: str) -> bool:
    prefix = f"units.{unit}."
    if path.startswith(prefix):
        rest = path[len(prefix):]
        if rest in UNIT_FAST_FIELDS:
            return True
        parts = rest.split(".")
        return len(parts) == 3 and parts[0] == "precisions" and parts[2] in ("macs_per_cycle", "energy_pj_per_mac")
    return path.startswith("dram.") and path[5:] in DRAM_FAST_FIELDS


@lru_cache(maxsize=32)
def _workload(name: str, options: tuple, precision: str | None, compression: str):
    from accelsim.workload import load_workload

    wl = load_workload(name, **dict(options))
    if precision is not None:
        wl = wl.with_precision(precision)
    return compress_workload(wl, compression)


@lru_cache(maxsize=32)
def _layer_table(name: str, options: tuple, precision: str | None, compression: str) -> LayerTable:
    return LayerTable.from_workload(_workload(name, options, precision, compression))


class _Coercer:
    """Validated value of one override at a time (memoized): what the profile schema makes of it."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.cache: dict[tuple, tuple[bool, Any]] = {}

    def __call__(self, path: str, value: Any) -> tuple[bool, Any]:
        key = (path, type(value).__name__, repr(value))
        if key not in self.cache:
            try:
                varied = apply_overrides(self.profile, {path: value})
                self.cache[key] = (True, get_field(varied.model_dump(), path))
            except AccelsimError as err:
                self.cache[key] = (False, str(err))
        return self.cache[key]


_COERCERS: dict[str, _Coercer] = {}


def _coercer(profile: Profile) -> _Coercer:
    key = profile.model_dump_json()
    if key not in _COERCERS:
        _COERCERS.clear()
        _COERCERS[key] = _Coercer(profile)
    return _COERCERS[key]


def design_arrays(profile: Profile, unit_name: str, points: list[dict[str, Any]], coerce=None) -> DesignArrays:
    """DesignArrays of ``profile`` with each point's overrides (fast fields only, already valid)."""
    coerce = coerce or _coercer(profile)
    unit = profile.unit(unit_name)
    n = len(points)
    base = DesignArrays.from_profiles([profile], unit.name)

    def full(arr):
        return np.repeat(arr, n)

    d = DesignArrays(**{k: (full(v) if isinstance(v, np.ndarray) else v) for k, v in base.__dict__.items()
                        if k not in ("macs_per_cycle", "energy_pj_per_mac")},
                     macs_per_cycle={p: full(v) for p, v in base.macs_per_cycle.items()},
                     energy_pj_per_mac={p: full(v) for p, v in base.energy_pj_per_mac.items()})
    columns: dict[str, list] = defaultdict(lambda: [None] * n)
    explicit: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n, bool))
    for i, overrides in enumerate(points):
        for key, value in overrides.items():
            for path in split_paths(key):
                columns[path][i] = coerce(path, value)[1]
                explicit[path][i] = True
    prefix = f"units.{unit.name}."
    vector_lanes = np.array([unit.vector_lanes or 0] * n, dtype=np.int64)
    vl_set = explicit.get(prefix + "vector_lanes")
    for path, values in columns.items():
        mask = explicit[path]
        rest = path[len(prefix):] if path.startswith(prefix) else None
        if path == "dram.bandwidth_gbps":
            unlimited = np.array([v is None or v == np.inf for v in values]) & mask
            bw = np.array([np.inf if v is None else v for v in values], dtype=object)
            d.dram_bandwidth_gbps = np.where(mask, np.where(unlimited, np.inf, bw), d.dram_bandwidth_gbps).astype(float)
            d.dram_unlimited = np.where(mask, unlimited, d.dram_unlimited)
        elif path in ("dram.latency_ns", "dram.energy_pj_per_byte"):
            attr = {"dram.latency_ns": "dram_latency_ns", "dram.energy_pj_per_byte": "dram_pj_per_byte"}[path]
            setattr(d, attr, np.where(mask, np.array(values, dtype=object), getattr(d, attr)).astype(float))
        elif rest == "vector_lanes":
            vector_lanes = np.where(mask, np.array([v or 0 for v in values], dtype=object), vector_lanes
                                    ).astype(np.int64)
        elif rest is not None and rest.startswith("precisions."):
            _, prec, what = rest.split(".")
            target = d.macs_per_cycle if what == "macs_per_cycle" else d.energy_pj_per_mac
            target[prec] = np.where(mask, np.array(values, dtype=object), target[prec]).astype(float)
        elif rest is not None:
            attr, dtype = {"array.rows": ("rows", np.int64), "array.cols": ("cols", np.int64),
                           "array.dataflow": ("dataflow", object), "clock_ghz": ("clock_ghz", float),
                           "static_power_mw": ("static_power_mw", float),
                           "sram.ifmap_bytes": ("sram_ifmap_bytes", np.int64),
                           "sram.filter_bytes": ("sram_filter_bytes", np.int64),
                           "sram.ofmap_bytes": ("sram_ofmap_bytes", np.int64),
                           "sram.energy_pj_per_byte": ("sram_pj_per_byte", float),
                           "sram.double_buffered": ("double_buffered", bool)}[rest]
            setattr(d, attr, np.where(mask, np.array(values, dtype=object), getattr(d, attr)).astype(dtype))
    # A reshaped array keeps each PE's rate (profile_fields.apply_overrides does the same, in the same order).
    reshaped = explicit.get(prefix + "array.rows", np.zeros(n, bool)) | explicit.get(prefix + "array.cols",
                                                                                       np.zeros(n, bool))
    new_pe = d.rows * d.cols
    for prec in d.macs_per_cycle:
        scale = reshaped & ~explicit.get(f"{prefix}precisions.{prec}.macs_per_cycle", np.zeros(n, bool))
        d.macs_per_cycle[prec] = np.where(scale, d.macs_per_cycle[prec] * new_pe / unit.pe_count,
                                          d.macs_per_cycle[prec])
    if vl_set is not None or unit.vector_lanes is None:
        d.non_mac_lanes = np.where(vector_lanes > 0, vector_lanes, d.cols)
    others_pe = pe_count(profile) - unit.pe_count
    pad = unit.sram.ifmap_bytes + unit.sram.filter_bytes + unit.sram.ofmap_bytes if unit.sram else 0
    d.pe_total = others_pe + new_pe
    d.sram_total_bytes = (sram_bytes(profile) - pad) + (
        d.sram_ifmap_bytes + d.sram_filter_bytes + d.sram_ofmap_bytes if unit.sram else 0)
    return d


def _metrics_of_result(result, profile: Profile) -> dict[str, Any]:
    pes, srams = pe_count(profile), sram_bytes(profile)
    return {"latency_ms": result.latency_ms, "energy_mj": result.energy_mj, "total_cycles": result.total_cycles,
            "compute_cycles": result.compute_cycles, "stall_cycles": result.stall_cycles,
            "dram_bytes": result.dram_bytes, "macs": result.macs, "utilization": result.utilization,
            "pe_count": pes, "sram_bytes": srams, "area_mm2": area_mm2(pes, srams)}


def simulate_point(ctx: SweepContext, point: DesignPoint) -> PointResult:
    """One point the slow, general way: its profile, its workload, ``accelsim.simulate``."""
    from accelsim.api import simulate

    try:
        profile = apply_overrides(ctx.profile, point.overrides)
        wl = _workload(point.workload, point.workload_options, point.precision, point.compression)
        result = simulate(profile, wl, fidelity=ctx.fidelity, unit=ctx.unit)
        return PointResult(point.key, "ok", metrics=_metrics_of_result(result, profile), method="simulate")
    except Exception as err:  # noqa: BLE001  (a failing point is recorded, the sweep goes on)
        message = str(err) if isinstance(err, AccelsimError) else f"{type(err).__name__}: {err}"
        return PointResult(point.key, "error", error=message.splitlines()[0] if message else type(err).__name__,
                           method="simulate")


def _batchable(ctx: SweepContext, point: DesignPoint, unit_name: str, coerce: _Coercer) -> bool:
    for key, value in point.overrides.items():
        for path in split_paths(key):
            if not _fast_field(path, unit_name) or not coerce(path, value)[0]:
                return False
    return True


def evaluate_points(ctx: SweepContext, points: list[DesignPoint]) -> list[PointResult]:
    """Results of ``points`` in their order: vectorized per workload where possible."""
    results: dict[str, PointResult] = {}
    unit = ctx.profile.unit(ctx.unit)
    fast_ok = ctx.fidelity == "analytical" and unit.cost_model == "systolic" and unit.array is not None
    coerce = _coercer(ctx.profile)
    groups: dict[tuple, list[DesignPoint]] = defaultdict(list)
    for p in points:
        if fast_ok and _batchable(ctx, p, unit.name, coerce):
            groups[p.group].append(p)
        else:
            results[p.key] = simulate_point(ctx, p)
    for (name, options, compression, precision), members in groups.items():
        try:
            table = _layer_table(name, options, precision, compression)
            if any(prec not in unit.precisions for prec in table.precisions):
                raise LookupError("a precision the unit lacks")  # simulate reports it point by point
        except Exception:  # noqa: BLE001  (the general path records each point's own error)
            for p in members:
                results[p.key] = simulate_point(ctx, p)
            continue
        d = design_arrays(ctx.profile, unit.name, [p.overrides for p in members], coerce)
        totals = evaluate_batch(table, d)
        cols = {m: getattr(totals, m).tolist() for m in METRICS}
        for i, p in enumerate(members):
            results[p.key] = PointResult(p.key, "ok", metrics={m: cols[m][i] for m in METRICS}, method="batch")
    return [results[p.key] for p in points]


def evaluate_task(task: Task) -> tuple[list[PointResult], float]:
    """Worker entry point: the chunk's results and the seconds it took."""
    t0 = time.perf_counter()
    return evaluate_points(task.context, task.points), time.perf_counter() - t0
