"""ONNX import: graphs built here with onnx.helper (nothing downloaded), round trips, bad files."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.cli import main
from accelsim.errors import AccelsimError
from accelsim.workload import ZOO, load_workload
from accelsim.workload.onnx_export import save_onnx, workload_to_onnx
from accelsim.workload.onnx_import import workload_from_onnx

F = TensorProto.FLOAT


def vi(name, dims):
    return helper.make_tensor_value_info(name, F, dims)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, initializers=(), opset=17, extra_inputs=()):
    graph = helper.make_graph(nodes, "g", inputs + list(extra_inputs), outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def rng_weights(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


def test_conv_bn_relu_pool_gemm_softmax():
    w1, b1 = rng_weights(16, 3, 3, 3), rng_weights(16)
    gamma, beta, mean, var = (rng_weights(16) for _ in range(4))
    var = np.abs(var) + 0.5
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g", "b", "m", "v"], ["bn1"], name="bn1", epsilon=1e-3),
        helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="dw", group=16, dilations=[2, 2], auto_pad="SAME_UPPER",
                         kernel_shape=[3, 3]),
        helper.make_node("Clip", ["c2", "lo", "hi"], ["r2"], name="relu6"),
        helper.make_node("MaxPool", ["r2"], ["p"], name="pool", kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1],
                         ceil_mode=0),
        helper.make_node("GlobalAveragePool", ["p"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "wf", "bf"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["prob"], name="softmax", axis=1),
    ]
    inits = [init("w1", w1), init("b1", b1), init("g", gamma), init("b", beta), init("m", mean), init("v", var),
             init("w2", rng_weights(16, 1, 3, 3)), init("lo", np.float32(0)), init("hi", np.float32(6)),
             init("wf", rng_weights(10, 16)), init("bf", rng_weights(10))]
    wl = workload_from_onnx(model(nodes, [vi("x", ["N", 3, 32, 32])], [vi("prob", ["N", 10])], inits))
    assert [(i.name, i.op) for i in wl] == [("conv1", "conv"), ("dw", "conv"), ("pool", "pool"), ("gap", "pool"),
                                            ("fc", "fc"), ("softmax", "softmax")]
    assert wl.inputs == {"x": (3, 32, 32)}                        # symbolic batch N -> 1
    assert wl["conv1"].out_shape == (16, 16, 16) and wl["conv1"].macs == 16 * 16 * 16 * 27
    dw = wl["dw"]
    assert dw.layer.depthwise and dw.layer.dilation == (2, 2) and dw.layer.padding == (2, 2, 2, 2)
    assert dw.out_shape == (16, 16, 16) and dw.macs == 16 * 16 * 16 * 9
    assert wl["pool"].out_shape == (16, 8, 8) and wl["fc"].macs == 160 and wl["fc"].params == 170
    # real weights kept, with the batch norm folded in
    scale = gamma / np.sqrt(var + 1e-3)
    np.testing.assert_allclose(wl.weights["conv1"]["weight"], w1 * scale[:, None, None, None], rtol=1e-6)
    np.testing.assert_allclose(wl.weights["conv1"]["bias"], (b1 - mean) * scale + beta, rtol=1e-5)
    assert wl.weights["fc"]["weight"].shape == (10, 16)


def test_same_lower_and_1d_conv_and_valid():
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="c", auto_pad="SAME_LOWER", strides=[2],
                              kernel_shape=[4]),
             helper.make_node("AveragePool", ["y"], ["z"], name="p", kernel_shape=[2], auto_pad="VALID", strides=[2])]
    wl = workload_from_onnx(model(nodes, [vi("x", [1, 8, 11])], [vi("z", [1, 4, 3])],
                                  [init("w", rng_weights(4, 8, 4))]))
    c = wl["c"]
    assert c.out_shape == (4, 6, 1) and c.layer.kernel == (4, 1) and c.layer.padding == (2, 0, 1, 0)
    assert c.macs == 6 * 4 * 4 * 8 and wl["p"].out_shape == (4, 3, 1)


def test_residual_se_block_concat_resize_pad_and_activations():
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("HardSwish", ["x"], ["hs"], name="hswish"),                    # on the input: a layer
        helper.make_node("Add", ["c", "hs"], ["res"], name="res"),
        helper.make_node("Relu", ["res"], ["rr"], name="res_relu"),                      # fused into the add
        helper.make_node("GlobalAveragePool", ["rr"], ["sq"], name="squeeze"),
        helper.make_node("Conv", ["sq", "wse"], ["ex"], name="excite"),
        helper.make_node("Sigmoid", ["ex"], ["gate"], name="gate"),                      # fused into excite
        helper.make_node("Mul", ["rr", "gate"], ["scaled"], name="scale"),              # broadcast C x 1 x 1
        helper.make_node("Concat", ["scaled", "x"], ["cat"], name="cat", axis=1),
        helper.make_node("Resize", ["cat", "", "scales"], ["up"], name="up", mode="nearest"),
        helper.make_node("Resize", ["up", "", "", "sizes"], ["bi"], name="bi", mode="linear"),
        helper.make_node("LeakyRelu", ["bi"], ["lr"], name="leaky", alpha=0.1),         # after a resize: a layer
        helper.make_node("Pad", ["lr", "pads"], ["padded"], name="pad"),
    ]
    inits = [init("w", rng_weights(8, 8, 3, 3)), init("wse", rng_weights(8, 8, 1, 1)),
             init("scales", np.array([1, 1, 2, 2], np.float32)), init("sizes", np.array([1, 16, 20, 20], np.int64)),
             init("pads", np.array([0, 0, 1, 2, 0, 0, 3, 4], np.int64))]
    m = model(nodes, [vi("x", [1, 8, 6, 6])], [vi("padded", [1, 16, 24, 26])], inits)
    wl = workload_from_onnx(m)
    ops = {i.name: i.op for i in wl}
    assert ops == {"conv": "conv", "hswish": "act", "res": "add", "squeeze": "pool", "excite": "conv",
                   "scale": "eltwise", "cat": "concat", "up": "upsample", "bi": "upsample", "leaky": "act",
                   "pad": "pad"}
    assert wl["scale"].layer.inputs == ("res", "excite") and wl["scale"].elem_ops == 8 * 36
    assert wl["hswish"].elem_ops == 5 * 8 * 36 and wl["leaky"].elem_ops == 2 * 16 * 400
    assert wl["up"].out_shape == (16, 12, 12) and wl["up"].layer.scale == (2, 2)
    assert wl["bi"].out_shape == (16, 20, 20) and wl["bi"].layer.mode == "bilinear"
    assert wl["pad"].out_shape == (16, 24, 26) and wl["pad"].layer.padding == (1, 2, 3, 4)
    unfused = workload_from_onnx(m, fuse_activations=False)
    assert unfused["gate"].op == "act" and unfused["res_relu"].op == "act" and len(unfused) == len(wl) + 2


def test_matmul_bias_fold_views_shuffle_split_slice_transpose():
    nodes = [
        helper.make_node("Reshape", ["x", "s5"], ["g"], name="group"),
        helper.make_node("Transpose", ["g"], ["t"], name="swap", perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["t", "s4"], ["shuf"], name="shuffle"),
        helper.make_node("Split", ["shuf", "split"], ["a", "b"], name="split", axis=1),
        helper.make_node("Slice", ["b", "st", "en", "ax"], ["b2"], name="slice"),
        helper.make_node("Transpose", ["a"], ["at"], name="nhwc", perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["at", "rows"], ["arows"], name="rows"),
        helper.make_node("Flatten", ["b2"], ["bf"], name="flat"),
        helper.make_node("MatMul", ["bf", "wm"], ["mm"], name="linear"),
        helper.make_node("Add", ["mm", "bias"], ["lin"], name="bias_add"),
        helper.make_node("Relu", ["lin"], ["out"], name="relu"),
    ]
    inits = [init("s5", np.array([1, 2, 4, 5, 5], np.int64)), init("s4", np.array([1, 8, 5, 5], np.int64)),
             init("split", np.array([4, 4], np.int64)), init("st", np.array([1], np.int64)),
             init("en", np.array([3], np.int64)), init("ax", np.array([1], np.int64)),
             init("rows", np.array([1, -1, 4], np.int64)), init("wm", rng_weights(50, 7)), init("bias", rng_weights(7))]
    wl = workload_from_onnx(model(nodes, [vi("x", [1, 8, 5, 5])], [vi("arows", [1, 25, 4]), vi("out", [1, 7])],
                                  inits))
    assert [(i.name, i.op) for i in wl] == [("shuffle", "shuffle"), ("split_0", "slice"), ("split_1", "slice"),
                                            ("slice", "slice"), ("rows", "reshape"), ("linear", "fc")]
    assert wl["shuffle"].layer.groups == 2
    assert (wl["split_1"].layer.start, wl["split_1"].layer.stop) == (4, 8)
    assert (wl["slice"].layer.start, wl["slice"].layer.stop) == (1, 3) and wl["slice"].out_shape == (2, 5, 5)
    assert wl["rows"].layer.copy and wl["rows"].out_shape == (25, 4, 1)
    assert wl["linear"].layer.bias and wl["linear"].params == 50 * 7 + 7 and wl["linear"].macs == 350
    assert wl.weights["linear"]["weight"].shape == (7, 50)


def test_missing_and_external_weights_still_import(tmp_path):
    # weights as graph inputs without initializers (stripped), and an initializer stored externally
    ext = onnx.TensorProto()
    ext.name, ext.data_type = "w2", F
    ext.dims.extend([4, 8, 1, 1])
    ext.data_location = onnx.TensorProto.EXTERNAL
    for k, v in (("location", "weights_that_do_not_exist.bin"), ("offset", "0"), ("length", "128")):
        ext.external_data.add(key=k, value=v)
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c1"], name="c1", pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c1", "w2"], ["c2"], name="c2")]
    m = model(nodes, [vi("x", [1, 3, 10, 10])], [vi("c2", [1, 4, 10, 10])], [ext],
              extra_inputs=[vi("w1", [8, 3, 3, 3])])
    path = tmp_path / "stripped.onnx"
    onnx.save(m, str(path))
    wl = load_workload(path)
    assert list(wl.inputs) == ["x"] and wl["c2"].out_shape == (4, 10, 10)
    assert wl.macs == 100 * 8 * 27 + 100 * 4 * 8 and wl.weights == {}


def test_unknown_op_error_or_zero_cost(tmp_path, capsys):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("LpNormalization", ["c"], ["n"], name="l2norm", axis=1),
             helper.make_node("Relu", ["n"], ["y"], name="relu")]
    m = model(nodes, [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 8, 8])], [init("w", rng_weights(4, 3, 1, 1))])
    with pytest.raises(AccelsimError, match=r"node 'l2norm' \(op type LpNormalization\)") as err:
        workload_from_onnx(m)
    assert "\n" not in str(err.value)
    wl = workload_from_onnx(m, unknown_ops="zero_cost")
    assert wl["l2norm"].op == "zero_cost" and wl["l2norm"].out_shape == (4, 8, 8) and wl["l2norm"].layer.source_op
    assert wl["relu"].op == "act"     # not after a conv any more: a layer of its own
    path = tmp_path / "u.onnx"
    onnx.save(m, str(path))
    assert main(["run", "--workload", str(path)]) == 2
    msg = capsys.readouterr().err.strip()
    assert "l2norm" in msg and "LpNormalization" in msg and "\n" not in msg
    assert main(["run", "--workload", str(path), "--onnx-unknown-ops", "zero-cost"]) == 0
    assert "l2norm" in capsys.readouterr().out
    assert main(["run", "--workload", str(path), "--onnx-unknown-ops", "ignore"]) == 2
    assert "unknown_ops: got 'ignore'" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["garbage", "truncated", "empty", "opset", "no_input_shape", "text"])
def test_bad_onnx_files_are_one_line_errors_exit_2(tmp_path, capsys, case):
    good = workload_to_onnx(load_workload("squeezenet1_1"))
    path = tmp_path / f"{case}.onnx"
    if case == "garbage":
        path.write_bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    elif case == "truncated":
        path.write_bytes(good.SerializeToString()[:3000])
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "text":
        path.write_text("this is not a model\n")
    elif case == "opset":
        good.opset_import[0].version = 999
        path.write_bytes(good.SerializeToString())
    else:
        m = model([helper.make_node("Relu", ["x"], ["y"], name="r")], [helper.make_tensor_value_info("x", F, None)],
                  [vi("y", None)])
        onnx.save(m, str(path))
    with pytest.raises(AccelsimError) as err:
        load_workload(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert main(["run", "--workload", str(path)]) == 2
    out = capsys.readouterr().err.strip()
    assert out.startswith("accelsim: error:") and "\n" not in out and "Traceback" not in out


def test_bad_options_for_files(tmp_path):
    path = save_onnx(load_workload("tiny_cnn"), tmp_path / "t.onnx")
    with pytest.raises(AccelsimError, match="bad option"):
        load_workload(path, resolution=3)
    csv = tmp_path / "x.csv"
    csv.write_text("h\nc, 8, 8, 3, 3, 3, 8, 1,\n")
    with pytest.raises(AccelsimError, match="bad option"):
        load_workload(csv, unknown_ops="zero_cost")


def _graph(wl):
    prev = next(iter(wl.inputs))
    out = []
    for i in wl:
        out.append((i.name, i.op, i.layer.inputs or (prev,), i.in_shapes, i.out_shape, i.macs, i.params, i.elem_ops))
        prev = i.name
    return out


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_round_trip_through_onnx(name, tmp_path):
    wl = load_workload(name)
    path = save_onnx(wl, tmp_path / f"{name}.onnx")
    onnx.checker.check_model(onnx.load(str(path)))
    back = load_workload(path)
    assert back.inputs == wl.inputs and back.name == wl.name
    assert _graph(back) == _graph(wl)
    assert back.macs == wl.macs and back.params == wl.params


def test_round_trip_of_video_layers():
    from accelsim.workload import ConvLSTMCell, LSTMCell, Reshape, Workload
    wl = Workload("tracker", (16, 12, 12), [ConvLSTMCell(name="clstm", hidden_channels=8, kernel=5, steps=2),
                                            Reshape(name="flat", shape=(8 * 144, 1, 1)),
                                            LSTMCell(name="lstm", hidden_size=32, bias=False)], precision="fp16")
    back = workload_from_onnx(workload_to_onnx(wl))
    assert _graph(back)[0] == _graph(wl)[0] and back["lstm"].macs == wl["lstm"].macs
    from dataclasses import replace
    assert replace(back["clstm"].layer, inputs=()) == wl["clstm"].layer and back.precision == "fp16"
    assert [i.op for i in back] == ["convlstm", "reshape", "lstm"]


def test_run_accepts_onnx_path(tmp_path, capsys):
    path = save_onnx(load_workload("mobilenet_v2"), tmp_path / "mnv2.onnx")
    assert main(["run", "--profile", "generic_npu", "--workload", str(path)]) == 0
    assert "mobilenet_v2 on generic_npu" in capsys.readouterr().out


def test_pytorch_style_shape_subgraph_and_constant_nodes_are_skipped():
    """torch.onnx exports x.view(x.size(0), -1) as Shape -> Gather -> Unsqueeze -> Concat -> Reshape."""
    const = helper.make_node("Constant", [], ["minus1"], name="c_m1",
                             value=numpy_helper.from_array(np.array([-1], np.int64)))
    idx = helper.make_node("Constant", [], ["zero"], name="c_0", value=numpy_helper.from_array(np.array(0, np.int64)))
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
        helper.make_node("MaxPool", ["c"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        const, idx,
        helper.make_node("Shape", ["p"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsq"),
        helper.make_node("Concat", ["n1", "minus1"], ["newshape"], name="cat_shape", axis=0),
        helper.make_node("Reshape", ["p", "newshape"], ["flat"], name="view"),
        helper.make_node("Gemm", ["flat", "wf"], ["y"], name="fc", transB=1),
    ]
    inits = [init("w", rng_weights(4, 3, 3, 3)), init("wf", rng_weights(5, 4 * 3 * 3)),
             init("axes0", np.array([0], np.int64))]
    wl = workload_from_onnx(model(nodes, [vi("x", [1, 3, 8, 8])], [vi("y", [1, 5])], inits))
    assert [(i.name, i.op) for i in wl] == [("conv", "conv"), ("pool", "pool"), ("fc", "fc")]
    assert wl["fc"].macs == 36 * 5 and not wl["fc"].layer.bias


def test_opset9_upsample_and_free_ops():
    nodes = [helper.make_node("Dropout", ["x"], ["d"], name="drop"),
             helper.make_node("Upsample", ["d", "s"], ["u"], name="up", mode="nearest"),
             helper.make_node("Identity", ["u"], ["y"], name="id")]
    m = model(nodes, [vi("x", [1, 4, 5, 5])], [vi("y", None)], [init("s", np.array([1, 1, 2, 3], np.float32))], opset=9)
    wl = workload_from_onnx(m)
    assert [(i.name, i.op, i.out_shape) for i in wl] == [("up", "upsample", (4, 10, 15))]
    assert wl["up"].layer.scale == (2, 3)
