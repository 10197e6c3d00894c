"""Fit a relative runtime: its time as ``time_factor x base time + call_overhead_ms``, from one source's table.

    python -m accelsim.calibration.stack_fit [--write]

A runtime with ``relative_to`` (``hw_profiles/runtimes/*.yaml``) names a CSV in which one source measured both
stacks on the same device (columns ``<base>_<precision>_ms`` and ``<runtime's measured column>``; which two is
given by :data:`COLUMNS`). The two figures minimise the squared relative error over every row of that table
(a linear least-squares problem, two parameters for all its rows); ``--write`` puts them in the YAML.
"""
from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

import numpy as np

from accelsim.errors import AccelsimError
from accelsim.runtime import load_runtime
from accelsim.runtime.loader import runtime_file

# runtime -> (column of the base stack's time, column of this stack's time), both in ms, same precision
COLUMNS = {"tensorflow-gpu": ("tensorrt_fp32_ms", "tensorflow_fp32_ms")}


def fit_relative(name: str) -> dict:
    """time_factor, call_overhead_ms (rounded as written), rows and the fit's median relative error."""
    rt = load_runtime(name)
    if rt.relative_to is None or name not in COLUMNS:
        raise AccelsimError(f"runtime {name!r}: no relative_to table to fit; allowed: {', '.join(COLUMNS)}")
    base_col, own_col = COLUMNS[name]
    path = runtime_file(name).parent / rt.relative_to.data
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    try:
        x = np.array([float(r[base_col]) for r in rows])
        y = np.array([float(r[own_col]) for r in rows])
    except (KeyError, ValueError) as err:
        raise AccelsimError(f"{path}: columns {base_col}, {own_col}: {err}") from None
    if len(rows) < 2 or (x <= 0).any() or (y <= 0).any():
        raise AccelsimError(f"{path}: need two or more rows of positive times in {base_col}, {own_col}")
    w = 1.0 / y                                   # relative residuals: (a x + b) / y - 1
    (a, b), *_ = np.linalg.lstsq(np.c_[x * w, w], np.ones_like(y), rcond=None)
    a, b = round(float(a), 3), round(float(b), 2)
    ape = np.abs((a * x + b) / y - 1)
    return {"runtime": name, "table": str(path), "rows": len(rows), "time_factor": a, "call_overhead_ms": b,
            "median_ape": float(np.median(ape)), "max_ape": float(ape.max())}


def write_fit(fit: dict) -> Path:
    """Replace the two figures in the runtime's YAML (comments kept)."""
    path = runtime_file(fit["runtime"])
    text = path.read_text()
    for key in ("time_factor", "call_overhead_ms"):
        text, n = re.subn(rf"^(\s*{key}:\s*)[0-9.eE+-]+", rf"\g<1>{fit[key]}", text, count=1, flags=re.M)
        if n != 1:
            raise AccelsimError(f"{path}: relative_to.{key}: no line to write")
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m accelsim.calibration.stack_fit", description=__doc__.split("\n")[0])
    ap.add_argument("--runtime", default="tensorflow-gpu", choices=sorted(COLUMNS))
    ap.add_argument("--write", action="store_true", help="write the fitted figures into the runtime's YAML")
    args = ap.parse_args(argv)
    fit = fit_relative(args.runtime)
    print(f"{fit['runtime']}: time = {fit['time_factor']} x base + {fit['call_overhead_ms']} ms over {fit['rows']} "
          f"rows of {fit['table']} (median error {fit['median_ape']:.1%}, max {fit['max_ape']:.1%})")
    if args.write:
        print(f"wrote {write_fit(fit)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
