"""Fitted busy-power factors per calibration group (``hw_profiles/energy_calibration.yaml``).

The file is written by ``python -m accelsim.calibration.energy_fit`` from the
measured energies in the repo; a profile loaded with ``calibrated=True`` scales
each unit's ``busy_power_mw`` and ``static_power_mw`` by its calibration
group's factor (``Unit.group``: ``nvidia_gpu``, ``cpu``, ``vpu``...), so a
factor measured on Jetson GPUs never reaches an Adreno or Mali GPU; groups
without a factor keep their figures.
"""
from __future__ import annotations

import math
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile
from accelsim.yamlio import read_yaml_mapping

ENERGY_CALIBRATION_FILE = "energy_calibration.yaml"


def read_factors(path: str | Path) -> dict[str, float]:
    """``busy_power_factor`` of an energy calibration file: calibration group -> positive factor."""
    data = read_yaml_mapping(Path(path), "an energy calibration file")
    factors = data.get("busy_power_factor", {})
    if not isinstance(factors, dict):
        raise AccelsimError(f"{path}: busy_power_factor: must map unit kinds to factors")
    for kind, f in factors.items():
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f) or f <= 0:
            raise AccelsimError(f"{path}: busy_power_factor.{kind}: got {f!r}; must be a positive finite number")
    return {str(k): float(v) for k, v in factors.items()}


def apply_factors(profile: Profile, factors: dict[str, float]) -> Profile:
    """``profile`` with each unit's busy power and leakage scaled by its calibration group's factor (units whose
    busy power is a cited measurement, ``busy_power_measured``, keep theirs)."""
    if not factors:
        return profile
    units = [u.model_copy(update={"busy_power_mw": u.busy_power_mw * factors[u.group],
                                  "static_power_mw": u.static_power_mw * factors[u.group]})
             if u.group in factors and not u.busy_power_measured else u for u in profile.units]
    return profile.model_copy(update={"units": units})


def apply_energy_calibration(profile: Profile, path: str | Path) -> Profile:
    return apply_factors(profile, read_factors(path))
