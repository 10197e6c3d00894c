"""Matplotlib figures of a result: roofline, latency/energy breakdowns, utilization.

Figures are built on the Agg canvas directly (no pyplot, no global backend
switch), so reports work headless and inside notebooks alike. Each function
returns a ``Figure``; ``save_png`` writes one.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from accelsim.errors import AccelsimError
from accelsim.report.breakdown import ENERGY_PARTS, LayerBreakdown
from accelsim.report.roofline import Roofline

KNOWN_OPS = ("conv", "fc", "pool", "add", "concat", "upsample", "lstm")
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
ENERGY_COLOURS = {"compute": "#1f77b4", "sram": "#2ca02c", "dram": "#d62728", "static": "#7f7f7f"}


# Op classes (accelsim/cost/opclass.py): depthwise and pointwise convolutions apart from dense ones.
CLASS_COLOURS = {"conv": "#1f77b4", "pointwise": "#17becf", "depthwise": "#d62728", "fc": "#2ca02c",
                 "elementwise": "#7f7f7f"}
PART_COLOURS = {"compute": "#1f77b4", "memory": "#ff7f0e", "overhead": "#9467bd"}
MAX_LAYER_BARS = 60       # per-layer charts: beyond this many layers, the slowest ones plus one "other" bar
TOP_BARS = 40


def op_colour(op: str) -> str:
    """A fixed colour per op class or op type (the same one has the same colour in every plot)."""
    if op in CLASS_COLOURS:
        return CLASS_COLOURS[op]
    if op in KNOWN_OPS:
        return PALETTE[KNOWN_OPS.index(op)]
    return PALETTE[sum(map(ord, op)) % len(PALETTE)]


def class_order(key: str) -> tuple:
    return (key not in CLASS_COLOURS, key not in KNOWN_OPS, key)


def new_figure(width_in: float, height_in: float) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: Path | str, dpi: int = 110, what: str = "plot") -> Path:
    """Write ``fig`` as a PNG; a path that cannot be written is a one-line AccelsimError."""
    try:
        fig.savefig(path, format="png", dpi=dpi)
    except OSError as err:
        raise AccelsimError(f"{path}: cannot write {what}: {err.strerror}") from None
    return Path(path)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def roofline_figure(rf: Roofline, title: str = "", label: int = 5) -> Figure:
    """Log-log roofline: one ceiling per precision, one slope per memory level, layers as points.

    Points are coloured by op class (depthwise, pointwise, dense conv, fc...); the ``label`` slowest layers
    are named on the plot.
    """
    fig = new_figure(8.0, 5.6)
    ax = fig.add_subplot()
    xs = [p.intensity_ops_per_byte for p in rf.points]
    every = rf.ceilings + rf.vector_ceilings
    top = max(c.peak_gops for c in every)
    low = min(c.peak_gops for c in every)
    ridges = [low / s.bandwidth_gbps for s in rf.slopes] + [top / s.bandwidth_gbps for s in rf.slopes]
    x_lo = 10 ** math.floor(math.log10(min(xs + ridges + [1.0]) / 2))
    x_hi = 10 ** math.ceil(math.log10(max(xs + ridges + [10.0]) * 2))
    ys = [p.attained_gops for p in rf.points]
    y_lo = 10 ** math.floor(math.log10(min(ys + [s.bandwidth_gbps * x_lo for s in rf.slopes] + [low]) / 2))
    y_hi = top * 3
    # Compute ceilings: solid where they are the roof (right of their ridge with DRAM), dotted left of it.
    # A format's vector ceiling (depthwise / element-wise rate) is a thin dashed line in the format's colour.
    colours = {c.precision: f"C{i}" for i, c in enumerate(rf.ceilings)}
    labels: dict[float, list[tuple[str, str]]] = {}      # one label per height: coinciding ceilings share it
    for i, c in enumerate(every):
        is_vector = c.via == "vector"
        colour = colours[c.precision]
        ridge = c.peak_gops / rf.dram_gbps if rf.dram_gbps else x_lo
        ax.plot([max(ridge, x_lo), x_hi], [c.peak_gops] * 2, color=colour,
                lw=1.0 if is_vector else max(1.0, 2.2 - 0.4 * i), ls=(0, (5, 3)) if is_vector else ("-", "-.")[i % 2])
        if ridge > x_lo:
            ax.plot([x_lo, ridge], [c.peak_gops] * 2, color="grey", lw=0.8, ls=":")
        what = f"{c.precision} {'vector' if is_vector else 'peak'}" + (f" ({c.via})" if c.via and not is_vector else "")
        labels.setdefault(round(c.peak_gops, 6), []).append((what, colour))
    for j, (peak, names) in enumerate(sorted(labels.items(), reverse=True)):
        above = j % 2 == 0
        text = " = ".join(n for n, _ in names) + f" {_fmt(peak)} GOP/s"
        ax.annotate(text, (x_hi, peak), xytext=(-4, 4 if above else -4), textcoords="offset points", ha="right",
                    va="bottom" if above else "top", fontsize=8.5, color=names[0][1])
    # Memory slopes: from the left edge up to the highest ceiling.
    # The DRAM slope (the one the points are placed against) is solid; other levels are dashed references.
    others = iter(("--", "-.", ":", "--"))
    slope_labels: dict[float, list[str]] = {}
    for s in rf.slopes:
        ridge = top / s.bandwidth_gbps
        xe = min(ridge, x_hi)
        is_dram = s.level == rf.dram
        ax.plot([x_lo, xe], [s.bandwidth_gbps * x_lo, s.bandwidth_gbps * xe], color="dimgrey",
                lw=1.8 if is_dram else 1.2, ls="-" if is_dram else next(others, "--"))
        slope_labels.setdefault(round(s.bandwidth_gbps, 6), []).append(
            s.level + (f" ({s.cores} cores)" if s.cores > 1 else ""))
    xl = x_lo * 1.6
    for bw, names in slope_labels.items():
        ax.annotate(" = ".join(names) + f" {_fmt(bw)} GB/s", (xl, bw * xl), xytext=(10, -4),
                    textcoords="offset points", ha="left", va="top", fontsize=9, color="dimgrey")
    def kind(p):
        return p.op_class or p.op

    ops = sorted({kind(p) for p in rf.points}, key=class_order)
    for op in ops:
        pts = [p for p in rf.points if kind(p) == op]
        ax.scatter([p.intensity_ops_per_byte for p in pts], [p.attained_gops for p in pts], s=28,
                   color=op_colour(op), edgecolors="black", linewidths=0.4, label=f"{op} ({len(pts)})", zorder=3)
    slowest = sorted(rf.points, key=lambda p: -p.latency_ms)[:label] if label else []
    placed: list[tuple[float, float]] = []
    for j, p in enumerate(slowest):
        lx, ly = math.log10(p.intensity_ops_per_byte), math.log10(p.attained_gops)
        near = sum(1 for qx, qy in placed if abs(qx - lx) < 0.35 and abs(qy - ly) < 0.12)
        placed.append((lx, ly))
        ax.annotate(str(j + 1), (p.intensity_ops_per_byte, p.attained_gops), xytext=(5, 3 + 10 * near),
                    textcoords="offset points", fontsize=8.5, fontweight="bold", zorder=4)
    if slowest:
        key = "\n".join(f"{j + 1}  {p.layer} ({p.latency_ms:.3g} ms)" for j, p in enumerate(slowest))
        ax.text(0.015, 0.985, f"slowest layers\n{key}", transform=ax.transAxes, va="top", ha="left", fontsize=7.5,
                zorder=5, bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#bbb", "alpha": 0.9})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel(f"operational intensity (ops per {rf.dram} byte, 1 MAC = 2 ops)")
    ax.set_ylabel("attained performance (GOP/s)")
    ax.grid(True, which="major", alpha=0.3)
    if ops:
        ax.legend(title="op class (n layers)", loc="lower right", fontsize=8)
    extra = f"; unlimited: {', '.join(rf.unlimited_levels)}" if rf.unlimited_levels else ""
    threads = f", {rf.threads} threads" if rf.threads else ""
    ax.set_title(title or f"Roofline of {rf.profile} / {rf.unit} ({rf.clock_ghz:g} GHz{threads}{extra})",
                 fontsize=11)
    return fig


def chart_rows(rows: list[LayerBreakdown], key=lambda r: r.compute_ms + r.overhead_ms + r.stall_ms
               ) -> list[LayerBreakdown]:
    """The bars of a per-layer chart: every layer up to MAX_LAYER_BARS, else the TOP_BARS largest by ``key``
    (in layer order) and one bar ``other (N layers)`` summing the rest."""
    if len(rows) <= MAX_LAYER_BARS:
        return rows
    keep = set(sorted(range(len(rows)), key=lambda i: -key(rows[i]))[:TOP_BARS])
    rest = [r for i, r in enumerate(rows) if i not in keep]
    other = LayerBreakdown(f"other ({len(rest)} layers)", "other", "", sum(r.compute_ms for r in rest),
                           sum(r.stall_ms for r in rest),
                           {p: sum(r.energy_mj[p] for r in rest) for p in ENERGY_PARTS},
                           sum(r.utilization for r in rest) / len(rest), sum(r.overhead_ms for r in rest))
    return [r for i, r in enumerate(rows) if i in keep] + [other]


def _layer_axis(ax, names: list[str], n_total: int) -> None:
    """Layer names down the y axis, first layer on top, at a readable size whatever the layer count."""
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_ylim(len(names) - 0.4, -0.6)
    ax.grid(True, axis="x", alpha=0.3)
    if n_total > len(names):
        ax.set_ylabel(f"the {len(names) - 1} largest of {n_total} layers, in network order; the rest summed")


def _legend_on_top(ax) -> None:
    """The legend in a row above the plot (below the title), never over the bars."""
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside upper left", ncols=6, fontsize=8, frameon=False)


def _height(n_bars: int) -> float:
    return max(3.0, 0.19 * n_bars + 1.4)


def latency_figure(rows: list[LayerBreakdown], title: str = "") -> Figure:
    """Horizontal stacked bars per layer: compute, overhead and stall milliseconds (largest layers beyond 60)."""
    bars = chart_rows(rows)
    fig = new_figure(9.0, _height(len(bars)))
    ax = fig.add_subplot()
    y = np.arange(len(bars))
    compute = np.array([r.compute_ms for r in bars])
    stall = np.array([r.stall_ms for r in bars])
    overhead = np.array([r.overhead_ms for r in bars])
    ax.barh(y, compute, color=PART_COLOURS["compute"], label="compute")
    ax.barh(y, overhead, left=compute, color=PART_COLOURS["overhead"], label="overhead (launch, dispatch)")
    ax.barh(y, stall, left=compute + overhead, color=PART_COLOURS["memory"], label="stall (waiting for memory)")
    ax.set_xlim(0, max(1e-12, float((compute + overhead + stall).max())) * 1.08)
    _layer_axis(ax, [r.name for r in bars], len(rows))
    ax.set_xlabel("latency (ms)")
    _legend_on_top(ax)
    total = sum(r.compute_ms + r.overhead_ms + r.stall_ms for r in rows)
    fig.suptitle(title or f"Per-layer latency: {total:.3f} ms in total", fontsize=11)
    return fig


def energy_figure(rows: list[LayerBreakdown], title: str = "") -> Figure:
    """Horizontal stacked bars per layer: compute, scratchpad, DRAM and static energy."""
    bars = chart_rows(rows, key=lambda r: sum(r.energy_mj.values()))
    fig = new_figure(9.0, _height(len(bars)))
    ax = fig.add_subplot()
    y = np.arange(len(bars))
    left = np.zeros(len(bars))
    for part in ENERGY_PARTS:
        vals = np.array([r.energy_mj[part] for r in bars])
        if not vals.any():
            continue
        ax.barh(y, vals, left=left, color=ENERGY_COLOURS[part], label=part)
        left += vals
    _layer_axis(ax, [r.name for r in bars], len(rows))
    ax.set_xlabel("energy (mJ)")
    _legend_on_top(ax)
    total = sum(sum(r.energy_mj.values()) for r in rows)
    fig.suptitle(title or f"Per-layer energy: {total:.3f} mJ in total", fontsize=11)
    return fig


def utilization_figure(rows: list[LayerBreakdown], overall: float, title: str = "") -> Figure:
    """Per-layer MAC-array utilization (bars coloured by op class) with the run's overall utilization."""
    bars = chart_rows(rows)
    fig = new_figure(9.0, _height(len(bars)))
    ax = fig.add_subplot()
    y = np.arange(len(bars))
    ax.barh(y, [100 * r.utilization for r in bars], color=[op_colour(r.op) for r in bars])
    ax.axvline(100 * overall, color="black", ls="--", lw=1, label=f"whole run {100 * overall:.1f}%")
    for op in sorted({r.op for r in bars}, key=class_order):
        ax.barh([0], [0], color=op_colour(op), label=op)
    _layer_axis(ax, [r.name for r in bars], len(rows))
    ax.set_xlim(0, 105)
    ax.set_xlabel("utilization (% of peak MACs)")
    _legend_on_top(ax)
    fig.suptitle(title or "Per-layer utilization", fontsize=11)
    return fig


