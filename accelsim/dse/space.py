"""Expand a sweep spec into its design points, each with a stable key.

A point is a workload (with options), a compression spec, an optional
precision and the profile overrides (parameter -> value). Its key hashes
those together with the base profile's content, the unit, the fidelity and
the accelsim version, so a rerun finds the points it already finished, and a
changed profile file or model version does not reuse stale results.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accelsim.dse.spec import Range, SweepSpec, WorkloadRef
from accelsim.hardware.schema import Profile
from accelsim.limits import check_work


@dataclass(frozen=True)
class DesignPoint:
    key: str
    index: int
    workload: str                  # workload name or path
    workload_options: tuple        # sorted (option, value) pairs for the zoo builder
    compression: str
    precision: str | None
    overrides: dict[str, Any] = field(default_factory=dict)
    params_json: str = "{}"        # the overrides as stored (sorted JSON)

    @property
    def workload_label(self) -> str:
        if not self.workload_options:
            return self.workload
        return f"{self.workload}(" + ", ".join(f"{k}={v}" for k, v in self.workload_options) + ")"

    @property
    def group(self) -> tuple:
        """Points of one group share their workload, so one evaluator call prices them together."""
        return (self.workload, self.workload_options, self.compression, self.precision)


def _python(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def axis_grid(values: list | Range) -> list:
    if isinstance(values, list):
        return list(values)
    low, high = values.range
    pts = np.geomspace(low, high, values.num) if values.scale == "log" else np.linspace(low, high, values.num)
    if values.integer:
        return list(dict.fromkeys(int(round(v)) for v in pts))
    return [float(v) for v in pts]


def axis_draw(values: list | Range, rng: np.random.Generator, n: int) -> list:
    if isinstance(values, list):
        return [_python(values[i]) for i in rng.integers(0, len(values), size=n)]
    low, high = values.range
    if values.scale == "log":
        draws = np.exp(rng.uniform(np.log(low), np.log(high), size=n))
    else:
        draws = rng.uniform(low, high, size=n)
    if values.integer:
        return [int(round(v)) for v in draws]
    return [float(v) for v in draws]


def hardware_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The profile-override dicts: the grid's product, or ``samples`` seeded random draws."""
    return [overrides for overrides, _ in _hardware_points_json(spec)]


def _hardware_points_json(spec: SweepSpec) -> list[tuple[dict[str, Any], str]]:
    """Each override dict with its canonical JSON (keys sorted), encoding each distinct value once."""
    check_work("sweep_points", spec.point_count, "sweep spec: the design space", "points")  # before allocating
    keys = list(spec.parameters)
    if not keys:
        return [({}, "{}")]
    if spec.sampling.mode == "grid":
        columns = list(zip(*itertools.product(*(axis_grid(spec.parameters[k]) for k in keys))))
    else:
        rng = np.random.default_rng(spec.sampling.seed)
        columns = [axis_draw(spec.parameters[k], rng, spec.sampling.samples) for k in keys]
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    encoded = []
    for i in order:
        memo: dict[tuple, str] = {}
        prefix = json.dumps(keys[i]) + ": "
        encoded.append([memo.get((type(v), v)) or memo.setdefault((type(v), v), prefix + json.dumps(v, default=str))
                        for v in columns[i]])
    texts = ["{" + ", ".join(parts) + "}" for parts in zip(*encoded)]
    return [(dict(zip(keys, row)), text) for row, text in zip(zip(*columns), texts)]


def profile_digest(profile: Profile) -> str:
    return hashlib.sha256(profile.model_dump_json().encode()).hexdigest()[:16]


def point_key(prefix: str, params_json: str) -> str:
    """Hash of the sweep context + workload part (``prefix``) and the overrides."""
    return hashlib.sha256(f"{prefix}|{params_json}".encode()).hexdigest()[:24]


def design_points(spec: SweepSpec, profile: Profile) -> list[DesignPoint]:
    """All distinct points of the spec, workloads outermost (so neighbours share a workload)."""
    import accelsim

    context = json.dumps({"profile": profile_digest(profile), "unit": spec.unit, "fidelity": spec.fidelity,
                          "version": accelsim.__version__}, sort_keys=True)
    hw = _hardware_points_json(spec)
    precisions = spec.precision or [None]
    points: dict[str, DesignPoint] = {}
    for ref, compression, precision in itertools.product(spec.workloads, spec.compression, precisions):
        name = spec.resolve_path(ref if isinstance(ref, str) else ref.name)
        options = () if isinstance(ref, str) else tuple(sorted(WorkloadRef.model_validate(ref).options.items()))
        prefix = context + "|" + json.dumps([name, list(options), compression, precision], default=str)
        for overrides, params_json in hw:
            key = point_key(prefix, params_json)
            if key not in points:
                points[key] = DesignPoint(key, len(points), name, options, compression, precision, overrides,
                                          params_json)
    return list(points.values())
