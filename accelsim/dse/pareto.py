"""Pareto fronts of a sweep: the points no other point beats on every objective (all minimized)."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure
from numba import njit

from accelsim.report.plots import new_figure, save_png

LABELS = {"latency_ms": "latency (ms)", "energy_mj": "energy (mJ)", "area_mm2": "area proxy (mm², 45 nm)",
          "dram_bytes": "DRAM traffic (bytes)", "pe_count": "PEs", "sram_bytes": "on-chip SRAM (bytes)",
          "total_cycles": "cycles"}


@njit(cache=True)
def _front_of_sorted(values: np.ndarray) -> np.ndarray:
    """Non-dominated mask of rows already in lexicographic order (a dominator always comes first)."""
    n, k = values.shape
    keep = np.zeros(n, dtype=np.bool_)
    front = np.empty(n, dtype=np.int64)
    size = 0
    for i in range(n):
        dominated = False
        for j in range(size):
            f = front[j]
            no_worse, better = True, False
            for c in range(k):
                if values[f, c] > values[i, c]:
                    no_worse = False
                    break
                if values[f, c] < values[i, c]:
                    better = True
            if no_worse and better:
                dominated = True
                break
        if not dominated:
            keep[i] = True
            front[size] = i
            size += 1
    return keep


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n points x k objectives, minimized).

    A row is dominated when another is no worse on every objective and better
    on one; equal rows do not dominate each other. Rows are visited in
    lexicographic order and compared with the front found so far (dominance is
    transitive), so the cost is about n x front size.
    """
    values = np.asarray(values, dtype=np.float64)
    keep = np.zeros(len(values), dtype=bool)
    if len(values) == 0:
        return keep
    order = np.lexsort(values.T[::-1])
    keep[order] = _front_of_sorted(np.ascontiguousarray(values[order]))
    return keep


def pareto_rows(rows: list[dict], objectives: list[str], group_by: tuple[str, ...] = ("workload",)
                ) -> list[dict]:
    """The non-dominated successful rows, separately for each group (by default each workload)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        if r["status"] == "ok" and all(r.get(o) is not None for o in objectives):
            groups[tuple(r[g] for g in group_by)].append(r)
    front = []
    for members in groups.values():
        mask = pareto_mask(np.array([[r[o] for o in objectives] for r in members]))
        front += sorted((r for r, k in zip(members, mask) if k), key=lambda r: r[objectives[0]])
    return front


def flat(row: dict, param_keys: list[str]) -> dict:
    """A row for CSV: parameters as their own columns."""
    out = {k: v for k, v in row.items() if k != "params"}
    for k in param_keys:
        out[k] = row["params"].get(k)
    return out


def write_csv(path: Path, rows: list[dict], param_keys: list[str], columns: list[str]) -> Path:
    fields = ["key", "workload", "compression", "precision"] + param_keys + [c for c in columns if c not in (
        "key", "workload", "compression", "precision")]
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(flat(r, param_keys))
    return path


def _log_axes(ax) -> None:
    """Log scales with ticks at 1, 2 and 5 per decade, written plainly (0.05, 2, 300)."""
    for axis, set_scale in ((ax.xaxis, ax.set_xscale), (ax.yaxis, ax.set_yscale)):
        set_scale("log")
        axis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(mticker.NullFormatter())


def pareto_figure(rows: list[dict], front: list[dict], objectives: list[str]) -> Figure:
    """Per workload: every point in grey, the front coloured, on each pair (first objective, other)."""
    ok = [r for r in rows if r["status"] == "ok"]
    workloads = list(dict.fromkeys(r["workload"] for r in ok)) or ["(no successful points)"]
    x_obj, others = objectives[0], objectives[1:]
    fig = new_figure(5.2 * len(others), 4.2 * len(workloads))
    axes = fig.subplots(len(workloads), len(others), squeeze=False)
    for wi, wl in enumerate(workloads):
        pts = [r for r in ok if r["workload"] == wl]
        fr = sorted((r for r in front if r["workload"] == wl), key=lambda r: r[x_obj])
        for oi, y_obj in enumerate(others):
            ax = axes[wi][oi]
            ax.scatter([r[x_obj] for r in pts], [r[y_obj] for r in pts], s=6, color="#bbbbbb",
                       label=f"all points ({len(pts)})", rasterized=True)
            colour_obj = next((o for o in objectives if o not in (x_obj, y_obj)), y_obj)
            sc = ax.scatter([r[x_obj] for r in fr], [r[y_obj] for r in fr], s=26, c=[r[colour_obj] for r in fr],
                            cmap="viridis", edgecolors="black", linewidths=0.4, zorder=3,
                            label=f"Pareto front ({len(fr)})")
            if fr:
                fig.colorbar(sc, ax=ax, label=LABELS.get(colour_obj, colour_obj))
            _log_axes(ax)
            ax.set_xlabel(LABELS.get(x_obj, x_obj))
            ax.set_ylabel(LABELS.get(y_obj, y_obj))
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize=8, loc="upper right")
            ax.set_title(f"{wl}: {LABELS.get(x_obj, x_obj).split(' (')[0]} vs "
                         f"{LABELS.get(y_obj, y_obj).split(' (')[0]}", fontsize=10)
    return fig


def write_pareto_png(path: Path, rows: list[dict], front: list[dict], objectives: list[str]) -> Path:
    return save_png(pareto_figure(rows, front, objectives), path)
