"""Chrome / Perfetto trace-event JSON of a :class:`~accelsim.sim.timeline.Timeline`.

Opens in https://ui.perfetto.dev and chrome://tracing. Process 1 is the chip:
one thread (track) per unit and per DMA engine, a complete event (``ph: X``)
per layer (and per tile, nested in its layer, at tile granularity), and a
counter (``ph: C``) per shared memory with the bandwidth in use. Process 2 holds
one track per stream, each frame an async slice from arrival to completion
(``ph: b``/``e``) and each dropped frame an instant (``ph: i``). Timestamps
are microseconds. Complete events on one thread must nest; work that overlaps
without nesting (e.g. two copies into one unit at once) goes to an extra lane,
a thread named ``"<track> (2)"``.
"""
from __future__ import annotations

import json
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.sim.timeline import Span, Timeline

CHIP_PID, STREAMS_PID = 1, 2
NEST_SLACK_NS = 1e-6


def _us(ns: float) -> float:
    return round(ns / 1000.0, 6)


def assign_lanes(spans: list[Span]) -> list[tuple[int, int]]:
    """(lane, depth) of each span so that spans sharing a track and lane nest or are disjoint."""
    order = sorted(range(len(spans)), key=lambda k: (spans[k].start_ns, -spans[k].end_ns))
    stacks: dict[str, list[list[float]]] = {}   # track -> per lane the ends of the open slices
    out: list[tuple[int, int]] = [(0, 0)] * len(spans)
    for k in order:
        s = spans[k]
        lanes = stacks.setdefault(s.track, [])
        for lane, stack in enumerate(lanes):
            while stack and stack[-1] <= s.start_ns + NEST_SLACK_NS:
                stack.pop()
            if not stack or s.end_ns <= stack[-1] + NEST_SLACK_NS:
                out[k] = (lane, len(stack))
                stack.append(s.end_ns)
                break
        else:
            lanes.append([s.end_ns])
            out[k] = (len(lanes) - 1, 0)
    return out


def trace_events(timeline: Timeline, title: str = "accelsim") -> list[dict]:
    """The trace's events: metadata first, then slices, counters and frames."""
    lanes = assign_lanes(timeline.spans)
    kinds = {t.name: t.kind for t in timeline.tracks}
    n_lanes: dict[str, int] = {}
    for s, (lane, _) in zip(timeline.spans, lanes):
        n_lanes[s.track] = max(n_lanes.get(s.track, 1), lane + 1)
    tids: dict[tuple[str, int], int] = {}
    meta = [{"name": "process_name", "ph": "M", "pid": CHIP_PID, "tid": 0, "args": {"name": title}},
            {"name": "process_sort_index", "ph": "M", "pid": CHIP_PID, "tid": 0, "args": {"sort_index": 0}}]
    for track in timeline.tracks:
        if track.kind in ("unit", "dma"):
            for lane in range(n_lanes.get(track.name, 1)):
                tid = len(tids) + 1
                tids[track.name, lane] = tid
                name = track.name if lane == 0 else f"{track.name} ({lane + 1})"
                meta.append({"name": "thread_name", "ph": "M", "pid": CHIP_PID, "tid": tid, "args": {"name": name}})
                meta.append({"name": "thread_sort_index", "ph": "M", "pid": CHIP_PID, "tid": tid,
                             "args": {"sort_index": tid}})
    events = []
    for s, (lane, _) in zip(timeline.spans, lanes):
        if kinds.get(s.track) not in ("unit", "dma"):
            raise AccelsimError(f"timeline: span {s.name!r} is on unknown track {s.track!r}")
        ts = _us(s.start_ns)
        events.append({"name": s.name, "cat": s.category or "accelsim", "ph": "X", "ts": ts,
                       "dur": max(0.0, _us(s.end_ns) - ts), "pid": CHIP_PID, "tid": tids[s.track, lane],
                       "args": dict(s.args)})
    for sample in timeline.samples:
        events.append({"name": sample.track, "ph": "C", "ts": _us(sample.t_ns), "pid": CHIP_PID, "tid": 0,
                       "args": {"GB/s": round(sample.value, 6)}})
    streams = sorted({f.stream for f in timeline.frames})
    if streams:
        meta.append({"name": "process_name", "ph": "M", "pid": STREAMS_PID, "tid": 0, "args": {"name": "streams"}})
        meta.append({"name": "process_sort_index", "ph": "M", "pid": STREAMS_PID, "tid": 0,
                     "args": {"sort_index": 1}})
    stream_tid = {name: k + 1 for k, name in enumerate(streams)}
    for name, tid in stream_tid.items():
        meta.append({"name": "thread_name", "ph": "M", "pid": STREAMS_PID, "tid": tid,
                     "args": {"name": f"{name} frames"}})
    for n, f in enumerate(timeline.frames):
        tid = stream_tid[f.stream]
        label = f"{f.stream}#{f.index}" + (" key" if f.keyframe else "")
        if f.end_ns is None:
            events.append({"name": f"dropped {label}", "cat": "drop", "ph": "i", "s": "t", "ts": _us(f.arrival_ns),
                           "pid": STREAMS_PID, "tid": tid, "args": {"frame": f.index}})
            continue
        common = {"name": label, "cat": "frame", "id": n + 1, "pid": STREAMS_PID, "tid": tid}
        events.append({**common, "ph": "b", "ts": _us(f.arrival_ns),
                       "args": {"frame": f.index, "latency_ms": (f.end_ns - f.arrival_ns) * 1e-6}})
        events.append({**common, "ph": "e", "ts": _us(f.end_ns)})
    return meta + events


def write_trace(timeline: Timeline, path: str | Path, title: str = "accelsim") -> None:
    """Write the trace-event JSON object format (``{"traceEvents": [...]}``)."""
    data = {"traceEvents": trace_events(timeline, title), "displayTimeUnit": "ms",
            "otherData": {"generator": "accelsim", "time_unit": "us"}}
    try:
        Path(path).write_text(json.dumps(data, separators=(",", ":")) + "\n")
    except OSError as err:
        raise AccelsimError(f"{path}: cannot write trace: {err.strerror}") from None
