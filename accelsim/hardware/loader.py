"""Find and load hardware profiles by name or path."""
from __future__ import annotations

from pathlib import Path

from accelsim.errors import AccelsimError, AccelsimTypeError
from accelsim.hardware.calibration import CALIBRATION_FILE, apply_calibration
from accelsim.hardware.energy_calibration import ENERGY_CALIBRATION_FILE, apply_energy_calibration
from accelsim.hardware.scalesim_cfg import load_scalesim_cfg
from accelsim.hardware.schema import Profile
from accelsim.paths import profile_dirs
from accelsim.validation import validate
from accelsim.yamlio import read_yaml_mapping

DEFAULT_PROFILE = "snapdragon855"
CORE_TYPES_FILE = "core_types.yaml"   # shared CPU core types, not a profile


def available_profiles() -> list[str]:
    """Names of the profiles on the search path, sorted."""
    names = set()
    for d in profile_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.yaml")
                         if p.name not in (CALIBRATION_FILE, CORE_TYPES_FILE, ENERGY_CALIBRATION_FILE))
    return sorted(names)


def find_profile(name: str) -> Path:
    """Path of a profile given as a file path or a name on the search path."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml", ".cfg") or path.exists():
        if not path.is_file():
            raise AccelsimError(f"{path}: profile file not found")
        return path
    for d in profile_dirs():
        cand = d / f"{name}.yaml"
        if cand.is_file():
            return cand
    raise AccelsimError(f"profile {name!r} not found; known profiles: {', '.join(available_profiles()) or 'none'}"
                        " (or give a .yaml profile or SCALE-Sim .cfg path)")


def load_profile(profile: str | Path | Profile | None = None, *, calibrated: bool = True,
                 unit_factors: bool = True) -> Profile:
    """A validated :class:`Profile` from a name, a YAML path or a SCALE-Sim ``.cfg``.

    With ``calibrated`` (the default), a ``calibration.yaml`` beside a YAML
    profile scales its units' efficiencies and overheads by the fitted
    factors (see :mod:`accelsim.hardware.calibration`) -- unless ``unit_factors``
    is False (a run under a runtime: its ``runtime_factors`` were fitted on the
    spec efficiencies) -- and ``energy_calibration.yaml`` its busy power.
    """
    if isinstance(profile, Profile):
        return profile
    if profile is not None and not isinstance(profile, (str, Path)):
        raise AccelsimTypeError(f"profile: got a {type(profile).__name__!r} object; give a profile name, a path or "
                                "a Profile")
    if not isinstance(calibrated, bool):
        raise AccelsimTypeError(f"calibrated: got {str(calibrated)[:40]!r}; must be True or False")
    path = find_profile(str(profile or DEFAULT_PROFILE))
    if path.suffix == ".cfg":
        return load_scalesim_cfg(path)
    if path.name in (CALIBRATION_FILE, ENERGY_CALIBRATION_FILE):
        raise AccelsimError(f"{path}: a calibration file, not a profile")
    data = read_yaml_mapping(path, "a profile")
    data.setdefault("name", path.stem)
    prof = validate(Profile, data, str(path))
    calibration = path.parent / CALIBRATION_FILE
    if calibrated and unit_factors and calibration.is_file():
        prof = apply_calibration(prof, calibration)
    energy_calibration = path.parent / ENERGY_CALIBRATION_FILE
    if calibrated and energy_calibration.is_file():
        prof = apply_energy_calibration(prof, energy_calibration)
    return prof
