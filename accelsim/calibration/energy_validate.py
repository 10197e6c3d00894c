"""``accelsim validate --table energy.csv``: predicted energy per inference at each row's scope.

A row of an energy table (``tests/data/energy_calibration.csv``) gives where a
measurement ran and what its power covered (``scope``):

- ``accelerator``: the chip and its DRAM alone (a USB stick): the run's ``energy_mj``;
- ``board``: the board's DC input: ``board_energy_mj`` (adds the rest of the idle board);
- ``wall``: the socket: board energy / the profile's ``psu_efficiency``.

The power mode is the one the row's ``conditions`` name (``MaxQ``, ``MAXN``...),
else the profile's default. A chip a host reaches over a bus (a profile with
``host_link``: a USB stick) runs over the link the row's ``conditions`` name
or ``scenario`` name (``USB2`` -> ``usb2``), else the profile's default link: the measured time and
power include the input upload and the output download. Each row reports the predicted energy (simulated
latency x predicted power), the average power (energy / latency: the power
model alone, free of latency error) and the latency, each against the
measurement.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from accelsim.api import simulate
from accelsim.calibration.fit import error_stats
from accelsim.calibration.table import MeasuredRow, read_table
from accelsim.calibration.terms import resolve_row
from accelsim.calibration.validate import parity_axes
from accelsim.cost.power import psu_efficiency
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile
from accelsim.hardware.energy_calibration import apply_factors, read_factors
from accelsim.hardware.power_mode import apply_power_mode
from accelsim.paths import REPO_ROOT
from accelsim.textio import read_text

SCOPES = ("accelerator", "board", "wall")
DEFAULT_ENERGY_TABLE = REPO_ROOT / "tests" / "data" / "energy_calibration.csv"
DEFAULT_ENERGY_CALIBRATION = REPO_ROOT / "hw_profiles" / "energy_calibration.yaml"


def is_energy_table(path: str | Path) -> bool:
    """True when the CSV's header has ``energy_mj`` and ``scope`` columns."""
    try:
        first = read_text(Path(path), "CSV table", missing="table file not found").splitlines()[:1]
    except AccelsimError:
        return False
    header = next(csv.reader(first), []) if first else []
    return {"energy_mj", "scope"} <= {h.strip() for h in header}


@dataclass
class EnergyRow:
    id: str
    soc: str
    unit: str
    model: str
    precision: str
    scope: str
    power_mode: str | None
    predicted_mj: float
    measured_mj: float
    ape: float
    predicted_w: float
    measured_w: float
    power_ape: float
    predicted_ms: float
    measured_ms: float
    runtime: str | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _stats(pred: list[float], meas: list[float]) -> dict:
    return error_stats(pred, meas) if pred else {"median_ape": float("nan"), "within_2x": float("nan")}


@dataclass
class EnergyValidation:
    table: str
    calibration: str | None
    energy_calibration: str | None
    rows: list[EnergyRow] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def _of(self, attr: str) -> dict:
        return _stats([getattr(r, f"predicted_{attr}") for r in self.rows],
                      [getattr(r, f"measured_{attr}") for r in self.rows])

    @property
    def median_ape(self) -> float:
        return self._of("mj")["median_ape"]

    @property
    def within_2x(self) -> float:
        return self._of("mj")["within_2x"]

    def to_dict(self) -> dict:
        power, latency = self._of("w"), self._of("ms")
        return {"table": self.table, "calibration": self.calibration, "energy_calibration": self.energy_calibration,
                "median_ape": self.median_ape, "within_2x": self.within_2x,
                "power_median_ape": power["median_ape"], "power_within_2x": power["within_2x"],
                "latency_median_ape": latency["median_ape"], "latency_within_2x": latency["within_2x"],
                "rows": [r.to_dict() for r in self.rows], "skipped": self.skipped}


def scope_of(row: MeasuredRow) -> str:
    scope = row.extra.get("scope", "")
    if scope not in SCOPES:
        raise AccelsimError(f"row {row.id}: scope: got {scope!r}; allowed: {', '.join(SCOPES)}")
    return scope


def measured_mj(row: MeasuredRow) -> float:
    try:
        value = float(row.extra.get("energy_mj", ""))
    except ValueError:
        value = -1.0
    if not value > 0:
        raise AccelsimError(f"row {row.id}: energy_mj: got {row.extra.get('energy_mj')!r}; must be a positive number")
    return value


