"""Bad command-line flags, result JSON for ``report``, stream and sweep specs, Python API arguments."""
from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.errors import AccelsimError, AccelsimTypeError
from tests.fuzz.corpus import TINY, assert_accelsim_error, assert_one_line_error, run_cli, write

RUN = ["run", "--workload", str(TINY)]
BAD_RUN_FLAGS = [
    ["--threads", "0"], ["--threads", "-1"], ["--threads", "x"], ["--threads", "1e9"], ["--threads", "99"],
    ["--seed", "-1"], ["--seed", "1.5"], ["--seed", "x"], ["--seed", str(2 ** 64)],
    ["--fidelity", "exact"], ["--fidelity", ""], ["--dataflow", "xy"], ["--precision", "int7"],
    ["--precision", "[int8]"], ["--unit", "nope"], ["--profile", "nope"], ["--profile", "/nonexistent.yaml"],
    ["--workload", "nope"], ["--workload", "/nonexistent.onnx"], ["--compress", "prune=0.5,prune=0.6"],
    ["--compress", "prune=2"], ["--compress", "prune=nan"], ["--compress", "quant=int8,quant=fp16"],
    ["--compress", "distill=width:nan"], ["--compress", "distill=width:inf"], ["--compress", ","],
    ["--compress", "x" * 5000], ["--objective", "speed"], ["--latency-bound-ms", "inf"],
    ["--latency-bound-ms", "-1"], ["--latency-bound-ms", "nan"], ["--trace", "t.json"],
    ["--trace-ms", "0", "--trace", "t.json", "--fidelity", "event"], ["--onnx-unknown-ops", "ignore"],
    ["--trace-ms", "inf", "--trace", "t.json", "--fidelity", "event"], ["--unit", "auto", "--threads", "2"],
    ["--json", "/nonexistent/dir/out.json"], ["--bogus-flag"],
]


@pytest.mark.parametrize("flags", BAD_RUN_FLAGS, ids=lambda f: " ".join(f)[:40])
def test_bad_run_flags(flags):
    assert_one_line_error(RUN + flags)


BAD_STREAM_FLAGS = [
    ["--fps", "inf"], ["--fps", "nan"], ["--fps", "1e9"], ["--fps", "0"], ["--fps", "-30"], ["--fps", "x"],
    ["--seconds", "inf"], ["--seconds", "1e9"], ["--seconds", "0"], ["--seconds", "-1"], ["--seconds", "nan"],
    ["--fps", "1e5", "--seconds", "1e6"], ["--deadline-ms", "inf"], ["--deadline-ms", "-1"],
    ["--keyframe-interval", "0"], ["--keyframe-interval", "5"], ["--granularity", "pixel"],
    ["--keyframe-mode", "later"], ["--spec", "/nonexistent.yaml"], ["--objective", "x"],
    ["--latency-bound-ms", "nan"], ["--precision", "int7"],
]


@pytest.mark.parametrize("flags", BAD_STREAM_FLAGS, ids=lambda f: " ".join(f)[:40])
def test_bad_stream_flags(flags):
    assert_one_line_error(["stream", "--workload", str(TINY)] + flags)


def test_stream_frame_limit_names_its_variable_and_can_be_raised(monkeypatch):
    line = assert_one_line_error(["stream", "--workload", str(TINY), "--fps", "1000", "--seconds", "2000"])
    assert "2,000,000 frames" in line and "ACCELSIM_MAX_STREAM_FRAMES" in line
    monkeypatch.setenv("ACCELSIM_MAX_STREAM_FRAMES", "10")
    assert "exceed the limit of 10" in assert_one_line_error(["stream", "--workload", str(TINY), "--fps", "30",
                                                              "--seconds", "1"])
    monkeypatch.setenv("ACCELSIM_MAX_STREAM_FRAMES", "zero")
    assert "ACCELSIM_MAX_STREAM_FRAMES" in assert_one_line_error(["stream", "--workload", str(TINY)])
    monkeypatch.setenv("ACCELSIM_MAX_STREAM_FRAMES", "40")
    code, _, err = run_cli(["stream", "--workload", str(TINY), "--fps", "30", "--seconds", "1"])
    assert code == 0 and err == ""


BAD_STREAM_SPECS = [
    {"streams": [{"workload": "tiny_cnn", "fps": float("inf")}]},
    {"streams": [{"workload": "tiny_cnn", "fps": True}]},
    {"streams": [{"workload": "tiny_cnn", "fps": 30}], "seconds": 1e300},
    {"streams": [{"workload": "tiny_cnn", "fps": 30, "start_ms": float("nan")}]},
    {"streams": [{"workload": "tiny_cnn", "fps": 30, "priority": True}]},
    {"streams": [{"workload": "tiny_cnn", "fps": 30, "priority": 2 ** 63}]},
    {"streams": [{"workload": ["tiny_cnn"]}]},
    {"streams": [{"workload": "tiny_cnn", "deadline_ms": 1e-300}]},
    {"streams": [{"workload": "tiny_cnn", "fps": 5e5}] * 3, "seconds": 1},
    {"streams": []}, {"streams": "tiny_cnn"}, {"streams": [None]},
]


