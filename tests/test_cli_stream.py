"""``accelsim stream`` and the SoC options of ``accelsim run``: output, JSON, files, one-line errors."""
import json
import subprocess
import sys

import pytest

from accelsim.cli import main


def test_stream_json_has_the_documented_keys(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["stream", "--profile", "generic_npu", "--workload", "tiny_cnn", "--fps", "30", "--seconds", "1", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "achieved fps" in text and "mapping of tiny_cnn" in text and "utilization" in text
    d = json.loads(out.read_text())
    assert d["frames"] == 30 and d["achieved_fps"] == pytest.approx(30.0)
    assert set(d["latency_ms"]) >= {"p50", "p95", "p99"}
    assert d["dropped_frames"] == 0 and d["deadline_misses"] == 0 and d["energy_mj_per_frame"] > 0
    assert set(d["utilization"]) == {"npu"} and 0 < d["utilization"]["npu"] < 1
    assert d["mapping"]["tiny_cnn"]["conv1"] == "npu"


def test_stream_spec_with_trace_and_gantt(tmp_path, capsys):
    spec = tmp_path / "streams.yaml"
    spec.write_text("profile: generic_npu\nseconds: 0.3\nstreams:\n"
                    "  - {name: cam, workload: mobilenet_v1, fps: 30, keyframe_interval: 3, tracker: tiny_cnn}\n"
                    "  - {name: aux, workload: tiny_cnn, fps: 10, priority: 1}\n")
    trace, png = tmp_path / "t.json", tmp_path / "g.png"
    assert main(["stream", "--spec", str(spec), "--trace", str(trace), "--gantt", str(png)]) == 0
    text = capsys.readouterr().out
    assert "cam" in text and "aux" in text and "keyframes" in text
    events = json.loads(trace.read_text())["traceEvents"]
    cats = {ev["cat"] for ev in events if ev["ph"] == "X"}
    assert {"cam:mobilenet_v1", "cam:tiny_cnn", "aux:tiny_cnn"} <= cats
    assert png.stat().st_size > 10_000


def test_run_unit_auto_prints_and_writes_mapping(tmp_path, capsys):
    out, trace = tmp_path / "r.json", tmp_path / "t.json"
    assert main(["run", "--profile", "generic_npu", "--unit", "auto", "--workload", "tiny_cnn", "--fidelity", "event", "--json", str(out),
                 "--trace", str(trace)]) == 0
    text = capsys.readouterr().out
    assert "mapping:" in text and "-> npu" in text
    d = json.loads(out.read_text())
    assert d["unit"] == "auto" and d["mapping"]["conv1"] == "npu" and d["latency_ms"] > 0
    assert trace.is_file()
    assert main(["run", "--unit", "auto", "--objective", "energy", "--latency-bound-ms", "5"]) == 0


@pytest.mark.parametrize("argv,needle", [
    (["stream", "--fps", "-3"], "accelsim stream: --fps: got '-3'"),
    (["stream", "--fps", "fast"], "--fps: got 'fast'"),
    (["stream", "--keyframe-interval", "4"], "--keyframe-interval and --tracker go together"),
    (["stream", "--keyframe-mode", "lazy", "--keyframe-interval", "2", "--tracker", "tiny_cnn"], "--keyframe-mode"),
    (["stream", "--seconds", "0"], "--seconds: got '0'"),
    (["stream", "--granularity", "pixel"], "--granularity"),
    (["stream", "--profile", "generic_npu", "--unit", "gpu"], "unit 'gpu' not found"),
    (["stream", "--workload", "nonet"], "workload 'nonet' not found"),
    (["stream", "--spec", "missing.yaml"], "missing.yaml: file not found"),
    (["stream", "--trace-ms", "-1", "--trace", "x.json"], "--trace-ms"),
    (["run", "--trace", "x.json"], "--fidelity event"),
    (["run", "--unit", "auto", "--objective", "speed"], "objective: got 'speed'"),
    (["run", "--unit", "auto", "--latency-bound-ms", "soon"], "--latency-bound-ms: got 'soon'"),
    (["run", "--unit", "auto", "--threads", "2"], "not unit 'auto'"),
])
def test_bad_stream_and_run_input_is_one_line_exit_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_bad_spec_file_one_line_exit_2(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text("streams:\n  - {workload: tiny_cnn, fps: 30, deadline_ms: -1}\n")
    assert main(["stream", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{spec}: streams[0].deadline_ms: got -1" in err and "\n" not in err
    assert main(["stream", "--spec", str(spec), "--fps", "3"]) == 2
    assert "not both" in capsys.readouterr().err
    proc = subprocess.run([sys.executable, "-m", "accelsim.cli", "stream", "--spec", str(spec)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
