"""Streams: deadlines, drops, keyframe scheduling, several streams on one chip."""
import math

import pytest

import accelsim
from accelsim.errors import AccelsimError
from accelsim.sim.stream_spec import StreamsSpec, load_streams_spec
from accelsim.sim.streams import run_streams
from tests.sim.profiles import slow_npu_profile, three_unit_profile, two_npu_profile


@pytest.fixture(scope="module")
def slow():
    return slow_npu_profile()


@pytest.fixture(scope="module")
def nets():
    return {"heavy": accelsim.load_workload("mobilenet_v1"),
            "cheap": accelsim.load_workload("mobilenet_v1", resolution=96, width=0.25),
            # full width at 192: with the auto array mapper (the default) the 0.75-width net runs 16.3 ms, too cheap
            # to overload the chip; this one runs 26.9 ms, 4 x 26.9 + 36.5 > 4 x 33.3
            "dear": accelsim.load_workload("mobilenet_v1", resolution=192, width=1.0)}


def _one(profile, seconds=3, **stream):
    return run_streams({"seconds": seconds, "streams": [stream]}, profile).streams[0]


def test_overloaded_stream_misses_and_drops_keyframes_fix_it_with_a_cheap_tracker(slow, nets):
    heavy_ms = accelsim.simulate(slow, nets["heavy"]).latency_ms
    cheap_ms = accelsim.simulate(slow, nets["cheap"]).latency_ms
    dear_ms = accelsim.simulate(slow, nets["dear"]).latency_ms
    period_ms, k = 1000 / 30, 4
    assert heavy_ms > period_ms                                   # per-frame work exceeds 33 ms
    assert cheap_ms * k + heavy_ms < k * period_ms * 0.8          # cheap enough: the chip keeps up
    assert dear_ms * k + heavy_ms > k * period_ms                 # not cheap enough: overloaded

    every = _one(slow, workload=nets["heavy"], fps=30)
    assert every.frames == 90
    assert every.deadline_misses > 0 and every.dropped_frames > 0
    assert every.completed + every.dropped_frames == every.frames
    assert every.achieved_fps < 30 and every.latency_ms.p50 > period_ms
    # the drop policy bounds latency: at most the frame in work plus one waiting frame
    assert every.latency_ms.max <= 2 * heavy_ms + period_ms

    keyed = _one(slow, workload=nets["heavy"], fps=30, keyframe_interval=k, tracker=nets["cheap"])
    assert keyed.deadline_misses == 0 and keyed.dropped_frames == 0
    assert keyed.achieved_fps == pytest.approx(30)
    assert keyed.latency_ms.p99 < period_ms
    assert keyed.keyframes.launched == math.ceil(90 / k) and keyed.keyframes.skipped == 0
    assert keyed.keyframes.deadline_misses == 0 and keyed.keyframes.latency_ms.max < k * period_ms
    assert keyed.energy_mj_per_frame < every.energy_mj_per_frame

    dear = _one(slow, workload=nets["heavy"], fps=30, keyframe_interval=k, tracker=nets["dear"])
    assert dear.keyframes.deadline_misses + dear.keyframes.skipped + dear.deadline_misses + dear.dropped_frames > 0


def test_sync_keyframes_stop_drops_but_keyframes_still_miss(slow, nets):
    s = _one(slow, workload=nets["heavy"], fps=30, keyframe_interval=4, tracker=nets["cheap"], keyframe_mode="sync")
    assert s.dropped_frames == 0
    assert s.deadline_misses == math.ceil(90 / 4)   # exactly the keyframes
    assert s.keyframes is None


def test_light_stream_meets_every_deadline_with_analytical_latency(nets):
    profile = two_npu_profile(34.1, latency_ns=100)
    s = _one(profile, seconds=1, workload=nets["cheap"], fps=30)
    ana = accelsim.simulate(profile, nets["cheap"])
    assert s.frames == 30 and s.completed == 30 and s.deadline_misses == 0 and s.dropped_frames == 0
    # alone on an idle chip each frame takes the analytical roofline (up to its per-layer cycle rounding)
    assert s.latency_ms.p50 == pytest.approx(ana.latency_ms, rel=1e-4)
    assert s.energy_mj_per_frame == pytest.approx(ana.energy_mj, rel=1e-4)