@pytest.mark.parametrize("spec", BAD_STREAM_SPECS, ids=range(len(BAD_STREAM_SPECS)))
def test_bad_stream_specs(tmp_path, spec):
    path = write(tmp_path, "s.yaml", yaml.safe_dump(spec))
    assert_one_line_error(["stream", "--spec", path])


def good_result() -> dict:
    return accelsim.simulate("generic_npu", "tiny_cnn").to_dict()


def _mutations():
    yield "top list", []
    for key, value in [("profile", 3), ("profile", ["generic_npu"]), ("workload", {"a": 1}), ("latency_ms", "x"),
                       ("latency_ms", float("inf")), ("energy_mj", None), ("layers", "x"), ("layers", []),
                       ("layers", [1, 2]), ("fidelity", 0), ("utilization", "high"), ("total_cycles", -5),
                       ("unit", ["npu"])]:
        yield f"{key}={value!r}", ("top", key, value)
    for key, value in [("name", 1), ("unit", None), ("unit", "x/../../../escaped"), ("macs", "many"),
                       ("macs", -1), ("macs", 1.5), ("latency_ms", float("nan")), ("energy_mj", "1"),
                       ("dram_bytes", True), ("utilization", [0.5]), ("precision", "int7"), ("op", 5)]:
        yield f"layer {key}={value!r}", ("layer", key, value)


@pytest.mark.parametrize("case", list(_mutations()), ids=lambda c: c[0])
def test_report_refuses_bad_result_json(tmp_path, case):
    _, change = case
    data = good_result()
    if change == []:
        data = []
    elif change[0] == "top":
        data[change[1]] = change[2]
    else:
        data["layers"][0][change[1]] = change[2]
    path = write(tmp_path, "r.json", json.dumps(data))
    assert_one_line_error(["report", path, "--out", tmp_path / "rep"])
    assert not (tmp_path.parent / "escaped.png").exists()


@pytest.mark.parametrize("text", ["{", "NaN", '{"profile": Infinity}', "[" * 100000, "\x00\x01", "", "9" * 5000])
def test_report_refuses_non_json(tmp_path, text):
    assert_one_line_error(["report", write(tmp_path, "r.json", text), "--out", tmp_path / "rep"])


def test_sweep_spec_limits(tmp_path, monkeypatch):
    grid = {"profile": "generic_npu", "workloads": ["tiny_cnn"],
            "parameters": {"units.npu.clock_ghz": {"range": [0.5, 2], "num": 10 ** 9}}}
    line = assert_one_line_error(["sweep", write(tmp_path, "g.yaml", yaml.safe_dump(grid)), "--out", tmp_path / "o"])
    assert "1,000,000,000 points" in line and "ACCELSIM_MAX_SWEEP_POINTS" in line
    rand = {"profile": "generic_npu", "workloads": ["tiny_cnn"], "sampling": {"mode": "random", "samples": 10 ** 9},
            "parameters": {"units.npu.clock_ghz": {"range": [0.5, 2]}}}
    assert_one_line_error(["sweep", write(tmp_path, "r.yaml", yaml.safe_dump(rand)), "--out", tmp_path / "o"])
    product = {"profile": "generic_npu", "workloads": ["tiny_cnn"],
               "parameters": {f"units.npu.{k}": {"range": [1, 2], "num": 1000} for k in
                              ("clock_ghz", "static_power_mw", "layer_overhead_us")}}
    assert_one_line_error(["sweep", write(tmp_path, "p.yaml", yaml.safe_dump(product)), "--out", tmp_path / "o"])
    monkeypatch.setenv("ACCELSIM_MAX_SWEEP_POINTS", "3")
    small = {"profile": "generic_npu", "workloads": ["tiny_cnn"],
             "parameters": {"units.npu.clock_ghz": [0.5, 1.0, 2.0, 4.0]}}
    assert "exceed the limit of 3" in assert_one_line_error(
        ["sweep", write(tmp_path, "s.yaml", yaml.safe_dump(small)), "--out", tmp_path / "o"])


@pytest.mark.parametrize("params", [
    {"units.npu.clock_ghz": {"range": [0.5, float("inf")], "num": 3}},
    {"units.npu.clock_ghz": {"range": [float("nan"), 1], "num": 3}},
    {"units.npu.clock_ghz": [float("inf")]},
    {"units.npu.clock_ghz": [1e-300]},
    {"units.npu.array.rows": [2 ** 63]},
    {"units.npu.array.rows": [True]},
])
def test_sweep_parameter_values_outside_the_ranges(tmp_path, params):
    """Refused up front, or stored as failed points; never an `ok` point with an inf clock."""
    spec = {"profile": "generic_npu", "workloads": ["tiny_cnn"], "parameters": params}
    code, out, err = run_cli(["sweep", write(tmp_path, "s.yaml", yaml.safe_dump(spec)), "--out", tmp_path / "o"])
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1
    assert code == 2 or " 0 ok" in out or "failed" in out, (code, out[-300:])


