"""``accelsim calibrate``: fit the factors and write ``calibration.yaml`` beside the profiles."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from accelsim.calibration import fit as fitmod
from accelsim.calibration.table import read_table
from accelsim.calibration.terms import build_terms, predict_ms
from accelsim.errors import AccelsimError
from accelsim.hardware.calibration import CALIBRATION_FILE
from accelsim.paths import REPO_ROOT, builtin_dir

DEFAULT_OUT = builtin_dir("hw_profiles") / CALIBRATION_FILE
HEADER = """\
# Written by `accelsim calibrate` from the measurement table below: do not edit by hand.
# factors: multipliers of each unit's spec efficiencies (efficiency; depthwise on top) and
# per-layer overhead, per calibration group (a unit's calibration_group, default its kind)
# and per profile/unit; a unit gets its group's factors times its own (accelsim/hardware/calibration.py).
"""


@dataclass
class Calibration:
    data: dict

    @property
    def median_ape(self) -> float:
        return self.data["fit"]["median_ape"]


def _show(path: Path) -> str:
    """``path`` relative to the repository when inside it (files written into the repo stay portable)."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def calibrate(table: str | Path, loo: bool = False) -> Calibration:
    """Fit factors to every usable row of ``table``; with ``loo`` also the leave-one-out predictions."""
    table = Path(table)
    rows = read_table(table)
    terms = build_terms(rows)
    if not terms.rows:
        raise AccelsimError(f"{table}: no row names a known soc, unit and model; nothing to fit")
    res = fitmod.fit(terms, loo=loo)
    ones = np.ones(len(terms.rows))
    spec = predict_ms(terms, ones, ones, ones)
    measured = terms.measured_ms
    stats = fitmod.error_stats(res.predicted_ms, measured)
    spec_stats = fitmod.error_stats(spec, measured)
    out_rows = []
    for i, r in enumerate(terms.rows):
        entry = {**r.to_dict(), "group": terms.groups[i], "spec_ms": round(float(spec[i]), 4),
                 "fitted_ms": round(float(res.predicted_ms[i]), 4), "ape": round(float(stats["ape"][i]), 4)}
        if res.loo_predicted_ms is not None:
            loo_ape = abs(res.loo_predicted_ms[i] - measured[i]) / measured[i]
            entry.update(loo_ms=round(float(res.loo_predicted_ms[i]), 4), loo_ape=round(float(loo_ape), 4))
        out_rows.append(entry)
    fit_info = {"rows_used": len(terms.rows), "free_parameters": res.layout.size,
                "median_ape": round(stats["median_ape"], 4), "within_2x": round(stats["within_2x"], 4),
                "spec_only_median_ape": round(spec_stats["median_ape"], 4),
                "spec_only_within_2x": round(spec_stats["within_2x"], 4)}
    if res.loo_predicted_ms is not None:
        loo_stats = fitmod.error_stats(res.loo_predicted_ms, measured)
        fit_info.update(loo_median_ape=round(loo_stats["median_ape"], 4),
                        loo_within_2x=round(loo_stats["within_2x"], 4))
    fit_info["skipped"] = [{"id": r.id, "reason": why} for r, why in terms.skipped]
    fit_info["rows"] = out_rows
    data = {"table": _show(table), "table_sha256": hashlib.sha256(table.read_bytes()).hexdigest(),
            "method": "log-space least squares, scipy least_squares (trf, bounded), ridge towards group and spec "
                      "(accelsim/calibration/fit.py)",
            "bounds": fitmod.BOUNDS, "ridge": fitmod.RIDGE,
            "factors": res.layout.factors(res.theta), "fit": fit_info}
    return Calibration(data)


def write_calibration(cal: Calibration, path: str | Path) -> Path:
    path = Path(path)
    text = HEADER + yaml.safe_dump(cal.data, sort_keys=False, default_flow_style=None, width=110)
    try:
        path.write_text(text)
    except OSError as err:
        raise AccelsimError(f"{path}: cannot write calibration file: {err.strerror}") from None
    return path
