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


def op_colour(op: str) -> str:
    """A fixed colour per op type (the same op has the same colour in every plot)."""
    if op in KNOWN_OPS:
        return PALETTE[KNOWN_OPS.index(op)]
    return PALETTE[len(KNOWN_OPS) + sum(map(ord, op)) % (len(PALETTE) - len(KNOWN_OPS))]


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


def roofline_figure(rf: Roofline, title: str = "") -> Figure:
    """Log-log roofline: one ceiling per precision, one slope per memory level, layers as points."""
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
    ops = sorted({p.op for p in rf.points}, key=lambda o: (o not in KNOWN_OPS, o))
    for op in ops:
        pts = [p for p in rf.points if p.op == op]
        ax.scatter([p.intensity_ops_per_byte for p in pts], [p.attained_gops for p in pts], s=28,
                   color=op_colour(op), edgecolors="black", linewidths=0.4, label=f"{op} ({len(pts)})", zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel(f"operational intensity (ops per {rf.dram} byte, 1 MAC = 2 ops)")
    ax.set_ylabel("attained performance (GOP/s)")
    ax.grid(True, which="major", alpha=0.3)
    if ops:
        ax.legend(title="layer op", loc="lower right", fontsize=8)
    extra = f"; unlimited: {', '.join(rf.unlimited_levels)}" if rf.unlimited_levels else ""
    threads = f", {rf.threads} threads" if rf.threads else ""
    ax.set_title(title or f"Roofline of {rf.profile} / {rf.unit} ({rf.clock_ghz:g} GHz{threads}{extra})",
                 fontsize=11)
    return fig


def _layer_axis(ax, names: list[str]) -> None:
    ax.set_xticks(np.arange(len(names)))
    ax.set_xticklabels(names, rotation=90, fontsize=7 if len(names) < 60 else 5)
    ax.set_xlim(-0.7, len(names) - 0.3)
    ax.grid(True, axis="y", alpha=0.3)


def _width(n_layers: int) -> float:
    return min(24.0, max(7.0, 0.2 * n_layers + 2))


def latency_figure(rows: list[LayerBreakdown], title: str = "") -> Figure:
    """Stacked bars per layer: compute, fixed overhead and memory-stall milliseconds."""
    fig = new_figure(_width(len(rows)), 4.2)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    compute = np.array([r.compute_ms for r in rows])
    stall = np.array([r.stall_ms for r in rows])
    ax.bar(x, compute, color="#1f77b4", label="compute")
    overhead = np.array([r.overhead_ms for r in rows])
    ax.bar(x, overhead, bottom=compute, color="#2ca02c", label="overhead (launch, dispatch)")
    ax.bar(x, stall, bottom=compute + overhead, color="#ff7f0e", label="stall (waiting for memory)")
    ax.set_ylim(0, max(1e-12, float((compute + overhead + stall).max())) * 1.08)
    _layer_axis(ax, [r.name for r in rows])
    ax.set_ylabel("latency (ms)")
    ax.legend(fontsize=8)
    ax.set_title(title or f"Per-layer latency: {compute.sum() + overhead.sum() + stall.sum():.3f} ms in total",
                 fontsize=11)
    return fig


def energy_figure(rows: list[LayerBreakdown], title: str = "") -> Figure:
    """Stacked bars per layer: compute, scratchpad, DRAM and static energy."""
    fig = new_figure(_width(len(rows)), 4.2)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    for part in ENERGY_PARTS:
        vals = np.array([r.energy_mj[part] for r in rows])
        if not vals.any():
            continue
        ax.bar(x, vals, bottom=bottom, color=ENERGY_COLOURS[part], label=part)
        bottom += vals
    _layer_axis(ax, [r.name for r in rows])
    ax.set_ylabel("energy (mJ)")
    ax.legend(fontsize=8)
    ax.set_title(title or f"Per-layer energy: {bottom.sum():.3f} mJ in total", fontsize=11)
    return fig


def utilization_figure(rows: list[LayerBreakdown], overall: float, title: str = "") -> Figure:
    """Per-layer MAC-array utilization (bars coloured by op) with the run's overall utilization."""
    fig = new_figure(_width(len(rows)), 4.0)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    ax.bar(x, [100 * r.utilization for r in rows], color=[op_colour(r.op) for r in rows])
    ax.axhline(100 * overall, color="black", ls="--", lw=1, label=f"whole run {100 * overall:.1f}%")
    for op in sorted({r.op for r in rows}, key=lambda o: (o not in KNOWN_OPS, o)):
        ax.bar([0], [0], color=op_colour(op), label=op)
    _layer_axis(ax, [r.name for r in rows])
    ax.set_ylim(0, 105)
    ax.set_ylabel("utilization (% of peak MACs)")
    ax.legend(fontsize=8, ncols=2)
    ax.set_title(title or "Per-layer utilization", fontsize=11)
    return fig