def test_sweep_seed_negative(tmp_path):
    spec = {"profile": "generic_npu", "workloads": ["tiny_cnn"], "sampling": {"mode": "random", "samples": 2,
            "seed": -1}, "parameters": {"units.npu.clock_ghz": {"range": [0.5, 2]}}}
    assert_one_line_error(["sweep", write(tmp_path, "s.yaml", yaml.safe_dump(spec)), "--out", tmp_path / "o"])


API_BAD = [
    dict(profile=object()), dict(profile=3), dict(profile=["generic_npu"]), dict(workload=object()),
    dict(workload=3.5), dict(calibrated="no"), dict(calibrated=None), dict(seed=-1), dict(seed=1.5),
    dict(seed=True), dict(seed=2 ** 64), dict(seed="1"), dict(threads=True), dict(threads=2.0), dict(threads=0),
    dict(unit=["npu"]), dict(precision=8), dict(fidelity="exact"), dict(fidelity=["cycle"]),
    dict(dataflow="xy"), dict(weights=[1, 2]), dict(latency_bound_ms=float("nan")), dict(objective=3),
    dict(compress=3), dict(compress="prune=0.5,prune=0.6"),
]


@pytest.mark.parametrize("kwargs", API_BAD, ids=lambda k: repr(k)[:40])
def test_simulate_refuses_bad_arguments(kwargs):
    args = {"profile": "generic_npu", "workload": "tiny_cnn", **kwargs}
    msg = assert_accelsim_error(accelsim.simulate, **args)
    assert "numpy" not in msg and "0x" not in msg, msg


def test_wrong_types_are_type_errors_too():
    with pytest.raises(TypeError):
        accelsim.simulate(object(), "tiny_cnn")
    with pytest.raises(AccelsimTypeError, match="calibrated"):
        accelsim.simulate("generic_npu", "tiny_cnn", calibrated="no")
    assert issubclass(AccelsimTypeError, AccelsimError)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=st.text(alphabet="prunequatizdsl=,:.0123456789@*-", max_size=30))
def test_generated_compress_specs(spec):
    code, _, err = run_cli(RUN + ["--compress", spec])
    assert code in (0, 2) and "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("options", [
    dict(width=float("nan")), dict(width=float("inf")), dict(width=True), dict(width="x"), dict(width=0),
    dict(width=-1.0), dict(resolution=True), dict(resolution=10 ** 9), dict(resolution=float("nan")),
    dict(resolution=0), dict(resolution=160.5), dict(num_classes=0), dict(num_classes=2 ** 63), dict(bogus=1),
], ids=repr)
def test_zoo_builder_options_are_checked(options):
    from accelsim.workload import load_workload
    msg = assert_accelsim_error(load_workload, "mobilenet_v1", **options)
    assert "mobilenet_v1" in msg


def test_cycle_fidelity_work_is_bounded_before_allocating(tmp_path, monkeypatch):
    big = write(tmp_path, "big.yaml", "name: big\ninput: [1024, 1024, 1024]\nlayers:\n"
                                      " - {name: c, op: conv, out_channels: 1024, kernel: 1}\n")
    assert "268,435,456" in assert_one_line_error(["run", "--workload", big, "--fidelity", "cycle"])
    monkeypatch.setenv("ACCELSIM_MAX_CYCLE_MACS", "1000")
    line = assert_one_line_error(["run", "--workload", TINY, "--fidelity", "cycle"])
    assert "ACCELSIM_MAX_CYCLE_MACS" in line


@pytest.mark.parametrize("call", ["profile_object", "profile_int", "profile_calibrated", "workload_object",
                                  "workload_list", "streams_object"])
def test_public_loaders_refuse_wrong_types(call):
    from accelsim.sim.streams import run_streams
    fn, args, kwargs = {
        "profile_object": (accelsim.load_profile, (object(),), {}),
        "profile_int": (accelsim.load_profile, (3,), {}),
        "profile_calibrated": (accelsim.load_profile, ("generic_npu",), {"calibrated": "no"}),
        "workload_object": (accelsim.load_workload, (object(),), {}),
        "workload_list": (accelsim.load_workload, (["tiny_cnn"],), {}),
        "streams_object": (run_streams, (object(),), {}),
    }[call]
    with pytest.raises(AccelsimTypeError) as err:
        fn(*args, **kwargs)
    assert "0x" not in str(err.value)
