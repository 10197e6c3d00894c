"""Fit one busy-power factor per calibration group to measured average power; write ``energy_calibration.yaml``.

    python -m accelsim.calibration.energy_fit [--table CSV] [--out PATH]
    python -m accelsim.calibration.energy_fit --cv      # grouped validation: leave one row / device out

The quantity fitted is the average power at each row's scope (energy /
latency), the part the energy model owns: a row's predicted power is
``A + f x B`` where ``B`` is what the unit's busy power and leakage add at
the row's scope and ``f`` the factor of the unit's calibration group (``Unit.group``:
nvidia_gpu for Jetson GPUs, so phone GPUs keep their own figures). Each factor
minimises the squared log error over its rows (bounded to [0.2, 5]); groups with
fewer than ten rows share one factor (``parameters`` in the file), so there is at
most one fitted parameter per ten rows. Board idle
power, PSU efficiency and DRAM energies are cited figures and not fitted; rows on a unit whose busy power
is itself a cited measurement (``busy_power_measured``) fit nothing and count for no factor.
Held-back devices (Jetson Xavier NX, AGX Orin, Orin NX, the Myriad X stick)
are refused.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import yaml
from scipy.optimize import minimize_scalar

from accelsim.calibration.calibrate import DEFAULT_OUT
from accelsim.calibration.energy_validate import (DEFAULT_ENERGY_CALIBRATION, DEFAULT_ENERGY_TABLE, measured_mj,
                                                  predict_row, scope_of)
from accelsim.calibration.table import read_table
from accelsim.calibration.terms import resolve_row
from accelsim.errors import AccelsimError
from accelsim.hardware.energy_calibration import apply_factors

HELD_BACK = ("jetson_xavier_nx", "jetson_agx_orin", "jetson_orin_nx", "myriadx")
BOUNDS = (0.2, 5.0)
ROWS_PER_PARAMETER = 10
HEADER = """\
# Written by `python -m accelsim.calibration.energy_fit` from the energy table below: do not edit by hand.
# busy_power_factor: multiplier of each unit's busy power and leakage, per calibration group, fitted to the
# measured average power at each row's scope (accelsim/hardware/energy_calibration.py).
"""


def _row_terms(table: str | Path, calibration: Path | None, base: dict[str, float] | None = None,
               latencies: dict[str, float] | None = None) -> list[tuple[str, str, float, float]]:
    """(row id, calibration group, A, B) per usable row: predicted power = A + f * B; and the measured power.

    Each row runs under its framework's runtime with calibration.yaml's runtime factors, as
    ``accelsim validate`` prices it; ``base``: factors already fitted for other groups, applied to every
    profile (a GPU row's host CPU cores, ``host_cores_busy``, draw the cpu group's calibrated busy power);
    ``latencies``: filled with each fitted row's predicted latency (ms), which no factor changes."""
    from accelsim.calibration.rt_terms import row_setup
    from accelsim.runtime import runtime_factors

    rf = runtime_factors(calibration) if calibration else {}
    terms = []
    profiles: dict = {}
    for row in read_table(table):
        if row.soc in HELD_BACK:
            raise AccelsimError(f"row {row.id}: {row.soc} is held back for validation; never fit to it")
        try:
            prof, unit, wl, rt, cores, _ = row_setup(row, profiles, None)
            scope_of(row)
            meas_w = measured_mj(row) / row.latency_ms
        except AccelsimError:
            continue
        if unit.busy_power_measured:    # a cited busy power: no factor to fit (the row still counts in the table)
            terms.append((row.id, None, 0.0, 0.0, 0.0))
            continue
        cal = str(calibration) if calibration else None
        prof = apply_factors(prof, {g: f for g, f in (base or {}).items() if g != unit.group})
        e0, ms0, _ = predict_row(row, apply_factors(prof, {unit.group: 1e-9}), unit, wl, rt, cores, rf, cal)
        e1, ms1, _ = predict_row(row, prof, unit, wl, rt, cores, rf, cal)
        a, p1 = e0 / ms0, e1 / ms1
        if latencies is not None:
            latencies[row.id] = ms1
        terms.append((row.id, unit.group, a, p1 - a, meas_w))
    return terms


def parameter_pools(terms) -> list[list[str]]:
    """Groups sharing one fitted factor: a group with at least ``ROWS_PER_PARAMETER`` rows gets its own, the
    smaller ones share one while the fit keeps at most one parameter per ``ROWS_PER_PARAMETER`` rows of the
    table (rows on units with a cited busy power, group None, count in the table but fit no factor)."""
    counts: dict[str, int] = {}
    for t in terms:
        if t[1] is not None:
            counts[t[1]] = counts.get(t[1], 0) + 1
    table_rows = len(terms)
    own = sorted(g for g, n in counts.items() if n >= ROWS_PER_PARAMETER)
    rest = sorted(g for g, n in counts.items() if n < ROWS_PER_PARAMETER)
    pools = [[g] for g in own]
    if rest:
        if (len(pools) + 1) * ROWS_PER_PARAMETER <= table_rows or not pools:
            pools.append(rest)      # the small groups share one factor while the budget allows
        else:                       # no budget left: they join the largest pool
            pools[0] = pools[0] + rest
    return pools


