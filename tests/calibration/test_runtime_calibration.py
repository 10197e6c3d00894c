"""Runtime calibration and validation: held-back rows, parameter budget, the solver, both table formats, --cv."""
import json

import numpy as np
import pytest
import yaml

from accelsim.calibration import rt_fit
from accelsim.calibration.fit import error_stats
from accelsim.calibration.frameworks import HELD_BACK_SOCS, is_held_back, runtime_for
from accelsim.calibration.rt_calibrate import fit_terms
from accelsim.calibration.rt_terms import CLASS_INDEX, RtRow, RtTerms
from accelsim.calibration.rt_validate import validate_runtime
from accelsim.cli import main
from accelsim.hardware import load_profile
from accelsim.paths import REPO_ROOT

CAL = REPO_ROOT / "hw_profiles" / "calibration.yaml"
MODELS = REPO_ROOT / "workloads" / "ncnn"
NCNN_HEADER = "id,soc,device,unit,threads,cores,model,precision,min_ms,avg_ms,framework,source\n"


@pytest.fixture(scope="module")
def committed():
    return yaml.safe_load(CAL.read_text())


def test_no_held_back_row_in_the_calibration(committed):
    rows = committed["runtime_calibration"]["rows"]
    assert rows
    bad = [r["id"] for r in rows if is_held_back(r["soc"], r["id"])]
    assert not bad, f"held-back rows were fitted: {bad}"
    assert not {r["soc"] for r in rows} & set(HELD_BACK_SOCS)
    assert {r["id"] for r in rows if r["soc"] == "snapdragon835"} <= {"Q7a", "Q7b"}


