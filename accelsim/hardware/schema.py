"""Pydantic schema of a hardware profile (a system on chip).

A profile lists compute units, the memory levels they use, one shared DRAM and
the public sources its numbers come from. Units are described by the cost
model that prices them (``systolic`` here; ``simd`` and ``simt`` are added by
their own cost models), a clock, a MAC array (rows x cols and dataflow) or a
lane count, and the precisions they support with their MACs per cycle.
"""
from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, model_validator

UnitKind = Literal["cpu", "gpu", "dsp", "vpu", "npu", "dla"]
CostModel = Literal["systolic", "simd", "simt"]
Dataflow = Literal["os", "ws", "is"]
PrecisionName = Literal["fp32", "fp16", "bf16", "int16", "int8", "int4", "ternary", "binary"]

PRECISION_BITS: dict[str, int] = {
    "fp32": 32, "fp16": 16, "bf16": 16, "int16": 16, "int8": 8, "int4": 4, "ternary": 2, "binary": 1,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a number was seen: a datasheet, paper, vendor page or review."""

    id: str
    title: str
    url: str | None = None
    note: str | None = None


class PrecisionSpec(_Strict):
    """Throughput and energy of one numeric format on one unit."""

    macs_per_cycle: PositiveFloat
    energy_pj_per_mac: float = Field(ge=0)
    source: str | None = None


class MacArray(_Strict):
    """A 2-D systolic MAC array."""

    rows: PositiveInt
    cols: PositiveInt
    dataflow: Dataflow = "ws"


class Scratchpad(_Strict):
    """The unit's on-chip SRAM split as SCALE-Sim splits it: ifmap, filter, ofmap."""

    ifmap_bytes: PositiveInt
    filter_bytes: PositiveInt
    ofmap_bytes: PositiveInt
    energy_pj_per_byte: float = Field(default=0.0, ge=0)
    double_buffered: bool = True


class ZeroSkip(_Strict):
    """The array skips multiply-accumulates with a zero operand (see accelsim.kernels.cycles).

    ``granularity``: consecutive steps of the streamed dimension skipped together (1 = any
    single zero step). ``operands``: whose zeros are detected.
    """

    granularity: PositiveInt = 1
    operands: Literal["weights", "activations", "both"] = "weights"


class Unit(_Strict):
    """One compute unit of the chip."""

    name: str
    kind: UnitKind
    cost_model: CostModel
    clock_ghz: PositiveFloat
    array: MacArray | None = None
    lanes: PositiveInt | None = None
    vector_lanes: PositiveInt | None = Field(
        default=None, description="elements per cycle for non-MAC ops (pooling, add); default: array cols or lanes")
    precisions: dict[PrecisionName, PrecisionSpec]
    sram: Scratchpad | None = None
    zero_skip: ZeroSkip | None = None
    static_power_mw: float = Field(default=0.0, ge=0)
    sources: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_shape(self) -> "Unit":
        if self.cost_model == "systolic" and self.array is None:
            raise ValueError("a systolic unit needs 'array' (rows, cols, dataflow)")
        if self.cost_model in ("simd", "simt") and self.lanes is None:
            raise ValueError(f"a {self.cost_model} unit needs 'lanes'")
        if not self.precisions:
            raise ValueError("'precisions' must list at least one format")
        return self

    @property
    def pe_count(self) -> int:
        return self.array.rows * self.array.cols if self.array else int(self.lanes or 1)

    @property
    def non_mac_lanes(self) -> int:
        if self.vector_lanes:
            return self.vector_lanes
        return self.array.cols if self.array else int(self.lanes or 1)


class MemoryLevel(_Strict):
    """A memory level: size, bandwidth, latency and energy per byte."""

    name: str
    size_bytes: PositiveInt | None = None
    bandwidth_gbps: PositiveFloat | None = Field(
        default=None, description="GB/s (1e9 bytes/s); omitted = unlimited")
    latency_ns: float = Field(default=0.0, ge=0)
    energy_pj_per_byte: float = Field(default=0.0, ge=0)
    shared_by: list[str] | None = None

    @property
    def unlimited(self) -> bool:
        return self.bandwidth_gbps is None or math.isinf(self.bandwidth_gbps)


class Profile(_Strict):
    """A whole system on chip."""

    name: str
    description: str = ""
    units: list[Unit]
    memories: list[MemoryLevel] = Field(default_factory=list)
    dram: MemoryLevel
    sources: list[Source]
    default_unit: str | None = None

    @model_validator(mode="after")
    def _check_refs(self) -> "Profile":
        if not self.units:
            raise ValueError("a profile needs at least one unit")
        names = [u.name for u in self.units]
        if len(set(names)) != len(names):
            raise ValueError(f"unit names must be unique, got {names}")
        if self.default_unit is not None and self.default_unit not in names:
            raise ValueError(f"default_unit {self.default_unit!r} is not one of the units {names}")
        if not self.sources:
            raise ValueError("'sources' must cite at least one public source")
        ids = {s.id for s in self.sources}
        for u in self.units:
            missing = [s for s in u.sources if s not in ids]
            if missing:
                raise ValueError(f"unit {u.name!r} cites unknown source ids {missing}; known: {sorted(ids)}")
        return self

    def unit(self, name: str | None = None) -> Unit:
        """The named unit, or the default unit (the first one if none is set)."""
        key = name or self.default_unit
        if key is None:
            return self.units[0]
        for u in self.units:
            if u.name == key:
                return u
        from accelsim.errors import AccelsimError
        raise AccelsimError(
            f"profile {self.name}: unit {key!r} not found; units are {[u.name for u in self.units]}")