def fit_factors(table: str | Path, calibration: Path | None) -> dict:
    """Fitted factors per calibration group, the rows used, and the power error before and after."""
    terms = _row_terms(table, calibration)
    factors, rows_used, params = {}, {}, []
    for pool in parameter_pools(terms):     # own-group pools (cpu) first: later pools see their factors
        if factors:
            terms = [t if t[1] not in pool else n for t, n in zip(terms, _row_terms(table, calibration, factors))]
        mine = [t for t in terms if t[1] in pool]

        def loss(f, mine=mine):
            return sum((math.log(a + f * b) - math.log(m)) ** 2 for _, _, a, b, m in mine)

        res = minimize_scalar(loss, bounds=BOUNDS, method="bounded")
        for g in pool:
            factors[g] = round(float(res.x), 4)
            rows_used[g] = [t[0] for t in mine if t[1] == g]
        params.append({"groups": pool, "rows": len(mine), "factor": round(float(res.x), 4)})

    fitted = [t for t in terms if t[1] is not None]

    def median_ape(f_of):
        apes = sorted(abs(a + f_of(k) * b - m) / m for _, k, a, b, m in fitted)
        return round(apes[len(apes) // 2], 4) if apes else None

    return {"busy_power_factor": factors, "parameters": params, "rows_used": rows_used,
            "rows_with_cited_busy_power": [t[0] for t in terms if t[1] is None],
            "power_median_ape_before": median_ape(lambda k: 1.0),
            "power_median_ape_after": median_ape(lambda k: factors[k])}


def _fit_pool(mine) -> float:
    return float(minimize_scalar(lambda f: sum((math.log(a + f * b) - math.log(m)) ** 2 for _, _, a, b, m in mine),
                                 bounds=BOUNDS, method="bounded").x)


def cross_validate(table: str | Path, calibration: Path | None) -> dict:
    """Grouped validation of the factors: each fitted row's energy ratio (predicted / measured) when its
    pool's factor is fitted without that row (``row``) or without every row of its device (``device``).
    Later pools see the earlier pools' factors fitted on all their rows (the cpu factor reaches a Xavier
    GPU row only through its host core)."""
    rows = {r.id: r for r in read_table(table)}
    fit = fit_factors(table, calibration)
    base: dict[str, float] = {}
    out: dict = {"row": {}, "device": {}}
    for p in fit["parameters"]:
        ms: dict[str, float] = {}
        mine = [t for t in _row_terms(table, calibration, base, ms) if t[1] in p["groups"]]
        for t in mine:
            rid, _, a, b, _m = t
            meas_mj = measured_mj(rows[rid])
            for by, keep in (("row", [u for u in mine if u[0] != rid]),
                             ("device", [u for u in mine if rows[u[0]].soc != rows[rid].soc])):
                if keep:
                    out[by][rid] = round((a + _fit_pool(keep) * b) * ms[rid] / meas_mj, 4)
        base.update({g: p["factor"] for g in p["groups"]})
    for by in ("row", "device"):
        ratios = list(out[by].values())
        out[f"{by}_within_2x"] = round(sum(0.5 <= r <= 2 for r in ratios) / len(ratios), 4) if ratios else None
    return out


def write(result: dict, out: Path, table: str | Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    body = {"table": Path(table).name, **result}
    out.write_text(HEADER + yaml.safe_dump(body, sort_keys=False))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m accelsim.calibration.energy_fit", description=__doc__.split("\n")[0])
    ap.add_argument("--table", default=str(DEFAULT_ENERGY_TABLE), metavar="CSV")
    ap.add_argument("--out", default=str(DEFAULT_ENERGY_CALIBRATION), metavar="PATH")
    ap.add_argument("--cv", action="store_true", help="print each fitted row's energy ratio with its pool's factor "
                    "fitted without the row and without its device; write nothing")
    args = ap.parse_args(argv)
    if args.cv:
        cv = cross_validate(args.table, DEFAULT_OUT if DEFAULT_OUT.is_file() else None)
        for by in ("row", "device"):
            print(f"leave-one-{by}-out: " + ", ".join(f"{k} {v:.2f}x" for k, v in cv[by].items())
                  + f"; within 2x {100 * cv[by + '_within_2x']:.0f}%")
        return 0
    result = fit_factors(args.table, DEFAULT_OUT if DEFAULT_OUT.is_file() else None)
    path = write(result, Path(args.out), args.table)
    print(f"busy_power_factor {result['busy_power_factor']}; average power median APE "
          f"{result['power_median_ape_before']} -> {result['power_median_ape_after']}; wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