def test_parameter_budget_and_row_list(committed):
    rc = committed["runtime_calibration"]
    assert rc["rows_used"] == len(rc["rows"])
    assert rc["free_parameters"] == len(rc["parameters"]) <= max(1, rc["rows_used"] // 10)


def test_held_back_rows_never_enter_a_fit(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(NCNN_HEADER + "x1,jetson_nano,d,cpu,4,all,mobilenet,fp32,1,60,ncnn,s\n"
                     "x2,snapdragon888,d,cpu,4,big,mobilenet,fp32,1,9,ncnn,s\n"
                     "x3,snapdragon835,d,cpu,4,big,mobilenet,fp32,1,30,ncnn,s\n")
    terms, held = fit_terms([table], MODELS)
    assert held == 2 and [r.row.id for r in terms.rows] == ["x1"]


def _synthetic(prior: float, measured_over_spec: float) -> RtTerms:
    n = 40
    rows = [RtRow(row=type("R", (), {"latency_ms": 1.0 * measured_over_spec, "soc": "s", "id": str(i)})(),
                  runtime="r", cores=None, note="", key="r/k", group="npu") for i in range(n)]
    lr = np.arange(n)
    gemm = np.full(n, 1e6 * prior)  # 1 ms at 1 GHz when efficiency is `prior`
    return RtTerms(rows, np.ones(n), gemm, np.zeros(n, np.int64), np.zeros(n), np.full(n, prior), np.ones(n),
                   np.zeros(n), np.zeros(n), np.zeros(n, bool), lr, lr, np.zeros(n))


@pytest.mark.parametrize("slower", [2.0, 0.8])
def test_a_factor_starting_at_the_cap_moves(slower):
    """Spec efficiency 1 (the cap): the fit must still find the factor that explains the rows."""
    t = _synthetic(1.0, slower)
    layout = rt_fit.rt_layout(t)
    theta = rt_fit.solve(layout, t)
    pred = rt_fit.predict_ms(theta, layout, t)
    assert np.exp(theta[0]) != pytest.approx(1.0, abs=0.05)
    if slower > 1:                                       # slower than peak: reachable exactly
        assert error_stats(pred, t.measured_ms)["median_ape"] < 0.02
    else:                                                # faster than peak: the cap holds
        assert pred.min() >= 0.99 * 1.0


def test_framework_rule():
    cpu = load_profile("snapdragon855", calibrated=False).unit("cpu")
    gpu = load_profile("snapdragon855", calibrated=False).unit("gpu")
    assert runtime_for("ncnn", cpu) == ("ncnn", "")
    assert runtime_for("ncnn Vulkan", gpu) == ("ncnn-vulkan", "")
    assert runtime_for("ncnn 2021 build", cpu) == ("ncnn-2021", "")           # before the 2022 int8 rewrite
    assert runtime_for("TFLite benchmark_model", cpu) == ("tflite", "")
    assert runtime_for("TFLite GPU delegate", gpu) == ("tflite-gpu", "")
    assert runtime_for("TFLite 2.7.1 (ruy)", cpu) == ("tflite-ruy", "")       # Krai's build without XNNPACK
    assert runtime_for("TFLite runtime", cpu) == ("tflite-py", "")             # Python tflite_runtime, defaults
    assert runtime_for("ArmNN 22.05 (Neon backend; TFLite model via ArmNN TfLite parser)", cpu) == ("armnn", "")
    assert runtime_for("Paddle-Lite v2.6", cpu) == ("paddle-lite", "")
    assert runtime_for("SNPE 1.30 MLPerf v0.5 SingleStream", gpu)[0] == "snpe"
    nano = load_profile("jetson_nano", calibrated=False)
    assert runtime_for("TensorFlow + TF-TRT", nano.unit("gpu")) == ("tensorflow-gpu", "")   # not tensorrt
    assert runtime_for("TensorRT (ONNX parser), Python", nano.unit("gpu")) == ("tensorrt", "")
    assert runtime_for("TensorFlow Lite", nano.unit("cpu")) == ("tflite", "")
    name, note = runtime_for("TensorFlow 2.4", nano.unit("cpu"))    # TensorFlow on a CPU: no model of it
    assert name == "tflite" and "does not drive cpu units" in note
    name, note = runtime_for("MNN 1.0", cpu)
    assert name == "tflite" and "unknown framework 'MNN 1.0'" in note


def test_validate_ncnn_format_with_notes_and_skips(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text(NCNN_HEADER + "a,jetson_nano,d,cpu,4,all,mobilenet,fp32,50,60,ncnn,s\n"
                     "b,nochip,d,cpu,4,all,mobilenet,fp32,1,2,ncnn,s\n"
                     "c,jetson_nano,d,cpu,2,big,squeezenet,fp32,20,25,MNN,s\n"
                     "d,jetson_nano,d,cpu,1,big,nonet,fp32,1,2,ncnn,s\n")
    out, plot = tmp_path / "v.json", tmp_path / "v.png"
    assert main(["validate", "--table", str(table), "--models", str(MODELS), "--json", str(out),
                 "--plot", str(plot)]) == 0
    text = capsys.readouterr().out
    assert "skipped b: unknown soc 'nochip'" in text and "skipped d: unknown model 'nonet'" in text
    data = json.loads(out.read_text())
    rows = {r["id"]: r for r in data["rows"]}
    assert set(rows) == {"a", "c"}
    assert rows["a"]["measured_ms"] == 60 and rows["a"]["runtime"] == "ncnn"     # avg_ms, not min_ms
    assert rows["c"]["runtime"] == "tflite" and "unknown framework 'MNN'" in rows["c"]["note"]
    assert {"id", "predicted_ms", "measured_ms", "ape"} <= set(rows["a"]) and {"median_ape", "within_2x"} <= set(data)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulator_reproduces_the_fitted_rows(committed):
    """The full simulator with the committed factors gives the array predictor's fitted latency."""
    fitted = {r["id"]: r["fitted_ms"] for r in committed["runtime_calibration"]["rows"]}
    v = validate_runtime(REPO_ROOT / "hw_profiles" / "device_latency_calibration.csv", models=MODELS,
                         calibration=CAL)
    assert len(v.rows) == 34
    for r in v.rows:
        assert r.predicted_ms == pytest.approx(fitted[r.id], rel=2e-3), r.id


def test_cross_validation_never_sees_the_left_out_device(tmp_path):
    v = validate_runtime(REPO_ROOT / "hw_profiles" / "device_latency_calibration.csv", models=MODELS, cv="device")
    assert v.cv == "device" and len(v.rows) == 34 and v.fit["folds"] == len({r.soc for r in v.rows})
    assert 0 < v.median_ape < 1.0


def _two_keys(socs_per_key: dict[str, list[str]], core_of: dict[str, str], n_rows: int = 40) -> RtTerms:
    rows = []
    for key, socs in socs_per_key.items():
        for i in range(n_rows):
            soc = socs[i % len(socs)]
            rows.append(RtRow(row=type("R", (), {"latency_ms": 1.0, "soc": soc, "id": f"{key}{i}"})(),
                              runtime="r", cores=None, note="", key=key, group="cpu", core_key=core_of[soc]))
    n = len(rows)
    lr = np.arange(n)
    return RtTerms(rows, np.ones(n), np.full(n, 1e6), np.zeros(n, np.int64), np.zeros(n), np.ones(n), np.ones(n),
                   np.zeros(n), np.zeros(n), np.zeros(n, bool), lr, lr, np.zeros(n))


def test_no_key_is_fitted_on_one_device_only():
    """A family or core-type key whose rows all come from one device would be a per-device factor: left out."""
    t = _two_keys({"r/famA": ["d1", "d2"], "r/famB": ["d3"]},
                  {"d1": "r/coreA1", "d2": "r/coreA2", "d3": "r/coreB"})
    names = {(s, n) for s, n, _ in rt_fit.rt_layout(t).names}
    assert ("key", "r/famA") in names                  # two devices share it
    assert ("key", "r/famB") not in names              # one device
    assert not {n for s, n in names if s == "core"}    # each core type here is seen on one device
    t2 = _two_keys({"r/famA": ["d1", "d2", "d4"]}, {"d1": "r/coreA1", "d2": "r/coreA1", "d4": "r/coreA2"},
                   n_rows=120)
    names2 = {(s, n) for s, n, _ in rt_fit.rt_layout(t2).names}
    assert ("core", "r/coreA1") in names2 and ("core", "r/coreA2") not in names2


def test_async_rows_fit_max_of_work_and_dispatch_with_an_exact_jacobian():
    """Layers launched asynchronously cost max(work, dispatch x f_overhead); the analytic Jacobian matches
    central differences on both sides of the switch, and the cycles match a hand evaluation."""
    n_rows, per_row = 40, 3
    rows = [RtRow(row=type("R", (), {"latency_ms": 0.05 + 0.01 * (i % 7), "soc": f"s{i % 4}", "id": str(i)})(),
                  runtime="r", cores=None, note="", key="r/k", group="gpu") for i in range(n_rows)]
    m = n_rows * per_row
    lr = np.repeat(np.arange(n_rows), per_row)
    rng = np.random.default_rng(0)
    gemm = rng.uniform(1e3, 4e4, m)                    # work at efficiency 1 (cycles); prior efficiency 0.5
    overhead = rng.uniform(5e3, 2e4, m)                # dispatch cycles: some layers launch-bound, some not
    hidden = np.arange(m) % 2 == 0
    t = RtTerms(rows, np.ones(n_rows), gemm, np.zeros(m, np.int64), np.zeros(m), np.full(m, 0.5), np.ones(m),
                np.zeros(m), overhead, np.zeros(m, bool), lr, np.searchsorted(lr, np.arange(n_rows)),
                np.zeros(n_rows), [], hidden)
    layout = rt_fit.rt_layout(t)
    theta = np.array([0.3 if c == "overhead" else -0.2 for _, _, c in layout.names])
    assert {c for _, _, c in layout.names} == {"compute", "overhead", ""}    # shared compute, overhead; runtime
    f_compute = np.exp(sum(v for (_, _, c), v in zip(layout.names, theta) if c in ("compute", "")))
    f_overhead = np.exp(sum(v for (_, _, c), v in zip(layout.names, theta) if c == "overhead"))
    eff = 0.5 * f_compute / (1 + (0.5 * f_compute) ** 8) ** (1 / 8)            # soft cap, by hand
    work, ovh = gemm / eff, overhead * f_overhead
    cyc = np.where(hidden, np.maximum(work, ovh), work + ovh)
    assert rt_fit.predict_ms(theta, layout, t) == pytest.approx(np.bincount(lr, cyc) / 1e6, rel=1e-9)
    w = np.ones(n_rows)
    jac = rt_fit._jacobian(theta, layout, t, w)[:n_rows]
    for j in range(layout.size):
        d = np.zeros(layout.size)
        d[j] = 1e-6
        num = (rt_fit._residuals(theta + d, layout, t, w) - rt_fit._residuals(theta - d, layout, t, w))[:n_rows] / 2e-6
        assert jac[:, j] == pytest.approx(num, rel=1e-4, abs=1e-7)


def test_a_small_group_fits_one_factor_per_ten_of_its_rows():
    """Rows of a big group and of a 2-row group, both with dispatch cost and depthwise layers: the big group
    gets compute, dispatch and depthwise factors, the small one its compute factor only (3 for 2 rows
    would fit them exactly and say nothing)."""
    rows, per_row = [], 2
    for i in range(62):
        group = "vpu" if i < 2 else "cpu"
        rows.append(RtRow(row=type("R", (), {"latency_ms": 1.0, "soc": f"s{i % 5}", "id": str(i)})(),
                          runtime="r", cores=None, note="", key=f"r/{group}", group=group))
    n = len(rows)
    m = n * per_row
    lr = np.repeat(np.arange(n), per_row)
    cls = np.tile([0, CLASS_INDEX["depthwise"]], n)     # one dense and one depthwise layer per row
    t = RtTerms(rows, np.ones(n), np.full(m, 1e5), cls, np.zeros(m), np.full(m, 0.5), np.ones(m), np.zeros(m),
                np.full(m, 1e3), np.zeros(m, bool), lr, np.searchsorted(lr, np.arange(n)), np.zeros(n))
    shared = {(g, c) for s, g, c in rt_fit.rt_layout(t).names if s == "shared"}
    assert {c for g, c in shared if g == "cpu"} == {"compute", "overhead", "depthwise"}
    assert {c for g, c in shared if g == "vpu"} == {"compute"}
