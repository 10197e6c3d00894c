"""Fit runtime factors shared across chips: per (group x op class), per runtime, per (runtime/core family x op class).

Log-factor parameters, all 0 (= spec) at the start:

- ``shared``: per calibration group present (cpu, gpu, nvidia_gpu, dsp, ...): ``compute`` (every
  compute class), ``depthwise`` (on top, for depthwise layers), ``overhead`` (dispatch), ``int8``
  (GEMM efficiency of int8 layers, on top) and ``threads`` (compute time per doubling of threads:
  the thread pool's scaling loss);
- ``runtimes``: one per runtime (scales its compute classes, not dispatch);
- ``keys``: per op class of each runtime/core-type (CPU) or runtime/GPU-family key with at least
  ``MIN_KEY_ROWS`` rows -- never per measured device.

A row's factor for class c is exp(shared[group, compute] (+ shared[group, depthwise]) + runtime[rt] +
key[k, c]), or exp(shared[group, c] + key[k, c]) for c = overhead, int8, threads. Residuals are
``log(predicted) - log(measured)`` (soft-L1 loss, so a few noisy rows do not steer the fit) plus ridge
terms pulling each log factor towards 0; solved with ``scipy.optimize.least_squares`` (trust-region
reflective, analytic Jacobian, bounds). Efficiencies pass through a smooth cap at 1, so every factor moves,
whatever its start. The parameter count is kept at most one per ten rows: parameters are taken in the
order shared compute, shared overhead, runtimes, shared depthwise, int8, threads (groups and runtimes
with most rows first; a group's own factors at most one per ten of its rows, at least its compute
factor), then keys (most rows first), while the budget lasts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from accelsim.calibration.rt_terms import CLASS_INDEX, RtTerms
from accelsim.runtime.cost import CAP_SHARPNESS, COMPUTE_CLASSES, FACTOR_CLASSES, soft_cap

MIN_KEY_ROWS = 30
MIN_KEY_DEVICES = 2        # a key seen on one device only would be a per-device factor: never fitted
ROWS_PER_PARAMETER = 10
RIDGE = {"shared": 0.02, "runtime": 0.1, "key": 0.3, "core": 1.0}
BOUNDS = {"compute": (0.02, 20.0), "overhead": (0.02, 50.0)}
LOSS_SCALE = 0.25          # soft-L1 knee: log-residuals beyond ~25% count linearly
ELEM = CLASS_INDEX["elementwise"]
OVH = CLASS_INDEX["overhead"]
INT8 = CLASS_INDEX["int8"]
THR = CLASS_INDEX["threads"]
SHARED_ORDER = ("compute", "overhead", None, "depthwise", "int8", "threads")   # None: the runtimes
NC = len(FACTOR_CLASSES)


@dataclass
class RtLayout:
    names: list[tuple[str, str, str]]     # (section, name, class) per parameter; class "" for runtimes
    index: np.ndarray                     # (rows, classes, 3) parameter indexes, -1 = none

    @property
    def size(self) -> int:
        return len(self.names)

    def bounds(self):
        lo = [math.log(BOUNDS["overhead" if c == "overhead" else "compute"][0]) for _, _, c in self.names]
        hi = [math.log(BOUNDS["overhead" if c == "overhead" else "compute"][1]) for _, _, c in self.names]
        for i, (_, _, c) in enumerate(self.names):
            if c == "threads":          # per doubling of threads: between 0.5x and 2x
                lo[i], hi[i] = math.log(0.5), math.log(2.0)
        return np.array(lo), np.array(hi)

    def ridge(self) -> np.ndarray:
        return np.sqrt([RIDGE[s] for s, _, _ in self.names])

    def factors(self, theta: np.ndarray) -> dict:
        """The calibration file's ``runtime_factors`` mapping."""
        out: dict = {"shared": {}, "runtimes": {}, "keys": {}}
        for (section, name, cls), v in zip(self.names, theta):
            val = float(f"{math.exp(v):.4g}")
            if section == "runtime":
                out["runtimes"][name] = val
            else:
                out.setdefault({"shared": "shared", "key": "keys", "core": "cores"}[section], {}) \
                    .setdefault(name, {})[cls] = val
        return out


def _by_count(values) -> list[str]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k)), counts


