"""Roofline of one unit: compute ceilings, memory slopes and the layers as points.

Units follow the usual roofline convention: performance in GOP/s and
operational intensity in ops per DRAM byte, one MAC counting as 2 ops (so a
ceiling reads like a vendor's TOPS figure). A unit has one ceiling per
precision it supports (``2 * macs_per_cycle * clock_ghz`` GOP/s) and the
profile one slope per memory level with a finite bandwidth (its memories and
its DRAM). A layer sits at ``2 * MACs / DRAM bytes`` and attains
``2 * MACs / latency``; the cost models never beat their compute or DRAM
bound, so every point lies under ``min(ceiling of its precision, DRAM slope)``.
Layers without MACs (pooling, add) or without DRAM traffic have no place on
the plot and are listed in ``skipped``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from accelsim.hardware.schema import Profile

OPS_PER_MAC = 2


@dataclass(frozen=True)
class Ceiling:
    precision: str
    peak_gops: float


@dataclass(frozen=True)
class Slope:
    level: str
    bandwidth_gbps: float


@dataclass(frozen=True)
class RooflinePoint:
    layer: str
    op: str
    precision: str
    intensity_ops_per_byte: float
    attained_gops: float


@dataclass(frozen=True)
class Roofline:
    """Everything one unit's roofline plot shows, as numbers."""

    profile: str
    unit: str
    clock_ghz: float
    ceilings: list[Ceiling]
    slopes: list[Slope]
    dram: str
    dram_gbps: float | None          # None: unlimited DRAM, no bandwidth roof
    points: list[RooflinePoint] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unlimited_levels: list[str] = field(default_factory=list)

    def ceiling(self, precision: str) -> float:
        for c in self.ceilings:
            if c.precision == precision:
                return c.peak_gops
        raise KeyError(precision)

    def roof_gops(self, intensity_ops_per_byte: float, precision: str) -> float:
        """The bound a layer at this DRAM intensity and precision cannot exceed."""
        dram = math.inf if self.dram_gbps is None else self.dram_gbps * intensity_ops_per_byte
        return min(self.ceiling(precision), dram)

    def to_dict(self) -> dict:
        return {"profile": self.profile, "unit": self.unit, "clock_ghz": self.clock_ghz, "dram": self.dram,
                "dram_gbps": self.dram_gbps,
                "ceilings": [c.__dict__ for c in self.ceilings], "slopes": [s.__dict__ for s in self.slopes],
                "points": [p.__dict__ for p in self.points], "skipped": list(self.skipped),
                "unlimited_levels": list(self.unlimited_levels)}


def roofline(result: dict, profile: Profile, unit: str) -> Roofline:
    """The roofline of ``unit`` with the layers of ``result`` (a ``RunResult.to_dict()``) that ran on it."""
    u = profile.unit(unit)
    ceilings = [Ceiling(name, OPS_PER_MAC * spec.macs_per_cycle * u.clock_ghz)
                for name, spec in sorted(u.precisions.items(), key=lambda kv: -kv[1].macs_per_cycle)]
    levels = list(profile.memories) + [profile.dram]
    slopes = [Slope(m.name, float(m.bandwidth_gbps)) for m in levels if not m.unlimited]
    unlimited = [m.name for m in levels if m.unlimited]
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
                                    ops / (ms * 1e-3) / 1e9))
    dram_gbps = None if profile.dram.unlimited else float(profile.dram.bandwidth_gbps)
    return Roofline(profile.name, u.name, u.clock_ghz, ceilings, slopes, profile.dram.name, dram_gbps, points,
                    skipped, unlimited)


def units_in(result: dict) -> list[str]:
    """The units the result's layers ran on, in order of first appearance."""
    seen: list[str] = []
    for layer in result["layers"]:
        if layer["unit"] not in seen:
            seen.append(layer["unit"])
    return seen
