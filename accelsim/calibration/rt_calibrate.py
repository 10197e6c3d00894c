"""``accelsim calibrate`` (runtime part): fit ``runtime_factors`` to every usable row of the measurement tables.

Rows of held-back devices (:mod:`accelsim.calibration.frameworks`) never enter a fit: they are dropped
before the terms are built and counted in ``held_back_excluded``. The calibration file lists every row
used (id, soc, unit, model, runtime, key, measured, fitted) and the parameter count.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from accelsim.calibration import rt_fit
from accelsim.calibration.fit import error_stats
from accelsim.calibration.frameworks import is_held_back
from accelsim.calibration.rt_terms import RtTerms, build_rt_terms
from accelsim.calibration.table import MeasuredRow, read_table
from accelsim.errors import AccelsimError
from accelsim.paths import REPO_ROOT

DEFAULT_TABLES = (REPO_ROOT / "hw_profiles" / "device_latency_calibration.csv",
                  REPO_ROOT / "hw_profiles" / "ncnn_benchmark_calibration.csv")
DEFAULT_MODELS = REPO_ROOT / "workloads" / "ncnn"


def _show(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def read_tables(tables) -> list[MeasuredRow]:
    """Rows of every table; an id used twice across tables is an error."""
    rows, seen = [], {}
    for t in tables:
        for r in read_table(t):
            if r.id in seen:
                raise AccelsimError(f"{t}: id {r.id!r} is also in {seen[r.id]}; ids must be unique across tables")
            seen[r.id] = t
            rows.append(r)
    return rows


def fit_terms(tables, models: Path | None) -> tuple[RtTerms, int]:
    """Terms of every usable, not held-back row of ``tables``, and how many held-back rows were dropped."""
    rows = read_tables(tables)
    usable = [r for r in rows if not is_held_back(r.soc, r.id)]
    terms = build_rt_terms(usable, models=models)
    if not terms.rows:
        raise AccelsimError(f"{', '.join(map(str, tables))}: no row names a known soc, unit and model; nothing to fit")
    return terms, len(rows) - len(usable)


def calibrate_runtime(tables=DEFAULT_TABLES, models: Path | None = DEFAULT_MODELS) -> dict:
    """The ``runtime_calibration`` and ``runtime_factors`` sections of calibration.yaml."""
    terms, held = fit_terms(tables, models)
    layout = rt_fit.rt_layout(terms)
    theta = rt_fit.solve(layout, terms)
    pred = rt_fit.predict_ms(theta, layout, terms)
    spec = rt_fit.predict_ms(np.zeros(layout.size), layout, terms)
    measured = terms.measured_ms
    st, sp = error_stats(pred, measured), error_stats(spec, measured)
    rows = [{"id": r.row.id, "soc": r.row.soc, "unit": r.row.unit, "model": r.row.model, "runtime": r.runtime,
             "key": r.key, "measured_ms": r.row.latency_ms, "fitted_ms": round(float(p), 4)}
            for r, p in zip(terms.rows, pred)]
    section = {
        "tables": [{"path": _show(Path(t)), "sha256": hashlib.sha256(Path(t).read_bytes()).hexdigest()} for t in tables],
        "models": _show(models) if models else None,
        "method": "log-space soft-L1 least squares (scipy least_squares, trf, analytic Jacobian), ridge towards "
                  "spec; factors per group, runtime and runtime/core-family key (accelsim/calibration/rt_fit.py)",
        "rows_used": len(terms.rows), "free_parameters": layout.size,
        "parameters": [f"{s}:{n}:{c}" if c else f"{s}:{n}" for s, n, c in layout.names],
        "held_back_excluded": held, "median_ape": round(st["median_ape"], 4), "within_2x": round(st["within_2x"], 4),
        "spec_only_median_ape": round(sp["median_ape"], 4), "spec_only_within_2x": round(sp["within_2x"], 4),
        "skipped": [{"id": r.id, "reason": why} for r, why in terms.skipped], "rows": rows}
    return {"runtime_calibration": section, "runtime_factors": layout.factors(theta)}
