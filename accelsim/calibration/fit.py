"""Fit efficiency factors to measured latencies: bounded, regularised least squares in log space.

Free parameters (all logs of multiplicative factors, 0 = spec as written):

- per calibration group present in the table (a unit's ``calibration_group``,
  by default its kind: cpu, gpu, dsp, npu, vpu, dla; NVIDIA GPUs form their
  own group): an efficiency factor, a depthwise factor on top of it, and an
  overhead factor;
- per unit (``soc/unit``) present in the table: its own efficiency and
  depthwise factors (frameworks differ most on depthwise kernels).

Residuals are ``log(predicted) - log(measured)``; unit factors, depthwise and
overhead factors are pulled towards the group or the spec by ridge terms, so a
unit with one row moves only part way from its group and a unit with no rows
gets its group's factors (partial pooling). The solver is scipy's bounded
least_squares (trust-region reflective, central-difference Jacobian).
Leave-one-out refits without each row in turn and predicts it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from accelsim.calibration.terms import RowTerms, predict_ms

# bounds on the factors (not logs): efficiency can fall to 1/50 of spec or rise 5x (capped at peak anyway)
BOUNDS = {"efficiency": (0.02, 5.0), "depthwise": (0.05, 5.0), "overhead": (0.1, 30.0), "unit": (0.2, 5.0),
          "unit_depthwise": (0.1, 5.0)}
# ridge weights (1 / prior variance of the log factor)
RIDGE = {"efficiency": 0.01, "depthwise": 0.3, "overhead": 0.1, "unit": 0.3, "unit_depthwise": 0.5}


@dataclass
class Layout:
    """Which log-factor each entry of the parameter vector is."""

    groups: list[str]
    units: list[str]

    @property
    def size(self) -> int:
        return 3 * len(self.groups) + 2 * len(self.units)

    def names(self) -> list[tuple[str, str]]:
        return ([("efficiency", k) for k in self.groups] + [("depthwise", k) for k in self.groups]
                + [("overhead", k) for k in self.groups] + [("unit", u) for u in self.units]
                + [("unit_depthwise", u) for u in self.units])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([math.log(BOUNDS[grp][0]) for grp, _ in self.names()])
        hi = np.array([math.log(BOUNDS[grp][1]) for grp, _ in self.names()])
        return lo, hi

    def ridge(self) -> np.ndarray:
        return np.sqrt(np.array([RIDGE[grp] for grp, _ in self.names()]))

    def row_factors(self, theta: np.ndarray, terms: RowTerms):
        """Per-row (efficiency, depthwise, overhead) factors from the parameter vector."""
        ng = len(self.groups)
        g_idx = np.array([self.groups.index(k) for k in terms.groups])
        u_idx = np.array([self.units.index(u) for u in terms.units])
        nu = len(self.units)
        eff = np.exp(theta[g_idx] + theta[3 * ng + u_idx])
        return eff, np.exp(theta[ng + g_idx] + theta[3 * ng + nu + u_idx]), np.exp(theta[2 * ng + g_idx])

    def factors(self, theta: np.ndarray) -> dict:
        """The calibration file's ``factors`` mapping."""
        ng = len(self.groups)
        groups = {k: {"efficiency": _r(theta[i]), "depthwise": _r(theta[ng + i]), "overhead": _r(theta[2 * ng + i])}
                 for i, k in enumerate(self.groups)}
        nu = len(self.units)
        units = {u: {"efficiency": _r(theta[3 * ng + i]), "depthwise": _r(theta[3 * ng + nu + i])}
                 for i, u in enumerate(self.units)}
        return {"groups": groups, "units": units}


def _r(log_value: float) -> float:
    return float(f"{math.exp(log_value):.4g}")


def layout_of(terms: RowTerms) -> Layout:
    return Layout(sorted(set(terms.groups)), sorted(set(terms.units)))


def residuals(theta: np.ndarray, layout: Layout, terms: RowTerms, weights: np.ndarray) -> np.ndarray:
    pred = predict_ms(terms, *layout.row_factors(theta, terms))
    fit = weights * (np.log(pred) - np.log(terms.measured_ms))
    return np.concatenate([fit, layout.ridge() * theta])


def solve(layout: Layout, terms: RowTerms, weights: np.ndarray | None = None, theta0: np.ndarray | None = None,
          max_iter: int = 200) -> np.ndarray:
    """Bounded least-squares minimum of the squared residuals (scipy trust-region reflective); returns the log factors.

    Central differences: a factor whose efficiency sits at the cap of 1 still sees the way down.
    """
    w = np.ones(len(terms.rows)) if weights is None else weights
    lo, hi = layout.bounds()
    x0 = np.zeros(layout.size) if theta0 is None else theta0
    x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
    res = least_squares(residuals, x0, jac="3-point", bounds=(lo, hi), method="trf", args=(layout, terms, w),
                        max_nfev=max_iter, x_scale=1.0)
    return res.x


@dataclass
class FitResult:
    layout: Layout
    theta: np.ndarray
    predicted_ms: np.ndarray
    loo_predicted_ms: np.ndarray | None


def fit(terms: RowTerms, loo: bool = False) -> FitResult:
    """Fit all rows; with ``loo``, also refit without each row and predict it."""
    layout = layout_of(terms)
    theta = solve(layout, terms)
    pred = predict_ms(terms, *layout.row_factors(theta, terms))
    loo_pred = None
    if loo:
        loo_pred = np.empty(len(terms.rows))
        for i in range(len(terms.rows)):
            w = np.ones(len(terms.rows))
            w[i] = 0.0
            th = solve(layout, terms, weights=w, theta0=theta)
            loo_pred[i] = predict_ms(terms, *layout.row_factors(th, terms))[i]
    return FitResult(layout, theta, pred, loo_pred)


def error_stats(predicted: np.ndarray, measured: np.ndarray) -> dict:
    """APE per row, median APE and the share of rows within 2x of the measurement."""
    predicted, measured = np.asarray(predicted, float), np.asarray(measured, float)
    ape = np.abs(predicted - measured) / measured
    ratio = np.maximum(predicted / measured, measured / predicted)
    return {"ape": ape, "median_ape": float(np.median(ape)) if ape.size else float("nan"),
            "within_2x": float(np.mean(ratio <= 2.0)) if ape.size else float("nan")}
