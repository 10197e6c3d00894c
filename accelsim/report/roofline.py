"""Roofline of one unit: compute ceilings, memory slopes and the layers as points.

Units follow the usual roofline convention: performance in GOP/s and
operational intensity in ops per DRAM byte, one MAC counting as 2 ops (so a
ceiling reads like a vendor's TOPS figure). A unit has one ceiling per
precision it supports, its whole peak as the cost models count it:
``2 * macs_per_cycle * clock_ghz`` for a MAC array or a GPU (whose
``macs_per_cycle`` covers all its cores), times the summed relative speed of
the cores the run's threads used for a SIMD unit (a CPU's big and little
cores, a DSP's vector contexts). A format with a separate vector rate
(depthwise and element-wise work off the tensor cores / matrix engine) gets a
second, lower ``vector`` ceiling, and a format the unit only emulates (e.g.
binary as XNOR-popcount on int8) a ceiling of its emulated rate. Slopes: one
per memory level the unit uses (caches, scratchpads; per-core levels times
the cores in use) with a finite bandwidth, then the DRAM. A layer sits at
``2 * MACs / DRAM bytes`` and attains ``2 * MACs / latency``; the cost models
never beat their compute or DRAM bound, so every point lies under
``min(ceiling of its precision, DRAM slope)`` (zero skipping on a pruned
layer is the exception: it skips MACs the point still counts). Layers without
MACs (pooling, add) or without DRAM traffic have no place on the plot and are
listed in ``skipped``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from accelsim.cost.compression import execution_format
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PrecisionSpec, Profile, Unit

OPS_PER_MAC = 2


@dataclass(frozen=True)
class Ceiling:
    precision: str
    peak_gops: float
    via: str = ""                    # "" native; "vector" the format's vector rate; else how it is emulated


@dataclass(frozen=True)
class Slope:
    level: str
    bandwidth_gbps: float            # what the unit sees: per-core levels times the cores in use
    cores: int = 1                   # > 1: a per-core level, summed over that many cores


@dataclass(frozen=True)
class RooflinePoint:
    layer: str
    op: str
    precision: str
    intensity_ops_per_byte: float
    attained_gops: float
    op_class: str = ""               # conv, depthwise, pointwise, fc (colours the point); "" in old results
    latency_ms: float = 0.0


@dataclass(frozen=True)
class Roofline:
    """Everything one unit's roofline plot shows, as numbers."""

    profile: str
    unit: str
    clock_ghz: float
    ceilings: list[Ceiling]          # one per format (native, then emulated), highest first
    slopes: list[Slope]
    dram: str
    dram_gbps: float | None          # None: unlimited DRAM, no bandwidth roof
    points: list[RooflinePoint] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unlimited_levels: list[str] = field(default_factory=list)
    vector_ceilings: list[Ceiling] = field(default_factory=list)
    threads: int | None = None       # simd units: threads of the run the peaks count
    aliases: dict[str, str] = field(default_factory=dict)   # format -> the native format it runs as

    def ceiling(self, precision: str) -> float:
        """The compute roof of a layer in ``precision`` (an emulated format: the format it runs as)."""
        key = self.aliases.get(precision, precision)
        for c in self.ceilings:
            if c.precision == key:
                return c.peak_gops
        raise KeyError(precision)

    def roof_gops(self, intensity_ops_per_byte: float, precision: str) -> float:
        """The bound a layer at this DRAM intensity and precision cannot exceed."""
        dram = math.inf if self.dram_gbps is None else self.dram_gbps * intensity_ops_per_byte
        return min(self.ceiling(precision), dram)

    def to_dict(self) -> dict:
        return {"profile": self.profile, "unit": self.unit, "clock_ghz": self.clock_ghz, "dram": self.dram,
                "dram_gbps": self.dram_gbps,
                "threads": self.threads, "ceilings": [c.__dict__ for c in self.ceilings],
                "vector_ceilings": [c.__dict__ for c in self.vector_ceilings], "aliases": dict(self.aliases),
                "slopes": [s.__dict__ for s in self.slopes], "points": [p.__dict__ for p in self.points],
                "skipped": list(self.skipped), "unlimited_levels": list(self.unlimited_levels)}


