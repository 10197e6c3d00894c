"""Trace files follow the Chrome trace-event format; Gantt charts are written."""
import json

import pytest

import accelsim
from accelsim.report.gantt import write_gantt
from accelsim.report.trace import assign_lanes, write_trace
from accelsim.sim.streams import run_streams
from accelsim.sim.timeline import Span, Timeline
from tests.sim.profiles import fanout_workload, slow_npu_profile, three_unit_profile

PHASES = {"X", "M", "C", "b", "e", "i"}


def check_trace(path) -> list[dict]:
    """Every event has the fields its phase needs; complete events nest per thread; names are declared."""
    data = json.loads(path.read_text())
    assert isinstance(data, dict) and isinstance(data["traceEvents"], list)
    events = data["traceEvents"]
    assert events
    named_threads, named_procs = set(), set()
    for ev in events:
        assert ev["ph"] in PHASES, ev
        assert isinstance(ev["name"], str) and ev["name"]
        assert isinstance(ev["pid"], int) and isinstance(ev["tid"], int)
        if ev["ph"] == "M":
            assert ev["name"] in ("process_name", "thread_name", "process_sort_index", "thread_sort_index")
            assert isinstance(ev["args"], dict)
            if ev["name"] == "thread_name":
                assert isinstance(ev["args"]["name"], str)
                named_threads.add((ev["pid"], ev["tid"]))
            if ev["name"] == "process_name":
                named_procs.add(ev["pid"])
            continue
        assert isinstance(ev["ts"], (int, float)) and ev["ts"] >= 0
        if ev["ph"] == "X":
            assert isinstance(ev["dur"], (int, float)) and ev["dur"] >= 0
            assert isinstance(ev.get("cat", ""), str) and isinstance(ev.get("args", {}), dict)
        if ev["ph"] == "C":
            assert ev["args"] and all(isinstance(v, (int, float)) for v in ev["args"].values())
        if ev["ph"] in ("b", "e"):
            assert "id" in ev and isinstance(ev["cat"], str)
        if ev["ph"] == "i":
            assert ev["s"] in ("t", "p", "g")
    for ev in events:
        if ev["ph"] in ("X", "b", "e", "i"):
            assert (ev["pid"], ev["tid"]) in named_threads
        assert ev["pid"] in named_procs
    # complete events on one thread nest or are disjoint (what chrome://tracing requires)
    by_thread = {}
    for ev in events:
        if ev["ph"] == "X":
            by_thread.setdefault((ev["pid"], ev["tid"]), []).append((ev["ts"], ev["ts"] + ev["dur"]))
    for slices in by_thread.values():
        stack = []
        for start, end in sorted(slices, key=lambda s: (s[0], -s[1])):
            while stack and stack[-1] <= start + 1e-6:
                stack.pop()
            assert not stack or end <= stack[-1] + 1e-6, "slices overlap without nesting"
            stack.append(end)
    # async begin/end pairs match
    begins = {(ev["cat"], ev["id"]) for ev in events if ev["ph"] == "b"}
    ends = {(ev["cat"], ev["id"]) for ev in events if ev["ph"] == "e"}
    assert begins == ends
    return events


def test_run_trace_has_a_track_per_unit_and_dma_and_a_slice_per_layer_and_tile(tmp_path):
    profile = three_unit_profile(bandwidth_gbps=5.0)
    tl = Timeline()
    r = accelsim.simulate(profile, fanout_workload(), unit="auto", fidelity="event", timeline=tl)
    path = tmp_path / "run.json"
    write_trace(tl, path)
    events = check_trace(path)
    threads = {ev["args"]["name"] for ev in events if ev["name"] == "thread_name"}
    assert {"npu", "dsp", "cpu", "npu DMA", "dsp DMA", "cpu DMA"} <= threads
    names = [ev["name"] for ev in events if ev["ph"] == "X"]
    for layer in r.layers:
        assert layer.name in names                          # one slice per layer
    assert any(n.startswith("a[") for n in names)           # ... and its tiles
    assert any(n.startswith("load ") for n in names) and any(n.startswith("store ") for n in names)
    assert any(ev["ph"] == "C" for ev in events)             # DRAM bandwidth counter
    end_us = max(ev["ts"] + ev["dur"] for ev in events if ev["ph"] == "X")
    assert end_us == pytest.approx(r.latency_ms * 1e3, rel=1e-6)


def test_stream_trace_with_drops_is_valid_and_windowed(tmp_path):
    slow = slow_npu_profile()
    tl = Timeline(until_ns=400e6)
    heavy = accelsim.load_workload("mobilenet_v1")
    r = run_streams({"seconds": 1, "streams": [{"workload": heavy, "fps": 30}]}, slow, timeline=tl)
    assert r.dropped_frames > 0
    path = tmp_path / "stream.json"
    write_trace(tl, path)
    events = check_trace(path)
    assert any(ev["ph"] == "i" and ev["name"].startswith("dropped") for ev in events)
    assert max(ev["ts"] for ev in events if ev["ph"] != "M") <= 400e3 + 200e3   # recording window (+ last frame)
    png = tmp_path / "g.png"
    write_gantt(tl, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_lanes_split_overlapping_work_and_keep_nesting():
    spans = [Span("t", "outer", 0, 10), Span("t", "inner", 2, 5), Span("t", "cross", 4, 12), Span("t", "after", 12, 13)]
    lanes = assign_lanes(spans)
    assert lanes[0] == (0, 0) and lanes[1] == (0, 1)
    assert lanes[2][0] == 1                                  # overlaps without nesting: second lane
    assert lanes[3] == (0, 0)


def test_multi_stream_gantt_and_trace(tmp_path):
    profile = three_unit_profile(bandwidth_gbps=4.0)
    tl = Timeline()
    run_streams({"seconds": 0.2, "streams": [{"name": "cam", "workload": "tiny_cnn", "fps": 60, "unit": "auto"},
                                             {"name": "aux", "workload": fanout_workload(), "fps": 30,
                                              "unit": "dsp"}]}, profile, timeline=tl)
    write_trace(tl, tmp_path / "t.json")
    events = check_trace(tmp_path / "t.json")
    assert {ev["cat"] for ev in events if ev["ph"] == "X"} >= {"cam:tiny_cnn", "aux:fanout"}
    write_gantt(tl, tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 10_000
