"""``accelsim validate``: simulate every row of a measurement table and compare with the measurement."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from accelsim.api import simulate
from accelsim.calibration.calibrate import _show
from accelsim.calibration.fit import error_stats
from accelsim.calibration.table import MeasuredRow, read_table
from accelsim.calibration.terms import resolve_row
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile
from accelsim.hardware.calibration import apply_calibration


@dataclass
class RowResult:
    id: str
    soc: str
    unit: str
    model: str
    precision: str
    threads: int | None
    predicted_ms: float
    measured_ms: float
    ape: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Validation:
    table: str
    calibration: str | None
    rows: list[RowResult] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    @property
    def median_ape(self) -> float:
        return error_stats([r.predicted_ms for r in self.rows], [r.measured_ms for r in self.rows])["median_ape"]

    @property
    def within_2x(self) -> float:
        return error_stats([r.predicted_ms for r in self.rows], [r.measured_ms for r in self.rows])["within_2x"]

    def to_dict(self) -> dict:
        stats = (self.median_ape, self.within_2x) if self.rows else (None, None)  # no rows: null, not NaN
        return {"table": self.table, "calibration": self.calibration, "median_ape": stats[0],
                "within_2x": stats[1], "rows": [r.to_dict() for r in self.rows], "skipped": self.skipped}


def validate_table(table: str | Path, calibration: str | Path | None) -> Validation:
    """Predicted vs measured latency per row; ``calibration`` None means spec figures alone."""
    rows: list[MeasuredRow] = read_table(table)
    cal_path = Path(calibration) if calibration else None
    if cal_path is not None and not cal_path.is_file():
        raise AccelsimError(f"{cal_path}: calibration file not found (run `accelsim calibrate` first)")
    result = Validation(_show(Path(table)), _show(cal_path) if cal_path else None)
    profiles: dict[str, Profile] = {}
    calibrated: dict[str, Profile] = {}
    for row in rows:
        try:
            prof, unit, wl = resolve_row(row, profiles)
        except AccelsimError as err:
            result.skipped.append({"id": row.id, "reason": str(err)})
            continue
        if row.soc not in calibrated:
            calibrated[row.soc] = apply_calibration(prof, cal_path) if cal_path else prof
        run = simulate(calibrated[row.soc], wl, unit=row.unit, threads=row.threads)
        ape = abs(run.latency_ms - row.latency_ms) / row.latency_ms
        result.rows.append(RowResult(row.id, row.soc, row.unit, row.model, row.precision, row.threads,
                                     run.latency_ms, row.latency_ms, ape))
    return result


def parity_axes(ax, values: list[float], quantity: str, legend: bool = False) -> None:
    """Log-log predicted-vs-measured axes over ``values``: the y = x line, the 2x band and the labels."""
    lo, hi = min(values) / 1.5, max(values) * 1.5
    ax.plot([lo, hi], [lo, hi], "k-", lw=1, label="predicted = measured" if legend else None)
    ax.plot([lo, hi], [2 * lo, 2 * hi], "k:", lw=0.8, label="2x band" if legend else None)
    ax.plot([lo, hi], [lo / 2, hi / 2], "k:", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(f"measured {quantity}")
    ax.set_ylabel(f"accelsim {quantity}")


def plot_validation(v: Validation, path: str | Path, title: str = "") -> Path:
    """Log-log scatter of predicted vs measured latency with the y = x line and the 2x band."""
    from accelsim.report.plots import new_figure, save_png  # matplotlib: only when a plot is asked for

    path = Path(path)
    fig = new_figure(6.4, 6.0)
    ax = fig.subplots()
    units = sorted({r.unit for r in v.rows})
    markers = dict(zip(units, "osD^vP*X"))
    for u in units:
        pts = [r for r in v.rows if r.unit == u]
        ax.scatter([r.measured_ms for r in pts], [r.predicted_ms for r in pts], marker=markers[u], s=36,
                   label=u, alpha=0.8)
        for r in pts:
            ax.annotate(r.id, (r.measured_ms, r.predicted_ms), fontsize=6, xytext=(3, 2), textcoords="offset points")
    parity_axes(ax, [x for r in v.rows for x in (r.measured_ms, r.predicted_ms)], "latency (ms)", legend=True)
    ax.set_title(title or f"{len(v.rows)} rows: median APE {100 * v.median_ape:.1f}%, "
                          f"{100 * v.within_2x:.0f}% within 2x", fontsize=10)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(fontsize=8, loc="upper left")
    return save_png(fig, path, dpi=130)
