"""Pareto fronts of a sweep: the points no other point beats on every objective (all minimized)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure
from numba import njit

from accelsim.dse.table import SweepTable
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


def pareto_indices(table: SweepTable, objectives: list[str], group_by: tuple[str, ...] = ("workload",)
                   ) -> np.ndarray:
    """Row indices of the non-dominated successful points, per group (by default per workload).

    Within a group the indices are sorted by the first objective.
    """
    if not len(table):
        return np.zeros(0, dtype=np.int64)
    values = np.column_stack([table.numeric(o) for o in objectives])
    usable = table.ok() & np.all(np.isfinite(values), axis=1)
    groups: dict[tuple, list[int]] = {}
    for i in np.flatnonzero(usable):
        groups.setdefault(tuple(table.columns[g][i] for g in group_by), []).append(int(i))
    front: list[int] = []
    for members in groups.values():
        idx = np.array(members)
        keep = idx[pareto_mask(values[idx])]
        front += keep[np.argsort(values[keep, 0], kind="stable")].tolist()
    return np.array(front, dtype=np.int64)


def pareto_rows(rows: list[dict], objectives: list[str], group_by: tuple[str, ...] = ("workload",)) -> list[dict]:
    """The non-dominated rows of a list of result dicts (``status == 'ok'``), per group."""
    if not rows:
        return []
    table = SweepTable({k: [r.get(k) for r in rows] for k in rows[0]}, [])
    return [rows[i] for i in pareto_indices(table, objectives, group_by)]


def _log_axes(ax) -> None:
    """Log scales with ticks at 1, 2 and 5 per decade, written plainly (0.05, 2, 300)."""
    for axis, set_scale in ((ax.xaxis, ax.set_xscale), (ax.yaxis, ax.set_yscale)):
        set_scale("log")
        axis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(mticker.NullFormatter())


def pareto_figure(table: SweepTable, front: np.ndarray, objectives: list[str], max_background: int = 20000,
                  seed: int = 0) -> Figure:
    """Per workload: the points in grey, the front coloured, first objective against each other one.

    At most ``max_background`` grey points per panel are drawn (a seeded random
    subset, said in the legend); every front point is drawn.
    """
    ok = table.ok()
    wl = np.array(table.columns["workload"], dtype=object)
    workloads = list(dict.fromkeys(wl[ok])) or ["(no successful points)"]
    vals = {o: table.numeric(o) for o in objectives}
    in_front = np.zeros(len(table), dtype=bool)
    in_front[front] = True
    x_obj, others = objectives[0], objectives[1:]
    fig = new_figure(5.2 * len(others), 4.2 * len(workloads))
    axes = fig.subplots(len(workloads), len(others), squeeze=False)
    rng = np.random.default_rng(seed)
    for wi, name in enumerate(workloads):
        members = np.flatnonzero(ok & (wl == name))
        shown = members if len(members) <= max_background else np.sort(rng.choice(members, max_background,
                                                                                   replace=False))
        fr = np.flatnonzero(in_front & (wl == name))
        fr = fr[np.argsort(vals[x_obj][fr])]
        for oi, y_obj in enumerate(others):
            ax = axes[wi][oi]
            label = f"all points ({len(members)}" + (f", {len(shown)} shown)" if len(shown) < len(members) else ")")
            ax.scatter(vals[x_obj][shown], vals[y_obj][shown], s=6, color="#bbbbbb", label=label, rasterized=True)
            colour_obj = next((o for o in objectives if o not in (x_obj, y_obj)), y_obj)
            sc = ax.scatter(vals[x_obj][fr], vals[y_obj][fr], s=26, c=vals[colour_obj][fr], cmap="viridis",
                            edgecolors="black", linewidths=0.4, zorder=3, label=f"Pareto front ({len(fr)})")
            if len(fr):
                fig.colorbar(sc, ax=ax, label=LABELS.get(colour_obj, colour_obj))
            if len(members):
                _log_axes(ax)
            ax.set_xlabel(LABELS.get(x_obj, x_obj))
            ax.set_ylabel(LABELS.get(y_obj, y_obj))
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize=8, loc="upper right")
            ax.set_title(f"{name}: {LABELS.get(x_obj, x_obj).split(' (')[0]} vs "
                         f"{LABELS.get(y_obj, y_obj).split(' (')[0]}", fontsize=10)
    return fig


def write_pareto_png(path: Path, table: SweepTable, front: np.ndarray, objectives: list[str]) -> Path:
    return save_png(pareto_figure(table, front, objectives), path)
