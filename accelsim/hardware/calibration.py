"""Apply fitted efficiency factors (``calibration.yaml`` beside the profiles) to a loaded profile.

``accelsim calibrate`` writes the file; its ``factors`` section holds, per
calibration group (``groups``: a unit's ``calibration_group``, by default its
kind) and per ``profile/unit`` (``units``), multipliers of the
unit's op-class efficiencies (``efficiency``, and ``depthwise`` on top for
depthwise layers) and of its per-layer overhead (``overhead``). A unit gets
its group's factors times its own; efficiencies are capped at 1 (no unit
beats its peak). A profile without an entry runs from its spec alone.
"""
from __future__ import annotations

from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import OP_CLASSES, OpEfficiency, Profile, Unit
from accelsim.yamlio import read_yaml

CALIBRATION_FILE = "calibration.yaml"
FACTOR_KEYS = ("efficiency", "depthwise", "overhead")


_CACHE: dict[tuple, dict] = {}


def read_factors(path: Path) -> dict:
    """The ``factors`` mapping of a calibration file; errors name the file.

    Parsed once per file version (path, size, mtime): every run loads it.
    """
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = _parse_factors(path)
    return _CACHE[key]


def _parse_factors(path: Path) -> dict:
    data = read_yaml(path)
    factors = data.get("factors") if isinstance(data, dict) else None
    if not isinstance(factors, dict):
        raise AccelsimError(f"{path}: factors: missing; a calibration file written by `accelsim calibrate` has it")
    for section in ("groups", "units"):
        entries = factors.get(section) or {}
        if not isinstance(entries, dict):
            raise AccelsimError(f"{path}: factors.{section}: got {entries!r}; expected a mapping")
        for key, vals in entries.items():
            if not isinstance(vals, dict) or any(k not in FACTOR_KEYS for k in vals) or not all(
                    isinstance(v, (int, float)) and v > 0 for v in vals.values()):
                raise AccelsimError(f"{path}: factors.{section}.{key}: got {vals!r}; allowed keys "
                                    f"{', '.join(FACTOR_KEYS)} with positive numbers")
    return factors


def unit_factors(factors: dict, profile: str, unit: Unit) -> dict[str, float] | None:
    """Combined group and unit factors for ``unit``, or None when the file says nothing about it."""
    kind = (factors.get("groups") or {}).get(unit.group)
    own = (factors.get("units") or {}).get(f"{profile}/{unit.name}")
    if kind is None and own is None:
        return None
    return {k: (kind or {}).get(k, 1.0) * (own or {}).get(k, 1.0) for k in FACTOR_KEYS}


def calibrated_unit(unit: Unit, f: dict[str, float], label: str) -> Unit:
    """``unit`` with its efficiencies and overhead scaled by factors ``f``."""
    eff = {c: min(1.0, unit.efficiency.of(c) * f["efficiency"] * (f["depthwise"] if c == "depthwise" else 1.0))
           for c in OP_CLASSES}
    return unit.model_copy(update={"efficiency": OpEfficiency(**eff),
                                   "layer_overhead_us": unit.layer_overhead_us * f["overhead"],
                                   "calibration": label})


def apply_calibration(profile: Profile, path: Path) -> Profile:
    """``profile`` with the fitted factors of ``path`` applied to every unit it covers."""
    if not profile.use_calibration:
        return profile
    factors = read_factors(path)
    units = []
    for u in profile.units:
        f = unit_factors(factors, profile.name, u)
        units.append(u if f is None else calibrated_unit(u, f, str(path)))
    return profile.model_copy(update={"units": units})