def mode_of(row: MeasuredRow, profile: Profile) -> str | None:
    """The profile's power mode the row's ``conditions`` name (longest name first), or None (default mode)."""
    modes = sorted(profile.power.power_modes, key=len, reverse=True) if profile.power is not None else []
    text = row.extra.get("conditions", "")
    return next((m for m in modes if re.search(rf"(?<![A-Za-z0-9]){re.escape(m)}(?![A-Za-z0-9])", text, re.I)),
                None)


def link_of(row: MeasuredRow, profile: Profile) -> str | None:
    """The host link a row's measurement ran over: a link of the profile the row's ``conditions`` or
    ``scenario`` name (``USB2``, ``usb3``; longest name first), else the profile's default link; None for a
    chip not on a bus."""
    if profile.host_link is None:
        return None
    text = f"{row.extra.get('conditions', '')} {row.extra.get('scenario', '')}"
    links = sorted(profile.host_link.links, key=len, reverse=True)
    return next((k for k in links if re.search(rf"(?<![A-Za-z0-9]){re.escape(k)}(?![A-Za-z0-9])", text, re.I)),
                profile.host_link.default)


def scope_energy_mj(run, profile: Profile, scope: str) -> float:
    """A run's energy as a meter at ``scope`` would see it."""
    if scope == "accelerator":
        return run.energy_mj
    if scope == "board":
        return run.board_energy_mj
    return run.board_energy_mj / psu_efficiency(profile)


def predict_row(row: MeasuredRow, profile: Profile, unit, workload, runtime: str | None = None,
                cores: str | None = None, factors: dict | None = None,
                calibration: str | None = None) -> tuple[float, float, str | None]:
    """(energy at the row's scope in mJ, simulated latency in ms, power mode) of one row on a loaded profile.

    ``runtime`` (the row's software stack, :func:`accelsim.calibration.frameworks.runtime_for`) prices the
    layers as latency validation does, with ``factors`` (calibration.yaml's ``runtime_factors``); None: the
    unit's own cost model.
    """
    mode = mode_of(row, profile)
    prof, used = apply_power_mode(profile, mode)
    link = link_of(row, prof)
    if runtime is None:
        run = simulate(prof, workload, unit=unit.name, threads=row.threads, host_link=link)
    else:
        import dataclasses

        from accelsim.api import _simulate_workload
        from accelsim.cost.power import board_extra_mw
        from accelsim.runtime import load_runtime
        from accelsim.runtime.run import RuntimeContext

        u = prof.unit(unit.name)
        ctx = RuntimeContext(load_runtime(runtime), cores, factors or {}, calibration)
        run = _simulate_workload(prof, workload, u, dataflow=None, fidelity="analytical", threads=row.threads,
                                 seed=0, weights=None, rt=ctx, host_link=link)
        run = dataclasses.replace(run, power_mode=used, board_extra_mw=board_extra_mw(prof))
    return scope_energy_mj(run, prof, scope_of(row)), run.latency_ms, used


def validate_energy(table: str | Path, calibration: str | Path | None,
                    energy_calibration: str | Path | None) -> EnergyValidation:
    """Predicted vs measured energy, power and latency per row of an energy table, each row priced under
    the runtime its ``framework`` names (the same rule and runtime files as latency validation)."""
    from accelsim.calibration.rt_terms import row_setup
    from accelsim.runtime import runtime_factors

    rows = read_table(table)
    cal = Path(calibration) if calibration else None
    ecal = Path(energy_calibration) if energy_calibration else None
    factors = read_factors(ecal) if ecal is not None else {}
    rfactors = runtime_factors(cal) if cal is not None else {}
    out = EnergyValidation(str(table), str(cal) if cal else None, str(ecal) if ecal else None)
    profiles: dict[str, Profile] = {}
    ready: dict[str, Profile] = {}
    for row in rows:
        try:
            prof, unit, wl, rt, cores, _ = row_setup(row, profiles, None)
            scope_of(row)
            meas = measured_mj(row)
        except AccelsimError as err:
            out.skipped.append({"id": row.id, "reason": str(err)})
            continue
        if row.soc not in ready:
            ready[row.soc] = apply_factors(prof, factors)
        pred, ms, mode = predict_row(row, ready[row.soc], unit, wl, rt, cores, rfactors, str(cal) if cal else None)
        out.rows.append(EnergyRow(row.id, row.soc, row.unit, row.model, row.precision, scope_of(row), mode,
                                  pred, meas, abs(pred - meas) / meas, pred / ms, meas / row.latency_ms,
                                  abs(pred / ms - meas / row.latency_ms) / (meas / row.latency_ms),
                                  ms, row.latency_ms, rt))
    return out


