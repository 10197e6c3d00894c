"""``accelsim validate``: every row of a measurement table simulated under its runtime, and cross-validation.

Without ``cv`` each row is simulated (analytical fidelity) with the ``runtime_factors`` of a calibration
file (or none: spec figures and runtime alone). With ``cv`` = ``device`` (or ``network``) the factors are
refitted once per device (network) of the table, without any row of it, from the table's rows plus the
repository's calibration tables (never rows of held-back devices), and each row is predicted by the fit
that did not see its device (network). A network's fp32 and int8 variants count as one network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accelsim.calibration import rt_fit
from accelsim.calibration.frameworks import is_held_back
from accelsim.calibration.rt_calibrate import DEFAULT_TABLES, _show, read_tables
from accelsim.calibration.rt_terms import build_rt_terms, row_setup
from accelsim.calibration.table import read_table
from accelsim.calibration.validate import RowResult, Validation, parity_axes
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile

CV_KINDS = ("device", "network")
NETWORK_ALIASES = {"mobilenet_v1": "mobilenet", "squeezenet1_1": "squeezenet"}


def network_of(model: str) -> str:
    base = model[:-5] if model.endswith("_int8") else model
    return NETWORK_ALIASES.get(base, base)


@dataclass
class RtRowResult(RowResult):
    """A validated row with the thread placement and runtime that priced it."""

    cores: str | None = None
    runtime: str = ""
    note: str = ""


@dataclass
class RtValidation(Validation):
    """A validation through runtimes; ``cv`` names the left-out grouping, ``fit`` what the (re)fits used."""

    cv: str | None = None
    fit: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "cv": self.cv, "n_rows": len(self.rows), "fit": self.fit}


def _simulate_rows(rows, models, calibration: Path | None, out: RtValidation) -> None:
    from accelsim.api import _simulate_workload
    from accelsim.runtime import load_runtime, runtime_factors
    from accelsim.runtime.run import RuntimeContext

    factors = runtime_factors(calibration) if calibration else {}
    profiles: dict[str, Profile] = {}
    for row in rows:
        try:
            prof, unit, wl, rt, cores, note = row_setup(row, profiles, models)
            ctx = RuntimeContext(load_runtime(rt), cores, factors, str(calibration) if calibration else None)
            run = _simulate_workload(prof, wl, unit, dataflow=None, fidelity="analytical", threads=row.threads,
                                     seed=0, weights=None, rt=ctx)
        except AccelsimError as err:
            out.skipped.append({"id": row.id, "reason": str(err)})
            continue
        ape = abs(run.latency_ms - row.latency_ms) / row.latency_ms
        out.rows.append(RtRowResult(row.id, row.soc, row.unit, row.model, row.precision, row.threads,
                                    run.latency_ms, row.latency_ms, ape, cores=cores, runtime=rt, note=note))


def _cross_validate(rows, models, cv: str, fit_tables, out: RtValidation) -> None:
    ids = {r.id for r in rows}
    extra = [r for r in read_tables(fit_tables) if r.id not in ids] if fit_tables else []
    terms = build_rt_terms(rows + extra, models=models)
    out.skipped.extend({"id": r.id, "reason": why} for r, why in terms.skipped if r.id in ids)
    fitted = np.array([not is_held_back(r.row.soc, r.row.id) for r in terms.rows])
    predict = np.array([r.row.id in ids for r in terms.rows])
    labels = [r.row.soc if cv == "device" else network_of(r.row.model) for r in terms.rows]
    layout = rt_fit.rt_layout(terms, fitted)
    theta = rt_fit.solve(layout, terms, weights=fitted.astype(float))
    pred = rt_fit.cross_validate(layout, terms, labels, theta, fitted=fitted, predict=predict)
    for i, r in enumerate(terms.rows):
        if predict[i]:
            m = r.row.latency_ms
            out.rows.append(RtRowResult(r.row.id, r.row.soc, r.row.unit, r.row.model, r.row.precision,
                                        r.row.threads, float(pred[i]), m, abs(float(pred[i]) - m) / m,
                                        cores=r.cores, runtime=r.runtime, note=r.note))
    out.fit = {"rows_fitted": int(fitted.sum()), "free_parameters": layout.size,
               "folds": len(set(np.array(labels)[predict])),
               "fit_tables": [_show(Path(t)) for t in fit_tables] if fit_tables else []}


def validate_runtime(table, models=None, cv: str | None = None, calibration=None,
                     fit_tables=DEFAULT_TABLES) -> RtValidation:
    """Predicted vs measured latency of every row of ``table`` (see the module docstring)."""
    if cv is not None and cv not in CV_KINDS:
        raise AccelsimError(f"cv: got {cv!r}; allowed: {', '.join(CV_KINDS)}")
    rows = read_table(table)
    models = Path(models) if models else None
    if models is not None and not models.is_dir():
        raise AccelsimError(f"{models}: models folder not found")
    cal = Path(calibration) if calibration else None
    if cal is not None and not cal.is_file():
        raise AccelsimError(f"{cal}: calibration file not found (run `accelsim calibrate` first)")
    out = RtValidation(_show(Path(table)), _show(cal) if cal and cv is None else None, cv=cv)
    if cv is None:
        _simulate_rows(rows, models, cal, out)
    else:
        _cross_validate(rows, models, cv, fit_tables, out)
    return out


def plot_by_device(v: RtValidation, path, title: str = "") -> Path:
    """Log-log predicted vs measured latency, one colour per device, with y = x and the 2x band."""
    from accelsim.report.plots import new_figure, save_png

    fig = new_figure(7.6, 6.4)
    ax = fig.subplots()
    socs = sorted({r.soc for r in v.rows})
    cmap = __import__("matplotlib").colormaps["tab20"]
    for i, soc in enumerate(socs):
        pts = [r for r in v.rows if r.soc == soc]
        ax.scatter([r.measured_ms for r in pts], [r.predicted_ms for r in pts], s=10, alpha=0.75,
                   color=cmap(i % 20), marker="os^D"[i // 20 % 4], label=soc)
    parity_axes(ax, [x for r in v.rows for x in (r.measured_ms, r.predicted_ms)], "latency (ms)")
    how = {"device": "leave-one-device-out", "network": "leave-one-network-out"}.get(v.cv or "", "")
    ax.set_title(title or f"{how + ': ' if how else ''}{len(v.rows)} rows, median APE {100 * v.median_ape:.1f}%, "
                          f"{100 * v.within_2x:.0f}% within 2x", fontsize=10)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(fontsize=6, loc="upper left", ncol=2, markerscale=1.5)
    return save_png(fig, Path(path), dpi=130)
