"""Type and range checks of the Python API's arguments (``accelsim.simulate``): our messages, never numpy's."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from accelsim.errors import AccelsimError, AccelsimTypeError
from accelsim.limits import shown

MAX_SEED = 2 ** 63 - 1


def _kind(value: object) -> str:
    return type(value).__name__


def check_simulate_args(profile, workload, *, unit, precision, threads, calibrated, seed, weights, objective,
                        latency_bound_ms) -> None:
    """Refuse arguments of the wrong type or range with a one-line AccelsimError before any work."""
    from accelsim.hardware import Profile
    from accelsim.workload import Workload

    if profile is not None and not isinstance(profile, (str, Path, Profile)):
        raise AccelsimTypeError(f"profile: got a {_kind(profile)!r} object; give a profile name, a path or a "
                                "Profile")
    if workload is not None and not isinstance(workload, (str, Path, Workload)):
        raise AccelsimTypeError(f"workload: got a {_kind(workload)!r} object; give a workload name, a path or a "
                                "Workload")
    for name, value in (("unit", unit), ("precision", precision), ("objective", objective)):
        if value is not None and not isinstance(value, str):
            raise AccelsimTypeError(f"{name}: got {shown(value)}; must be a string")
    if objective not in ("latency", "energy"):
        raise AccelsimError(f"objective: got {shown(objective)}; allowed: latency, energy")
    if not isinstance(calibrated, bool):
        raise AccelsimTypeError(f"calibrated: got {shown(calibrated)}; must be True or False")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)):
        raise AccelsimTypeError(f"threads: got {shown(threads)}; must be a positive integer")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise AccelsimTypeError(f"seed: got {shown(seed)}; must be an integer in [0, 2**63 - 1]")
    if not 0 <= seed <= MAX_SEED:
        raise AccelsimError(f"seed: got {shown(seed)}; must be an integer in [0, 2**63 - 1]")
    if weights is not None and not isinstance(weights, Mapping):
        raise AccelsimTypeError(f"weights: got a {_kind(weights)!r} object; must map layer names to int8 arrays")
    if latency_bound_ms is not None:
        from accelsim.limits import check_float
        check_float("simulate", "latency_bound_ms", latency_bound_ms, 1e-9, 1e12)
