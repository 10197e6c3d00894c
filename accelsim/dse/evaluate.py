"""Evaluate a chunk of design points: vectorized where it can be, ``accelsim.simulate`` otherwise.

A chunk is a picklable ``Task`` (the sweep's context plus some points), so
local processes and Dask workers run the same ``evaluate_task``. Points of one
workload whose overrides touch only the numbers the vectorized systolic model
reads (``UNIT_FAST_FIELDS``, ``DRAM_FAST_FIELDS``) on the analytical fidelity are priced together by
``evaluate_batch`` (compressed workloads included, unless sparse layers meet a
unit that skips zeros); anything else (event fidelity, other cost models,
other fields) builds the point's profile and calls ``simulate``. A point that
fails records its error; the others go on.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import ValidationError

from accelsim.dse.area import area_mm2, pe_count, sram_bytes
from accelsim.dse.batch import DesignArrays, LayerTable, evaluate_batch
from accelsim.dse.compression import compress_workload
from accelsim.dse.profile_fields import apply_overrides, field_adapter, split_paths
from accelsim.dse.space import DesignPoint
from accelsim.errors import AccelsimError
from accelsim.hardware.limits_check import field_value_ok
from accelsim.hardware.schema import OP_CLASSES, Profile, Unit
from accelsim.sim.scalesim_memory import from_scalesim_cfg

METRICS = ("latency_ms", "energy_mj", "total_cycles", "compute_cycles", "stall_cycles", "dram_bytes", "macs",
           "utilization", "pe_count", "sram_bytes", "area_mm2")

# Fields of the run unit (after "units.<unit>.") and of the DRAM the vectorized model reads.
UNIT_FAST_FIELDS = {"array.rows", "array.cols", "array.dataflow", "clock_ghz", "vector_lanes", "static_power_mw",
                    "layer_overhead_us", "sram.ifmap_bytes", "sram.filter_bytes", "sram.ofmap_bytes",
                    "sram.energy_pj_per_byte", "sram.double_buffered", *(f"efficiency.{c}" for c in OP_CLASSES)}
DRAM_FAST_FIELDS = {"bandwidth_gbps", "latency_ns", "energy_pj_per_byte", "size_bytes"}

MAX_STORED_INT = 2 ** 63     # SQLite's INTEGER range: a metric beyond it is a failed point, not a crash


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
    values: tuple | None = None       # the METRICS, in that order (None for an error)
    method: str = ""                  # "batch" or "simulate"

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(zip(METRICS, self.values)) if self.values is not None else {}


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
def _layer_table(name: str, options: tuple, precision: str | None, compression: str, unit_json: str) -> LayerTable:
    """The workload's table on the sweep's unit (its formats and zero skipping do not vary across points)."""
    return LayerTable.from_workload(_workload(name, options, precision, compression),
                                    Unit.model_validate_json(unit_json))


def _coerce_column(path: str, values: list) -> tuple[list, np.ndarray]:
    """Each value as the profile schema stores it, and which values the schema accepts."""
    adapter = field_adapter(path)
    seen: dict[tuple, tuple[bool, Any]] = {}
    out, ok = [None] * len(values), np.ones(len(values), dtype=bool)
    for i, v in enumerate(values):
        key = (type(v), v)
        if key not in seen:
            try:
                value = adapter.validate_python(v)
                # accelsim.limits, and an integer the batch's int64 arrays cannot hold goes to simulate
                seen[key] = (field_value_ok(path.rsplit(".", 1)[-1], v, value)
                             and (not isinstance(value, int) or abs(value) < MAX_STORED_INT // 2), value)
            except (ValidationError, TypeError):
                seen[key] = (False, None)
        ok[i], out[i] = seen[key]
    return out, ok


def _set_column(d: DesignArrays, unit_prefix: str, path: str, values: list) -> None:
    """Write one overridden field, for every point, into the design arrays."""
    if path == "dram.bandwidth_gbps":
        d.dram_unlimited = np.array([v is None or v == np.inf for v in values])
        d.dram_bandwidth_gbps = np.array([np.inf if v is None else v for v in values], dtype=np.float64)
        return
    if path in DRAM_ATTRS:
        if DRAM_ATTRS[path]:
            setattr(d, DRAM_ATTRS[path], np.array(values, dtype=np.float64))
        return
    rest = path[len(unit_prefix):]
    if rest.startswith("precisions."):
        _, prec, what = rest.split(".")
        target = d.macs_per_cycle if what == "macs_per_cycle" else d.energy_pj_per_mac
        target[prec] = np.array(values, dtype=np.float64)
        return
    if rest.startswith("efficiency."):
        d.efficiency[rest.split(".")[1]] = np.array(values, dtype=np.float64)
        return
    attr, dtype = UNIT_ATTRS[rest]
    setattr(d, attr, np.array(values, dtype=dtype))


UNIT_ATTRS = {"array.rows": ("rows", np.int64), "array.cols": ("cols", np.int64),
              "array.dataflow": ("dataflow", object), "clock_ghz": ("clock_ghz", np.float64),
              "static_power_mw": ("static_power_mw", np.float64),
              "layer_overhead_us": ("layer_overhead_us", np.float64),
              "sram.ifmap_bytes": ("sram_ifmap_bytes", np.int64), "sram.filter_bytes": ("sram_filter_bytes", np.int64),
              "sram.ofmap_bytes": ("sram_ofmap_bytes", np.int64),
              "sram.energy_pj_per_byte": ("sram_pj_per_byte", np.float64),
              "sram.double_buffered": ("double_buffered", bool)}
DRAM_ATTRS = {"dram.latency_ns": "dram_latency_ns", "dram.energy_pj_per_byte": "dram_pj_per_byte",
              "dram.size_bytes": None}


def design_arrays(profile: Profile, unit_name: str, columns: dict[str, list], n: int) -> DesignArrays:
    """DesignArrays of ``n`` variants of ``profile``: each path of ``columns`` set to its values.

    ``columns`` hold fast fields only, already validated (``_coerce_column``).
    """
    unit = profile.unit(unit_name)
    d = DesignArrays.from_profiles([profile], unit.name).repeat(n)
    prefix = f"units.{unit.name}."
    for path, values in columns.items():
        if path != prefix + "vector_lanes":
            _set_column(d, prefix, path, values)
    # A reshaped array keeps each PE's rate (profile_fields.apply_overrides does the same, in the same order).
    new_pe = d.rows * d.cols
    if prefix + "array.rows" in columns or prefix + "array.cols" in columns:
        for prec in d.macs_per_cycle:
            if f"{prefix}precisions.{prec}.macs_per_cycle" not in columns:
                d.macs_per_cycle[prec] = d.macs_per_cycle[prec] * new_pe / unit.pe_count
    # Unit.non_mac_lanes: vector_lanes if given, else the array's columns.
    lanes = np.array([v or 0 for v in columns.get(prefix + "vector_lanes", [unit.vector_lanes] * n)], dtype=np.int64)
    d.non_mac_lanes = np.where(lanes > 0, lanes, d.cols)
    pad = unit.sram.ifmap_bytes + unit.sram.filter_bytes + unit.sram.ofmap_bytes if unit.sram else 0
    d.pe_total = (pe_count(profile) - unit.pe_count) + new_pe
    d.sram_total_bytes = (sram_bytes(profile) - pad) + (
        d.sram_ifmap_bytes + d.sram_filter_bytes + d.sram_ofmap_bytes if unit.sram else 0)
    return d


def _metrics_of_result(result, profile: Profile) -> tuple:
    pes, srams = pe_count(profile), sram_bytes(profile)
    named = {"latency_ms": result.latency_ms, "energy_mj": result.energy_mj, "total_cycles": result.total_cycles,
             "compute_cycles": result.compute_cycles, "stall_cycles": result.stall_cycles,
             "dram_bytes": result.dram_bytes, "macs": result.macs, "utilization": result.utilization,
             "pe_count": pes, "sram_bytes": srams, "area_mm2": area_mm2(pes, srams)}
    return tuple(named[m] for m in METRICS)


def _failed(point: DesignPoint, err: BaseException, method: str) -> PointResult:
    """A failed point with a one-line reason."""
    message = str(err) if isinstance(err, AccelsimError) else f"{type(err).__name__}: {err}"
    first = message.splitlines()[0] if message.strip() else type(err).__name__
    return PointResult(point.key, "error", error=first[:500], method=method)


def _bad_metric(values: tuple) -> str | None:
    """The first metric that is not a storable result (non-finite, negative, an integer past 2**63), if any."""
    return next((m for m, v in zip(METRICS, values)
                 if not math.isfinite(v) or v < 0 or (isinstance(v, int) and v >= MAX_STORED_INT)), None)


def simulate_point(ctx: SweepContext, point: DesignPoint) -> PointResult:
    """One point the slow, general way: its profile, its workload, ``accelsim.simulate``."""
    from accelsim.api import simulate

    try:
        profile = apply_overrides(ctx.profile, point.overrides)
        wl = _workload(point.workload, point.workload_options, point.precision, point.compression)
        result = simulate(profile, wl, fidelity=ctx.fidelity, unit=ctx.unit)
        values = _metrics_of_result(result, profile)
    except Exception as err:  # noqa: BLE001  (a failing point is recorded, the sweep goes on)
        return _failed(point, err, "simulate")
    bad = _bad_metric(values)
    if bad:
        shown = repr(values[METRICS.index(bad)])
        return PointResult(point.key, "error", error=f"{bad}: got {shown[:40]}; must be finite, >= 0 "
                           "(an integer below 2**63)", method="simulate")
    return PointResult(point.key, "ok", values=values, method="simulate")


def _fast_columns(points: list[DesignPoint], unit_name: str) -> tuple[dict[str, list], np.ndarray] | None:
    """Validated override columns of points that share their parameter names, and which points are valid.

    None when some parameter is not a fast field (those points take the general path).
    """
    n = len(points)
    columns: dict[str, list] = {}
    ok = np.ones(n, dtype=bool)
    for key in points[0].overrides:
        paths = split_paths(key)
        if not all(_fast_field(path, unit_name) for path in paths):
            return None
        raw = [p.overrides[key] for p in points]
        for path in paths:
            columns[path], valid = _coerce_column(path, raw)
            ok &= valid
    return columns, ok


def _batch_group(ctx: SweepContext, unit: Unit, unit_json: str, group: tuple, members: list[DesignPoint],
                 results: dict[str, PointResult]) -> bool:
    """Price ``members`` in one vectorized call where exact; False if the group must be simulated point by point.

    Points the schema refuses, or whose numbers leave the batch model's exact range, are simulated
    one by one (so their result, or their refusal, is ``simulate``'s own).
    """
    name, options, compression, precision = group
    fast = _fast_columns(members, unit.name)
    if fast is None:
        return False
    columns, ok = fast
    table = _layer_table(name, options, precision, compression, unit_json)
    good = np.flatnonzero(ok)
    if len(good):
        if len(good) < len(members):
            columns = {path: [vals[i] for i in good] for path, vals in columns.items()}
        totals = evaluate_batch(table, design_arrays(ctx.profile, unit.name, columns, len(good)))
        arrays = [getattr(totals, m) for m in METRICS]
        storable = totals.exact.copy()           # what _bad_metric checks, for all points at once
        for a in arrays:
            storable &= np.isfinite(a) & (a >= 0)
        per_point = zip(*(a.tolist() for a in arrays))
        for i, values, keep in zip(good, per_point, storable.tolist()):
            if keep:
                results[members[i].key] = PointResult(members[i].key, "ok", values=values, method="batch")
    for p in members:
        if p.key not in results:
            results[p.key] = simulate_point(ctx, p)
    return True


def evaluate_points(ctx: SweepContext, points: list[DesignPoint]) -> list[PointResult]:
    """Results of ``points`` in their order: vectorized per workload where possible.

    Never raises for a point: one that fails is a result with status ``error`` and a one-line reason,
    and the other points of the chunk still get their results.
    """
    results: dict[str, PointResult] = {}
    unit = ctx.profile.unit(ctx.unit)
    fast_ok = (ctx.fidelity == "analytical" and unit.cost_model == "systolic" and unit.array is not None
               # a SCALE-Sim .cfg may run SCALE-Sim's USER-mode memory model (simulate decides per point)
               and not from_scalesim_cfg(ctx.profile))
    unit_json = unit.model_dump_json() if fast_ok else ""
    groups: dict[tuple, list[DesignPoint]] = defaultdict(list)
    for p in points:
        groups[(p.group, tuple(p.overrides))].append(p)
    for (group, _keys), members in groups.items():
        done = False
        if fast_ok:
            try:
                done = _batch_group(ctx, unit, unit_json, group, members, results)
            except Exception:  # noqa: BLE001  (NotVectorizable, an overflow: simulate says what is wrong)
                done = False
        if not done:
            for p in members:
                if p.key not in results:
                    results[p.key] = simulate_point(ctx, p)
    return [results[p.key] for p in points]


def evaluate_task(task: Task) -> tuple[list[PointResult], float]:
    """Worker entry point: the chunk's results and the seconds it took.

    Whatever goes wrong is recorded per point (``evaluate_points`` never raises for a point); should the
    chunk itself fail (memory), each point is retried on its own so the others still land.
    """
    t0 = time.perf_counter()
    try:
        results = evaluate_points(task.context, task.points)
    except Exception:  # noqa: BLE001
        results = []
        for p in task.points:
            try:
                results.append(simulate_point(task.context, p))
            except Exception as err:  # noqa: BLE001
                results.append(_failed(p, err, "simulate"))
    return results, time.perf_counter() - t0
