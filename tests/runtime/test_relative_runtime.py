"""A runtime priced relative to another (tensorflow-gpu = fitted slowdown x TensorRT + a per-call cost)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import yaml

import accelsim
from accelsim.calibration.rt_terms import build_rt_terms
from accelsim.calibration.stack_fit import fit_relative
from accelsim.runtime.loader import runtime_file
from accelsim.calibration.table import read_table
from accelsim.errors import AccelsimError
from accelsim.runtime import load_runtime

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "hw_profiles" / "runtimes" / "data" / "tensorflow_vs_tensorrt_tx2.csv"


def _pairs():
    with TABLE.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([float(r["tensorrt_fp32_ms"]) for r in rows]), np.array([float(r["tensorflow_fp32_ms"])
                                                                           for r in rows])


def test_yaml_figures_are_the_fit_of_the_shipped_table():
    fit = fit_relative("tensorflow-gpu")
    rel = load_runtime("tensorflow-gpu").relative_to
    assert fit["rows"] == 14 and rel.runtime == "tensorrt"
    assert (rel.time_factor, rel.call_overhead_ms) == (fit["time_factor"], fit["call_overhead_ms"])


def test_relation_predicts_left_out_networks_of_the_source_table():
    # oracle: the source's own measurements; each network is predicted by a fit that never saw it
    x, y = _pairs()
    errors = []
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        w = 1 / y[keep]
        (a, b), *_ = np.linalg.lstsq(np.c_[x[keep] * w, w], np.ones(keep.sum()), rcond=None)
        errors.append(abs((a * x[i] + b) / y[i] - 1))
    assert np.median(errors) < 0.12 and max(errors) < 0.45
    # a pure ratio (no per-call cost) cannot carry the small MobileNets: 2.65 ms -> 15.7 ms is 5.9x, 12.9 -> 24.4 1.9x
    assert (y / x).max() / (y / x).min() > 3


def test_tensorflow_run_is_the_tensorrt_run_scaled_by_hand():
    # hand-worked: every layer's compute / memory / overhead x 1.789, plus 8.65 ms once
    trt = accelsim.simulate("jetson_nano", "mobilenet_v2", unit="gpu", precision="fp32", runtime="tensorrt")
    tf = accelsim.simulate("jetson_nano", "mobilenet_v2", unit="gpu", precision="fp32", runtime="tensorflow-gpu")
    rel = load_runtime("tensorflow-gpu").relative_to
    assert tf.runtime == "tensorflow-gpu" and trt.runtime == "tensorrt"
    assert rel.time_factor * trt.latency_ms + rel.call_overhead_ms == pytest.approx(tf.latency_ms, rel=0.02)
    assert tf.layers[0].overhead_cycles >= rel.call_overhead_ms * 1e6 * tf.clock_ghz
    assert [x.algorithm for x in tf.layers] == [x.algorithm for x in trt.layers]
    assert tf.dram_bytes == trt.dram_bytes                   # the same tensors move


def test_relative_runtime_rows_are_not_fitted(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,soc,unit,model,input,precision,threads,latency_ms,framework\n"
                     "a,jetson_nano,gpu,mobilenet_v2,224,fp32,,49.6,TensorFlow + TF-TRT\n"
                     "b,jetson_nano,gpu,mobilenet_v2,224,fp32,,23.1,TensorRT\n")
    t = build_rt_terms(read_table(table))
    assert [r.row.id for r in t.rows] == ["b"]
    assert "priced relative to 'tensorrt'" in t.skipped[0][1]


def _write_variant(tmp_path, **rel):
    data = yaml.safe_load(runtime_file("tensorflow-gpu").read_text())
    data["relative_to"].update(rel)
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "tensorflow_vs_tensorrt_tx2.csv").write_text(TABLE.read_text())
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump({**data, "name": "variant"}))
    return path


@pytest.mark.parametrize("change, message", [
    ({"source": "nowhere"}, "relative_to.source: got 'nowhere'"),
    ({"data": "data/missing.csv"}, "relative_to.data: got 'data/missing.csv'"),
    ({"runtime": "variant"}, "cannot scale itself"),
    ({"time_factor": 0}, "time_factor"),
])
def test_bad_relative_runtime_is_a_clear_error(tmp_path, change, message):
    with pytest.raises(AccelsimError, match=message):
        load_runtime(_write_variant(tmp_path, **change))


def test_chained_relative_runtime_refused(tmp_path):
    path = _write_variant(tmp_path, runtime="tensorflow-gpu")
    with pytest.raises(AccelsimError, match="is itself relative"):
        accelsim.simulate("jetson_nano", "mobilenet_v2", unit="gpu", runtime=str(path))
