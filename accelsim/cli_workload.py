"""``accelsim run --resolution N --width W``: a zoo network (or ncnn model) at another input size or width."""
from __future__ import annotations

import inspect
import math

from accelsim.errors import AccelsimError


def parse_resolution(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise AccelsimError(f"--resolution: got {text!r}; must be a positive integer (pixels, square input)")
    return value


def parse_width(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise AccelsimError(f"--width: got {text!r}; must be a positive number (channel width multiplier, e.g. 0.5)")
    return value


def sized_workload(workload: str, resolution: str | None, width: str | None, unknown_ops: str = "error"):
    """The workload built with ``resolution`` / ``width`` (zoo networks; ``resolution`` also for ncnn .param)."""
    from accelsim.workload import ZOO, load_workload

    res, wid = parse_resolution(resolution), parse_width(width)
    name = str(workload)
    if name in ZOO:
        accepted = inspect.signature(ZOO[name].builder).parameters
        for flag, key, value in (("--resolution", "resolution", res), ("--width", "width", wid)):
            if value is not None and key not in accepted:
                have = sorted(n for n, e in ZOO.items() if key in inspect.signature(e.builder).parameters)
                raise AccelsimError(f"{flag}: workload {name!r} has no {key} option; zoo networks with one: "
                                    f"{', '.join(have)}")
        options = {k: v for k, v in (("resolution", res), ("width", wid)) if v is not None}
        return load_workload(name, **options)
    if name.lower().endswith(".param"):
        if wid is not None:
            raise AccelsimError("--width: an ncnn .param model has fixed channel counts; --width applies to zoo "
                                "networks")
        return load_workload(name, resolution=res, unknown_ops=unknown_ops)
    raise AccelsimError(f"--resolution / --width: apply to zoo networks (and --resolution to ncnn .param files), "
                        f"not to {name!r}")
