"""A Gantt chart (PNG, matplotlib Agg) of a timeline: the trace's tracks as rows.

One row per unit and DMA engine lane, a bar per layer (tiles are left to the
trace), coloured by stream / workload; stream rows show each frame from arrival
to completion and mark dropped frames with a cross. Memory bandwidth in use is
drawn under the rows, averaged over short bins (the raw rate changes at every
transfer).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from matplotlib import colormaps
from matplotlib.patches import Patch

from accelsim.report.plots import new_figure, save_png
from accelsim.report.trace import assign_lanes
from accelsim.sim.timeline import Timeline

BANDWIDTH_BINS = 300


def write_gantt(timeline: Timeline, path: str | Path, title: str = "accelsim") -> None:
    lanes = assign_lanes(timeline.spans)
    rows: list[tuple[str, int]] = []
    for track in timeline.tracks:
        if track.kind in ("unit", "dma"):
            used = sorted({lane for s, (lane, _) in zip(timeline.spans, lanes) if s.track == track.name}) or [0]
            rows += [(track.name, lane) for lane in used]
    streams = sorted({f.stream for f in timeline.frames})
    labels = [name if lane == 0 else f"{name} ({lane + 1})" for name, lane in rows] + [f"{s} frames" for s in streams]
    y_of = {row: k for k, row in enumerate(rows)}
    categories = sorted({s.category for s in timeline.spans})
    cmap = colormaps["tab10"]
    color = {c: cmap(k % 10) for k, c in enumerate(categories)}

    memories = sorted({s.track for s in timeline.samples})
    fig = new_figure(12, 1.2 + 0.45 * len(labels) + (1.8 if memories else 0))
    axes = fig.subplots(2 if memories else 1, 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [max(1, len(labels)), 3] if memories else [1]})
    ax = axes[0][0]
    bars: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for s, (lane, depth) in zip(timeline.spans, lanes):
        if depth == 0:
            bars.setdefault((y_of[s.track, lane], s.category), []).append(
                (s.start_ns * 1e-6, max(s.dur_ns * 1e-6, 1e-9)))
    for (y, cat), xs in bars.items():
        ax.broken_barh(xs, (y - 0.4, 0.8), facecolors=color[cat], edgecolor="white", linewidth=0.3)
    for k, stream in enumerate(streams):
        y = len(rows) + k
        frames = [f for f in timeline.frames if f.stream == stream]
        done = [(f.arrival_ns * 1e-6, (f.end_ns - f.arrival_ns) * 1e-6) for f in frames if f.end_ns is not None]
        own = next((c for c in categories if c == stream or c.startswith(f"{stream}:")), None)
        ax.broken_barh(done, (y - 0.3, 0.6), facecolors=color.get(own, "grey"), alpha=0.45, edgecolor="black",
                       linewidth=0.4)
        drops = [f.arrival_ns * 1e-6 for f in frames if f.end_ns is None]
        if drops:
            ax.plot(drops, [y] * len(drops), "x", color="red", markersize=6, label="dropped frame")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title)
    handles = [Patch(color=color[c], label=c) for c in categories if c]
    if handles or any(f.end_ns is None for f in timeline.frames):
        extra = ax.get_legend_handles_labels()[0][:1]
        ax.legend(handles=handles + extra, loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8)
    if memories:
        mx = axes[1][0]
        end_ms = timeline.end_ns * 1e-6
        for name in memories:
            pts = [(x.t_ns * 1e-6, x.value) for x in timeline.samples if x.track == name]
            t = np.array([p[0] for p in pts] + [max(end_ms, pts[-1][0])])
            v = np.array([p[1] for p in pts])
            area = np.concatenate([[0.0], np.cumsum(v * np.diff(t))])   # GB/s x ms, piecewise linear in time
            edges = np.linspace(t[0], t[-1], BANDWIDTH_BINS + 1)
            mean = np.diff(np.interp(edges, t, area)) / np.maximum(np.diff(edges), 1e-12)
            mx.stairs(mean, edges, label=name)
        mx.set_ylabel(f"GB/s (mean of\n{BANDWIDTH_BINS} bins)")
        mx.legend(loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8)
        mx.grid(alpha=0.3)
    axes[-1][0].set_xlabel("time (ms)")
    save_png(fig, path, dpi=110, what="Gantt chart")