def test_two_streams_on_two_units_contend_for_dram(nets):
    bw = 3.0
    profile = two_npu_profile(bw)
    a = {"name": "a", "workload": nets["dear"], "fps": 10, "unit": "npu"}
    b = {"name": "b", "workload": nets["dear"], "fps": 10, "unit": "npu2"}
    alone = run_streams({"seconds": 1, "streams": [a]}, profile)
    both = run_streams({"seconds": 1, "streams": [a, b]}, profile)
    assert both.stream("a").latency_ms.p50 > alone.stream("a").latency_ms.p50 * 1.2
    assert set(both.utilization) == {"npu", "npu2"} and both.utilization["npu2"] > 0
    assert both.mapping["b"] == {layer: "npu2" for layer in both.mapping["b"]}
    d = both.to_dict()
    for key in ("frames", "achieved_fps", "latency_ms", "dropped_frames", "deadline_misses", "energy_mj_per_frame",
                "utilization", "mapping"):
        assert key in d
    assert set(d["latency_ms"]) >= {"p50", "p95", "p99"}
    assert d["frames"] == 20 and len(d["streams"]) == 2


def test_priorities_protect_the_urgent_stream(slow, nets):
    urgent = {"name": "urgent", "workload": nets["cheap"], "fps": 30, "priority": 0}
    bulk = {"name": "bulk", "workload": nets["heavy"], "fps": 10, "priority": 1, "deadline_ms": 500}
    r = run_streams({"seconds": 2, "streams": [urgent, bulk]}, slow)
    u = r.stream("urgent")
    assert u.deadline_misses == 0 and u.dropped_frames == 0
    assert r.stream("bulk").completed > 0


def test_auto_unit_stream_uses_partition(nets):
    profile = three_unit_profile()
    s = _one(profile, seconds=1, workload="tiny_cnn", fps=30, unit="auto")
    r = accelsim.simulate(profile, "tiny_cnn", unit="auto")
    assert s.mapping == r.mapping
    assert s.latency_ms.p50 == pytest.approx(r.latency_ms, rel=1e-3)


def test_spec_file_and_errors(tmp_path):
    good = tmp_path / "s.yaml"
    good.write_text("seconds: 0.5\nstreams:\n  - {name: cam, workload: tiny_cnn, fps: 20}\n"
                    "  - {workload: mobilenet_v1, fps: 5, priority: 1}\n")
    spec = load_streams_spec(good)
    r = run_streams(spec, "generic_npu")
    assert [s.name for s in r.streams] == ["cam", "mobilenet_v1"]
    assert r.stream("cam").frames == 10 and r.stream("mobilenet_v1").frames == 3
    for text, needle in [
        ("streams: []\n", "streams: got []"),
        ("streams:\n  - {workload: tiny_cnn, fps: -3}\n", "streams[0].fps: got -3"),
        ("streams:\n  - {workload: tiny_cnn, fsp: 3}\n", "streams[0].fsp"),
        ("streams:\n  - {workload: tiny_cnn, keyframe_interval: 3}\n", "keyframe_interval and tracker go together"),
        ("streams:\n  - {workload: tiny_cnn, keyframe_mode: lazy, tracker: x, keyframe_interval: 2}\n",
         "allowed: 'async' or 'sync'"),
        ("seconds: 1\n", "required field is missing"),
        ("streams:\n  - {name: a, workload: tiny_cnn}\n  - {name: a, workload: tiny_cnn}\n", "unique"),
        ("- just a list\n", "must be a YAML mapping"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        with pytest.raises(AccelsimError) as err:
            load_streams_spec(bad)
        msg = str(err.value)
        assert needle in msg and "\n" not in msg and str(bad) in msg
    with pytest.raises(AccelsimError, match="unit 'gpu' not found"):
        run_streams(StreamsSpec(streams=[{"workload": "tiny_cnn", "unit": "gpu"}]), "generic_npu")


def test_readme_two_camera_specs_on_jetson_nano():
    """The README's example: two 30 fps Tiny-YOLOv3 cameras overload the Nano's GPU (~21 ms a frame, so
    ~42 ms of work per 33 ms period); the detector on every 5th frame + a light tracker fixes it."""
    from accelsim.paths import REPO_ROOT
    specs = REPO_ROOT / "workloads" / "streams"
    plain = load_streams_spec(specs / "two_cameras.yaml").model_copy(update={"seconds": 1.0})
    keyed = load_streams_spec(specs / "two_cameras_keyframes.yaml").model_copy(update={"seconds": 1.0})
    over = run_streams(plain, "jetson_nano")
    assert over.dropped_frames > 0 and over.deadline_misses > 0 and over.utilization["gpu"] > 0.99
    fixed = run_streams(keyed, "jetson_nano")
    assert fixed.dropped_frames == 0 and fixed.deadline_misses == 0 and fixed.completed == 60
    assert all(s.keyframes.deadline_misses == 0 and s.keyframes.skipped == 0 for s in fixed.streams)