def cmd_validate_energy(args: argparse.Namespace) -> int:
    """The ``accelsim validate`` path for an energy table (dispatched from accelsim.cli.cmd_validate)."""
    from accelsim.calibration.calibrate import DEFAULT_OUT
    from accelsim.report import format_table

    spec = getattr(args, "spec", False)
    calibration = None if spec else (getattr(args, "calibration", None) or
                                     (DEFAULT_OUT if DEFAULT_OUT.is_file() else None))
    ecal = None if spec else (DEFAULT_ENERGY_CALIBRATION if DEFAULT_ENERGY_CALIBRATION.is_file() else None)
    v = validate_energy(args.table, calibration, ecal)
    print(format_table(
        ["id", "soc", "unit", "model", "prec", "runtime", "scope", "mode", "measured mJ", "predicted mJ", "APE", "meas W",
         "pred W", "meas ms", "pred ms"],
        [[r.id, r.soc, r.unit, r.model, r.precision, r.runtime or "", r.scope, r.power_mode or "", f"{r.measured_mj:.1f}",
          f"{r.predicted_mj:.1f}", f"{100 * r.ape:.1f}%", f"{r.measured_w:.2f}", f"{r.predicted_w:.2f}",
          f"{r.measured_ms:.2f}", f"{r.predicted_ms:.2f}"] for r in v.rows], right=set(range(8, 15))))
    for s in v.skipped:
        print(f"skipped {s['id']}: {s['reason']}")
    d = v.to_dict()
    if v.rows:
        print(f"\n{len(v.rows)} rows: energy median APE {100 * d['median_ape']:.1f}%, within 2x "
              f"{100 * d['within_2x']:.0f}%; average power median APE {100 * d['power_median_ape']:.1f}%, within 2x "
              f"{100 * d['power_within_2x']:.0f}%; latency median APE {100 * d['latency_median_ape']:.1f}%")
    if getattr(args, "plot", None) and v.rows:
        print(f"wrote {plot_energy_validation(v, args.plot)}")
    if getattr(args, "json", None):
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(d, indent=2) + "\n")
        print(f"wrote {path}")
    return 0


def plot_energy_validation(v: EnergyValidation, path: str | Path) -> Path:
    """Log-log scatters of predicted vs measured energy and average power, with y = x and the 2x band."""
    from accelsim.report.plots import new_figure, save_png  # matplotlib: only when a plot is asked for

    fig = new_figure(11.0, 5.2)
    axes = fig.subplots(1, 2)
    d = v.to_dict()
    for ax, attr, unit, label in ((axes[0], "mj", "mJ", "energy per inference"),
                                  (axes[1], "w", "W", "average power")):
        scopes = sorted({r.scope for r in v.rows})
        for scope, marker in zip(scopes, "osD"):
            pts = [r for r in v.rows if r.scope == scope]
            ax.scatter([getattr(r, f"measured_{attr}") for r in pts], [getattr(r, f"predicted_{attr}") for r in pts],
                       marker=marker, s=30, alpha=0.8, label=scope)
            for r in pts:
                ax.annotate(r.id, (getattr(r, f"measured_{attr}"), getattr(r, f"predicted_{attr}")), fontsize=6,
                            xytext=(3, 2), textcoords="offset points")
        parity_axes(ax, [getattr(r, f"{k}_{attr}") for r in v.rows for k in ("measured", "predicted")],
                    f"{label} ({unit})")
        key = "" if attr == "mj" else "power_"
        ax.set_title(f"{label}: median APE {100 * d[key + 'median_ape']:.0f}%, "
                     f"{100 * d[key + 'within_2x']:.0f}% within 2x", fontsize=10)
        ax.grid(True, which="both", lw=0.3, alpha=0.5)
        ax.legend(fontsize=8, loc="upper left")
    return save_png(fig, Path(path), dpi=120)