def time_budget_figure(budget, title: str = "") -> Figure:
    """Where the time goes: by op class (left) and the slowest layers (right), compute / memory / overhead."""
    from accelsim.report.explain import PARTS

    n = max(len(budget.by_op_class), len(budget.top), 1)
    fig = new_figure(11.0, max(2.8, 0.3 * n + 1.5))
    for ax, items, what in ((fig.add_subplot(1, 2, 1), budget.by_op_class, "by op class"),
                            (fig.add_subplot(1, 2, 2), budget.top, f"the {len(budget.top)} slowest layers")):
        names = [f"{g.key} ({g.layers})" if hasattr(g, "key") else f"{g.name} [{g.op_class}]" for g in items]
        y = np.arange(len(items))
        left = np.zeros(len(items))
        for part in PARTS:
            vals = np.array([g.ms[part] for g in items])
            if vals.any() or part != "overhead":
                ax.barh(y, vals, left=left, color=PART_COLOURS[part], label=part)
            left += vals
        for yi, (g, x) in enumerate(zip(items, left)):
            share = g.share if hasattr(g, "share") else (g.latency_ms / budget.total_ms if budget.total_ms else 0)
            ax.annotate(f"{100 * share:.0f}%", (x, yi), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=8)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=8)
        ax.set_ylim(len(items) - 0.4, -0.6)
        ax.set_xlim(0, max(1e-12, float(left.max()) if len(left) else 1.0) * 1.18)
        ax.set_xlabel("ms")
        ax.set_title(what, fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
    fig.axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle(title or f"Where the time goes ({budget.total_ms:.3f} ms of layers)", fontsize=11)
    return fig