def _support(terms: RtTerms, fitted: np.ndarray | None) -> set[tuple[str, str, str]]:
    """(group|key, name, class) pairs some fitted row has data for (a layer of the class, int8 layers, >1 thread)."""
    out = set()
    lr = terms.layer_row
    for i, r in enumerate(terms.rows):
        if fitted is not None and not fitted[i]:
            continue
        sl = slice(terms.row_start[i], terms.row_start[i + 1] if i + 1 < len(terms.rows) else lr.size)
        classes = {FACTOR_CLASSES[c] for c in np.unique(terms.gemm_cls[sl][terms.gemm[sl] > 0])}
        if np.any(terms.vector[sl] > 0):
            classes.add("elementwise")
        if np.any(terms.overhead[sl] > 0):
            classes.add("overhead")
        if np.any(terms.int8[sl]):
            classes.add("int8")
        if terms.log2_threads[i] > 0:
            classes.add("threads")
        for c in classes:
            out.add(("group", r.group, c))
            out.add(("key", r.key, c))
            if r.core_key:
                out.add(("core", r.core_key, c))
    return out


def rt_layout(terms: RtTerms, fitted: np.ndarray | None = None) -> RtLayout:
    """Parameters the rows support, at most one per ``ROWS_PER_PARAMETER`` rows (at least one).

    ``fitted``: mask of the rows a fit may use (default all); only they count.
    """
    n = len(terms.rows)
    use = [r for i, r in enumerate(terms.rows) if fitted is None or fitted[i]]
    groups, group_rows = _by_count(r.group for r in use)
    runtimes, _ = _by_count(r.fit_runtime for r in use)
    keys, counts = _by_count(r.key for r in use)
    supported = _support(terms, fitted)
    wanted = []
    per_group = {g: 0 for g in groups}    # a group's own classes: at most one per ROWS_PER_PARAMETER of its rows
    for cls in SHARED_ORDER:
        if cls is None:
            wanted += [("runtime", rt, "") for rt in runtimes]
            continue
        for g in groups:
            if (cls == "compute" or ("group", g, cls) in supported) and \
                    per_group[g] < max(1, group_rows[g] // ROWS_PER_PARAMETER):
                wanted.append(("shared", g, cls))
                per_group[g] += 1
    budget = max(1, len(use) // ROWS_PER_PARAMETER)
    names = wanted[:budget]
    devices: dict[str, set] = {}
    for r in use:
        devices.setdefault(r.key, set()).add(r.row.soc)
        if r.core_key:
            devices.setdefault(r.core_key, set()).add(r.row.soc)
    for k in keys:
        classes = [c for c in FACTOR_CLASSES if ("key", k, c) in supported]
        if counts[k] >= MIN_KEY_ROWS and len(devices[k]) >= MIN_KEY_DEVICES and len(names) + len(classes) <= budget:
            names += [("key", k, c) for c in classes]
    # core types under a family key shared by several core types (else the key already is the core type)
    family_cores: dict[str, set] = {}
    for r in use:
        if r.core_key:
            family_cores.setdefault(r.key, set()).add(r.core_key)
    cores, ccounts = _by_count(r.core_key for r in use if r.core_key and len(family_cores[r.key]) > 1)
    for k in cores:
        classes = [c for c in FACTOR_CLASSES if ("core", k, c) in supported]
        if ccounts[k] >= MIN_KEY_ROWS and len(devices[k]) >= MIN_KEY_DEVICES and len(names) + len(classes) <= budget:
            names += [("core", k, c) for c in classes]
    pos = {nm: i for i, nm in enumerate(names)}
    index = np.full((n, NC, 5), -1, dtype=np.int64)
    for i, r in enumerate(terms.rows):
        for j, c in enumerate(FACTOR_CLASSES):
            if c not in COMPUTE_CLASSES:
                index[i, j, 0] = pos.get(("shared", r.group, c), -1)
            else:
                index[i, j, 0] = pos.get(("shared", r.group, "compute"), -1)
                index[i, j, 1] = pos.get(("shared", r.group, "depthwise"), -1) if c == "depthwise" else -1
                index[i, j, 2] = pos.get(("runtime", r.fit_runtime, ""), -1)
            index[i, j, 3] = pos.get(("key", r.key, c), -1)
            index[i, j, 4] = pos.get(("core", r.core_key, c), -1) if r.core_key else -1
    return RtLayout(names, index)


def _parts(theta: np.ndarray, layout: RtLayout, t: RtTerms):
    ext = np.append(theta, 0.0)
    logf = ext[layout.index].sum(axis=2)               # (rows, classes)
    f = np.exp(logf)
    lr = t.layer_row
    xg = t.prior_g * f[lr, t.gemm_cls] * np.where(t.int8, f[lr, INT8], 1.0)
    xv = t.prior_v * f[lr, ELEM]
    tg = np.divide(t.gemm, soft_cap(xg))
    tv = np.divide(t.vector, soft_cap(xv))
    lt = t.log2_threads[lr]
    scale = np.exp(logf[lr, THR] * lt)
    comp = (tg + tv) * scale
    ovh = t.overhead * f[lr, OVH]
    bound = comp >= t.memory
    work = np.where(bound, comp, t.memory)
    # asynchronous launches: a layer costs max(work, dispatch); the term that wins carries the derivative
    hidden = np.zeros(lr.size, bool) if t.async_layer is None else t.async_layer
    ovh_wins = hidden & (ovh > work)
    cyc = np.where(hidden, np.maximum(work, ovh), work + ovh)
    bound = bound & ~ovh_wins
    ovh_d = np.where(hidden & ~ovh_wins, 0.0, ovh)
    total = np.add.reduceat(cyc, t.row_start)
    return total, (tg, tv, xg, xv, ovh_d, bound, scale, comp, lt)


def predict_ms(theta: np.ndarray, layout: RtLayout, t: RtTerms) -> np.ndarray:
    return _parts(theta, layout, t)[0] / (t.clock_ghz * 1e6)


def _residuals(theta, layout, t, w):
    pred = predict_ms(theta, layout, t)
    return np.concatenate([w * (np.log(pred) - np.log(t.measured_ms)), layout.ridge() * theta])


def _jacobian(theta, layout, t, w):
    total, (tg, tv, xg, xv, ovh, bound, scale, comp, lt) = _parts(theta, layout, t)
    lr = t.layer_row
    p = layout.size + 1
    n = len(t.rows)
    dg = np.where(bound, -scale * tg / (1.0 + xg ** CAP_SHARPNESS), 0.0)
    dv = np.where(bound, -scale * tv / (1.0 + xv ** CAP_SHARPNESS), 0.0)
    dthr = np.where(bound, comp * lt, 0.0)
    jac = np.zeros(n * p)
    m = lr.size
    for deriv, cls in ((dg, t.gemm_cls), (np.where(t.int8, dg, 0.0), np.full(m, INT8)), (dv, np.full(m, ELEM)),
                       (ovh, np.full(m, OVH)), (dthr, np.full(m, THR))):
        for slot in range(layout.index.shape[2]):
            idx = layout.index[lr, cls, slot]
            idx = np.where(idx < 0, p - 1, idx)
            jac += np.bincount(lr * p + idx, weights=deriv, minlength=n * p)
    jac = jac.reshape(n, p)[:, :-1] / total[:, None] * w[:, None]
    return np.vstack([jac, np.diag(layout.ridge())])


def solve(layout: RtLayout, t: RtTerms, weights: np.ndarray | None = None, theta0: np.ndarray | None = None):
    """Log factors minimising the (soft-L1) log-residuals plus ridge, within bounds."""
    w = np.ones(len(t.rows)) if weights is None else weights
    lo, hi = layout.bounds()
    x0 = np.zeros(layout.size) if theta0 is None else np.clip(theta0, lo + 1e-9, hi - 1e-9)
    res = least_squares(_residuals, x0, jac=_jacobian, bounds=(lo, hi), method="trf", loss="soft_l1",
                        f_scale=LOSS_SCALE, args=(layout, t, w), max_nfev=200, x_scale="jac",
                        tr_solver="lsmr")   # iterative: no dense SVD (slow under a busy multi-threaded BLAS)
    return res.x


def cross_validate(layout: RtLayout, t: RtTerms, labels: list[str], theta: np.ndarray,
                   fitted: np.ndarray | None = None, predict: np.ndarray | None = None) -> np.ndarray:
    """Each row (of ``predict``, default all) predicted by a fit without every row sharing its label.

    ``fitted``: rows a fit may ever use (held-back devices never are); NaN for rows not predicted.
    """
    labels_arr = np.array(labels)
    base = np.ones(len(t.rows), bool) if fitted is None else fitted
    want = np.ones(len(t.rows), bool) if predict is None else predict
    out = np.full(len(t.rows), np.nan)
    for lab in sorted(set(labels_arr[want])):
        held = labels_arr == lab
        th = solve(layout, t, weights=(base & ~held).astype(float), theta0=theta)
        sel = held & want
        out[sel] = predict_ms(th, layout, t)[sel]
    return out