def active_cores(unit: Unit, threads: int | None = None) -> int:
    """Cores whose per-core memory levels serve a run (cost/simd.py, cost/simt.py)."""
    if unit.cost_model == "simd":
        return len(unit.thread_speeds(threads))
    return unit.cores if unit.cost_model == "simt" else 1


def peak_gops(unit: Unit, spec: PrecisionSpec, threads: int | None = None, vector: bool = False) -> float:
    """The unit's whole peak in one format, GOP/s: per-core rates times the threads' core speeds for SIMD."""
    rate = spec.vector_rate if vector else spec.macs_per_cycle
    if unit.cost_model == "simd":
        rate *= sum(unit.thread_speeds(threads))
    return OPS_PER_MAC * rate * unit.clock_ghz


def roofline(result: dict, profile: Profile, unit: str) -> Roofline:
    """The roofline of ``unit`` with the layers of ``result`` (a ``RunResult.to_dict()``) that ran on it."""
    u = profile.unit(unit)
    threads = result.get("threads") if u.cost_model == "simd" else None
    native = sorted(u.precisions.items(), key=lambda kv: -kv[1].macs_per_cycle)
    ceilings = [Ceiling(name, peak_gops(u, spec, threads)) for name, spec in native]
    vector = [Ceiling(name, peak_gops(u, spec, threads, vector=True), "vector") for name, spec in native
              if spec.vector_macs_per_cycle and spec.vector_macs_per_cycle != spec.macs_per_cycle]
    aliases: dict[str, str] = {}
    for layer in result["layers"]:
        prec = layer["precision"]
        if layer["unit"] != u.name or prec in u.precisions or prec in aliases:
            continue
        try:
            fmt, spec, how = execution_format(u, prec, layer["name"])
        except AccelsimError:
            raise AccelsimError(f"result layer {layer['name']!r}: precision {prec!r} cannot run on "
                                f"{profile.name}/{u.name}; give the profile the result ran on") from None
        if spec == u.precisions[fmt]:
            aliases[prec] = fmt            # unpacked to a native format: that format's ceiling
        else:
            aliases[prec] = prec
            ceilings.append(Ceiling(prec, peak_gops(u, spec, threads), how))
    cores = active_cores(u, threads)
    levels = profile.unit_memories(u)
    slopes = [Slope(m.name, float(m.bandwidth_gbps) * (cores if m.per_core else 1), cores if m.per_core else 1)
              for m in levels if not m.unlimited]
    if not profile.dram.unlimited:
        slopes.append(Slope(profile.dram.name, float(profile.dram.bandwidth_gbps)))
    unlimited = [m.name for m in [*levels, profile.dram] if m.unlimited]
    points, skipped = [], []
    for layer in result["layers"]:
        if layer["unit"] != u.name:
            continue
        macs, dram, ms = layer["macs"], layer["dram_bytes"], layer["latency_ms"]
        if macs <= 0 or dram <= 0 or ms <= 0:
            why = "no MACs" if macs <= 0 else ("no DRAM traffic" if dram <= 0 else "zero latency")
            skipped.append(f"{layer['name']} ({layer['op']}: {why})")
            continue
        ops = OPS_PER_MAC * macs
        points.append(RooflinePoint(layer["name"], layer["op"], layer["precision"], ops / dram,
                                    ops / (ms * 1e-3) / 1e9, layer.get("op_class") or "", ms))
    dram_gbps = None if profile.dram.unlimited else float(profile.dram.bandwidth_gbps)
    return Roofline(profile.name, u.name, u.clock_ghz, ceilings, slopes, profile.dram.name, dram_gbps, points,
                    skipped, unlimited, vector, cores if u.cost_model == "simd" else None, aliases)


def units_in(result: dict) -> list[str]:
    """The units the result's layers ran on, in order of first appearance."""
    seen: list[str] = []
    for layer in result["layers"]:
        if layer["unit"] not in seen:
            seen.append(layer["unit"])
    return seen
