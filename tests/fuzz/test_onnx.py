"""Bad ONNX graphs (built here with onnx.helper): one-line errors; models with real weights run every fidelity."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from accelsim import simulate
from accelsim.errors import AccelsimError
from accelsim.workload import load_workload
from tests.fuzz.corpus import assert_one_line_error

F = TensorProto.FLOAT


def vi(name, dims):
    return helper.make_tensor_value_info(name, F, dims)


def save(tmp, nodes, inputs, outputs, inits=(), name="m.onnx"):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    path = tmp / name
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    return path


def weights(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def conv_model(tmp, x_dims=(1, 3, 8, 8), w=None, extra_nodes=(), out="c"):
    w = weights(4, 3, 3, 3) if w is None else w
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]), *extra_nodes]
    return save(tmp, nodes, [vi("x", list(x_dims))], [vi(out, None)], [numpy_helper.from_array(w, "w")])


def test_maxpool_without_kernel_shape(tmp_path):
    path = conv_model(tmp_path, extra_nodes=[helper.make_node("MaxPool", ["c"], ["p"], name="pool")], out="p")
    assert "kernel_shape" in assert_one_line_error(["run", "--workload", path])


def test_short_raw_data(tmp_path):
    t = numpy_helper.from_array(weights(4, 3, 3, 3), "w")
    t.raw_data = t.raw_data[:40]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1])]
    path = save(tmp_path, nodes, [vi("x", [1, 3, 8, 8])], [vi("c", None)], [t])
    assert_one_line_error(["run", "--workload", path])


def test_cyclic_graph(tmp_path):
    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="add1"),
             helper.make_node("Relu", ["a"], ["b"], name="relu")]
    path = save(tmp_path, nodes, [vi("x", [1, 3, 8, 8])], [vi("b", [1, 3, 8, 8])])
    assert "cycle" in assert_one_line_error(["run", "--workload", path])


@pytest.mark.parametrize("dims", [(1, 0, 8, 8), (0, 3, 8, 8), (1, 3, 0, 8), (1, 3, 8, -1)])
def test_zero_sized_input(tmp_path, dims):
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="r")]
    path = save(tmp_path, nodes, [vi("x", list(dims))], [vi("y", None)])
    assert_one_line_error(["run", "--workload", path])


def test_oversized_file_refused_before_parsing(tmp_path, monkeypatch):
    from accelsim.workload import onnx_import
    path = conv_model(tmp_path)
    monkeypatch.setattr(onnx_import, "MAX_ONNX_BYTES", 100)
    assert "size limit" in assert_one_line_error(["run", "--workload", path])


def test_node_count_limit(tmp_path, monkeypatch):
    from accelsim import limits
    monkeypatch.setattr(limits, "MAX_LAYERS", 2)
    nodes = [helper.make_node("Relu", [f"t{i}"], [f"t{i + 1}"], name=f"r{i}") for i in range(3)]
    path = save(tmp_path, nodes, [vi("t0", [1, 3, 8, 8])], [vi("t3", None)])
    assert "limit" in assert_one_line_error(["run", "--workload", path])


@pytest.mark.parametrize("attr", [dict(kernel_shape=[0, 0]), dict(kernel_shape=[2, 2], strides=[0, 0]),
                                  dict(kernel_shape=[99, 99]), dict(kernel_shape=[2, 2], pads=[-1, -1, -1, -1])])
def test_bad_pool_attributes(tmp_path, attr):
    path = conv_model(tmp_path, extra_nodes=[helper.make_node("MaxPool", ["c"], ["p"], name="pool", **attr)],
                      out="p")
    assert_one_line_error(["run", "--workload", path])


def test_onnx_weights_run_the_cycle_fidelity(tmp_path):
    """Float initializers are quantized to int8: the cycle run uses them (not random tensors), CLI included."""
    from tests.fuzz.corpus import run_cli
    path = conv_model(tmp_path)
    wl = load_workload(path)
    assert "conv" in wl.weights
    res = simulate("generic_npu", wl, fidelity="cycle")
    assert res.layers[0].cycle_detail["weights"] == "given"
    code, out, err = run_cli(["run", "--workload", path, "--fidelity", "cycle"])
    assert code == 0 and err == "" and "conv" in out


def test_quantized_weights_follow_the_published_schemes():
    from accelsim.sim.real_weights import kernel_weights
    w = np.array([-2.0, -0.1, 0.0, 0.05, 1.0, 2.0])
    assert kernel_weights({"weight": w}, "int8", "w").tolist() == [-127, -6, 0, 3, 64, 127]   # round(w / (2/127))
    delta = 0.7 * np.mean(np.abs(w))          # TWN threshold, 0.5366...
    assert delta == pytest.approx(0.7 * 5.15 / 6)
    assert kernel_weights({"weight": w}, "ternary", "w").tolist() == [-1, 0, 0, 0, 1, 1]
    assert kernel_weights({"weight": w}, "binary", "w").tolist() == [-1, -1, 1, 1, 1, 1]
    with pytest.raises(AccelsimError, match="inf or nan"):
        kernel_weights({"weight": np.array([np.nan])}, "int8", "w")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=300))
def test_random_bytes_are_never_a_traceback(tmp_path, data):
    path = tmp_path / "r.onnx"
    path.write_bytes(data)
    try:
        load_workload(path)
    except AccelsimError as err:
        assert "\n" not in str(err)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(1, 2000), flip=st.integers(0, 2000))
def test_damaged_real_models(tmp_path, cut, flip):
    """A good model truncated or with one byte flipped: an error, or a workload (never a traceback)."""
    good = bytearray(conv_model(tmp_path).read_bytes())
    damaged = bytearray(good[:cut]) if cut < len(good) else good
    if flip < len(damaged):
        damaged[flip] ^= 0xFF
    path = tmp_path / "d.onnx"
    path.write_bytes(bytes(damaged))
    try:
        load_workload(path)
    except AccelsimError as err:
        assert "\n" not in str(err)
