"""The sweep file: which design space to explore, validated by pydantic.

Example (``accelsim sweep npu.yaml --out runs/npu``)::

    name: npu_space
    profile: generic_npu              # name or path (relative to this file)
    unit: npu                         # default: the profile's default unit
    fidelity: analytical              # or event
    workloads: [mobilenet_v1, {name: mobilenet_v1, resolution: 160}]
    compression: [none, "prune=0.5,quant=int8"]   # --compress specs (accelsim.compress.spec)
    precision: [int8]                 # optional: every layer's numeric format
    parameters:                       # dotted paths into the profile -> values
      units.npu.array.rows: [8, 16, 32, 64]
      units.npu.array.cols: [8, 16, 32, 64]
      units.npu.sram.ifmap_bytes,units.npu.sram.filter_bytes: {range: [32768, 1048576], num: 6, scale: log,
                                                               integer: true}
      dram.bandwidth_gbps: [8.5, 17.0, 34.1]
    sampling: {mode: grid}            # or {mode: random, samples: 500, seed: 1}
    objectives: [latency_ms, energy_mj, area_mm2]

A parameter's values are a list, or a range (``num`` points for a grid; a
uniform or log-uniform draw for random sampling). A key of several
comma-separated paths sets them all to the same value. Workloads,
compression and precision are always crossed with the hardware points; in
random mode the hardware parameters are sampled, ``samples`` of them.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, field_validator, model_validator

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PrecisionName
from accelsim.limits import check_work
from accelsim.validation import validate
from accelsim.yamlio import read_yaml_mapping

Scalar = int | float | str | bool | None
OBJECTIVES = ("latency_ms", "energy_mj", "area_mm2", "dram_bytes", "pe_count", "sram_bytes", "total_cycles")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Range(_Strict):
    """A numeric interval: ``num`` points of a grid, or the bounds of a random draw."""

    range: tuple[float, float]
    num: PositiveInt | None = None
    scale: Literal["linear", "log"] = "linear"
    integer: bool = False

    @model_validator(mode="after")
    def _check(self) -> "Range":
        low, high = self.range
        if high < low:
            raise ValueError(f"range [{low}, {high}]: the high end is below the low end")
        if self.scale == "log" and low <= 0:
            raise ValueError(f"range [{low}, {high}]: a log scale needs a positive low end")
        return self


class WorkloadRef(BaseModel):
    """A workload with builder options, e.g. ``{name: mobilenet_v1, resolution: 160, width: 0.5}``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Sampling(_Strict):
    mode: Literal["grid", "random"] = "grid"
    samples: PositiveInt | None = Field(default=None, description="number of random hardware points")
    seed: int = Field(default=0, ge=0, le=2 ** 63 - 1)

    @model_validator(mode="after")
    def _check(self) -> "Sampling":
        if self.mode == "random" and self.samples is None:
            raise ValueError("random sampling needs 'samples' (how many points to draw)")
        return self


