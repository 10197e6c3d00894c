"""What a result was computed from: accelsim version, profile content and hash, calibration, workload, options.

Every result JSON carries this ``inputs`` block, so a run can be repeated or
reported later without the files it came from (``accelsim report`` rebuilds the
profile from ``inputs.profile.content``).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from accelsim.hardware.calibration import CALIBRATION_FILE
from accelsim.hardware.loader import find_profile
from accelsim.hardware.schema import Profile


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


def profile_inputs(profile_arg, prof: Profile, calibrated: bool) -> dict:
    """The profile as used (calibrated content, its hash) and, when it came from a file, that file and its hash."""
    content = prof.model_dump(mode="json")
    out = {"name": prof.name, "sha256": sha256_bytes(json.dumps(content, sort_keys=True).encode()),
           "source": None, "file_sha256": None, "calibration": None, "content": content}
    if isinstance(profile_arg, Profile):
        return out
    try:
        path = find_profile(str(profile_arg or prof.name))
    except Exception:   # noqa: BLE001 - provenance never fails a run that already loaded its profile
        return out
    out["source"] = str(path)
    out["file_sha256"] = _file_sha256(path)
    cal = path.parent / CALIBRATION_FILE
    if calibrated and path.suffix != ".cfg" and prof.use_calibration and cal.is_file():
        out["calibration"] = {"file": str(cal), "sha256": _file_sha256(cal)}
    return out


def workload_inputs(workload_arg, wl) -> dict:
    """The workload's name, and its file and hash when it came from one."""
    out = {"name": wl.name, "source": None, "sha256": None}
    if isinstance(workload_arg, (str, Path)) and Path(workload_arg).is_file():
        out["source"] = str(workload_arg)
        out["sha256"] = _file_sha256(Path(workload_arg))
    return out


def run_inputs(profile_arg, prof: Profile, workload_arg, wl, calibrated: bool, **options) -> dict:
    """The ``inputs`` block of a result: accelsim version, profile, workload, runtime (if any) and run options."""
    from accelsim import __version__
    return {"accelsim_version": __version__, "profile": profile_inputs(profile_arg, prof, calibrated),
            "workload": workload_inputs(workload_arg, wl), "runtime": options.pop("runtime", None),
            "options": {k: v for k, v in options.items() if isinstance(v, (str, int, float, bool, type(None)))}}