class SweepSpec(_Strict):
    """A design space: a base profile, workloads, compression specs and profile parameters."""

    name: str = "sweep"
    profile: str = "generic_npu"
    unit: str | None = None
    fidelity: Literal["analytical", "event"] = "analytical"
    workloads: list[str | WorkloadRef] = Field(default_factory=lambda: ["mobilenet_v1"], min_length=1)
    compression: list[str] = Field(default_factory=lambda: ["none"], min_length=1)
    precision: list[PrecisionName] | None = Field(default=None, min_length=1)
    parameters: dict[str, list[Scalar] | Range] = Field(default_factory=dict)
    sampling: Sampling = Sampling()
    objectives: list[Literal[OBJECTIVES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["latency_ms", "energy_mj", "area_mm2"], min_length=2)
    chunk_size: PositiveInt | None = Field(default=None, description="points per task (default: automatic)")
    base_dir: str | None = Field(default=None, description="folder relative paths are read from (set by load_spec)")

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameter_values(cls, params: object) -> object:
        """One clear message per bad parameter (instead of pydantic's list-or-range union errors)."""
        if not isinstance(params, dict):
            return params
        for key, values in params.items():
            if isinstance(values, dict):
                try:
                    Range.model_validate(values)
                except ValidationError as err:
                    first = err.errors()[0]
                    where = ".".join(str(p) for p in first["loc"])
                    msg = first["msg"].removeprefix("Value error, ")
                    if first["type"] == "extra_forbidden":
                        msg = "unknown field; a range has range, num, scale, integer"
                    raise ValueError(f"parameter {key!r}: {where + ': ' if where else ''}{msg}") from None
            elif isinstance(values, list):
                if not values:
                    raise ValueError(f"parameter {key!r} has no values")
                bad = [v for v in values if isinstance(v, (dict, list))]
                if bad:
                    raise ValueError(f"parameter {key!r}: values must be numbers, strings, booleans or null, "
                                     f"got {bad[0]!r}")
            else:
                raise ValueError(f"parameter {key!r}: got {values!r}; give a list of values or a range "
                                 "{range: [low, high], num: N, scale: linear|log, integer: true|false}")
        return params

    @model_validator(mode="after")
    def _grid_ranges(self) -> "SweepSpec":
        if self.sampling.mode == "grid":
            for key, values in self.parameters.items():
                if isinstance(values, Range) and values.num is None:
                    raise ValueError(f"parameter {key!r}: a range in a grid sweep needs 'num' (how many points)")
        return self

    @property
    def point_count(self) -> int:
        """Design points the spec asks for (an upper bound: duplicates merge), computed without allocating."""
        if self.sampling.mode == "random":
            hardware = self.sampling.samples if self.parameters else 1
        else:
            hardware = math.prod(v.num if isinstance(v, Range) else len(v) for v in self.parameters.values())
        return hardware * len(self.workloads) * len(self.compression) * len(self.precision or [None])

    def resolve_path(self, text: str) -> str:
        """A file path relative to the spec's folder if it exists there, else as given."""
        if self.base_dir and not Path(text).is_absolute():
            cand = Path(self.base_dir) / text
            if cand.exists():
                return str(cand)
        return text


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep YAML file: schema, profile, paths, workloads. Errors are one line."""
    path = Path(path)
    data = read_yaml_mapping(path, "a sweep spec")
    data = {**data, "base_dir": str(path.resolve().parent)}
    spec = validate(SweepSpec, data, str(path))
    check_spec(spec, str(path))
    return spec


def check_spec(spec: SweepSpec, where: str = "sweep spec") -> None:
    """Check what the schema cannot: the profile loads, parameter paths exist, workloads load."""
    from accelsim.dse.compression import check_compression
    from accelsim.dse.profile_fields import check_paths
    from accelsim.hardware import load_profile
    from accelsim.workload import load_workload

    check_work("sweep_points", spec.point_count, f"{where}: the design space", "points")
    try:
        profile = load_profile(spec.resolve_path(spec.profile))
        profile.unit(spec.unit)
    except AccelsimError as err:
        raise AccelsimError(f"{where}: profile: {err}") from None
    for key in spec.parameters:
        try:
            check_paths(profile, [key])
        except AccelsimError as err:
            raise AccelsimError(f"{where}: parameters: {key!r}: {err}") from None
    for i, text in enumerate(spec.compression):
        try:
            check_compression(text)
        except AccelsimError as err:
            raise AccelsimError(f"{where}: compression[{i}]: {err}") from None
    for i, ref in enumerate(spec.workloads):
        name, options = (ref, {}) if isinstance(ref, str) else (ref.name, ref.options)
        try:
            load_workload(spec.resolve_path(name), **options)
        except AccelsimError as err:
            raise AccelsimError(f"{where}: workloads[{i}]: {err}") from None
