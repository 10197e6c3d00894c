"""ONNX transformers: a ViT-Tiny and a MobileViT-like graph built here with onnx.helper (no downloads),
checked against a brute-force count over ONNX's own inferred shapes, a hand count and published sizes."""
from __future__ import annotations

import math

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.workload.onnx_import import workload_from_onnx


class Graph:
    """A tiny builder: ops append nodes, weights become zero-filled float initializers."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base: str) -> str:
        self.n += 1
        return f"{base}_{self.n}"

    def w(self, *shape, name=None) -> str:
        name = name or self.name("w")
        self.inits.append(numpy_helper.from_array(np.zeros(shape, np.float32), name))
        return name

    def const(self, values, dtype=np.int64) -> str:
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(values, dtype), name))
        return name

    def op(self, op_type, inputs, **attrs) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out

    def linear(self, x, k, n):
        return self.op("Add", [self.op("MatMul", [x, self.w(k, n)]), self.w(n)])

    def layernorm(self, x, d):
        return self.op("LayerNormalization", [x, self.w(d), self.w(d)], axis=-1)

    def gelu_erf(self, x):
        """0.5 * x * (1 + erf(x / sqrt(2))), as exporters write GELU."""
        e = self.op("Erf", [self.op("Div", [x, self.const(1.4142135, np.float32)])])
        return self.op("Mul", [self.op("Mul", [x, self.op("Add", [e, self.const(1.0, np.float32)])]),
                               self.const(0.5, np.float32)])

    def attention(self, x, lead, tokens, d, heads):
        """Multi-head self-attention on (1, *lead, tokens, d) with separate q, k, v projections."""
        hd = d // heads
        split = [1, *lead, tokens, heads, hd]
        r = len(split)
        perm = list(range(r - 3)) + [r - 2, r - 3, r - 1]             # (..., heads, tokens, hd)
        perm_t = list(range(r - 3)) + [r - 2, r - 1, r - 3]           # (..., heads, hd, tokens)
        q, k, v = (self.op("Reshape", [self.linear(x, d, d), self.const(split)]) for _ in range(3))
        q, v = self.op("Transpose", [q], perm=perm), self.op("Transpose", [v], perm=perm)
        k = self.op("Transpose", [k], perm=perm_t)
        s = self.op("Softmax", [self.op("Mul", [self.op("MatMul", [q, k]), self.const(hd ** -0.5, np.float32)])],
                    axis=-1)
        o = self.op("Transpose", [self.op("MatMul", [s, v])], perm=perm)
        return self.linear(self.op("Reshape", [o, self.const([1, *lead, tokens, d])]), d, d)

    def block(self, x, lead, tokens, d, heads, mlp):
        x = self.op("Add", [x, self.attention(self.layernorm(x, d), lead, tokens, d, heads)])
        h = self.linear(self.gelu_erf(self.linear(self.layernorm(x, d), d, mlp)), mlp, d)
        return self.op("Add", [x, h])

    def model(self, x_shape, out, name):
        graph = helper.make_graph(self.nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                                  [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], initializer=self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def vit_tiny(depth=12, d=192, heads=3, mlp=768, classes=1000):
    """ViT-Ti/16 at 224 x 224 (DeiT-Ti / timm vit_tiny_patch16_224)."""
    g = Graph()
    x = g.op("Conv", ["x", g.w(d, 3, 16, 16), g.w(d)], strides=[16, 16], kernel_shape=[16, 16])
    x = g.op("Transpose", [g.op("Reshape", [x, g.const([1, d, 196])])], perm=[0, 2, 1])
    x = g.op("Concat", [g.w(1, 1, d, name="cls_token"), x], axis=1)
    x = g.op("Add", [x, g.w(1, 197, d, name="pos_embed")])
    for _ in range(depth):
        x = g.block(x, [], 197, d, heads, mlp)
    x = g.op("Gather", [g.layernorm(x, d), g.const(0)], axis=1)
    return g.model([1, 3, 224, 224], g.op("Gemm", [x, g.w(d, classes), g.w(classes)]), "vit_tiny")


def mobilevit_like(c=64, d=96, heads=4, patch=2, size=32):
    """Conv stem, an inverted-residual block and a MobileViT block (unfold to patches, 2 transformer
    layers, fold back, fuse with a concat) on a 64 x 64 input."""
    g = Graph()
    x = g.op("Relu", [g.op("Conv", ["x", g.w(c, 3, 3, 3), g.w(c)], strides=[2, 2], pads=[1, 1, 1, 1])])
    y = g.op("Relu", [g.op("Conv", [x, g.w(2 * c, c, 1, 1), g.w(2 * c)])])
    y = g.op("Relu", [g.op("Conv", [y, g.w(2 * c, 1, 3, 3), g.w(2 * c)], group=2 * c, pads=[1, 1, 1, 1])])
    x = g.op("Add", [x, g.op("Conv", [y, g.w(c, 2 * c, 1, 1), g.w(c)])])
    local = g.op("Conv", [g.op("Conv", [x, g.w(c, c, 3, 3), g.w(c)], pads=[1, 1, 1, 1]), g.w(d, c, 1, 1)])
    n = (size // patch) ** 2
    t = g.op("Reshape", [local, g.const([1, d, size // patch, patch, size // patch, patch])])
    t = g.op("Reshape", [g.op("Transpose", [t], perm=[0, 3, 5, 2, 4, 1]), g.const([1, patch * patch, n, d])])
    for _ in range(2):
        t = g.block(t, [patch * patch], n, d, heads, 2 * d)
    t = g.layernorm(t, d)
    t = g.op("Reshape", [t, g.const([1, patch, patch, size // patch, size // patch, d])])
    t = g.op("Reshape", [g.op("Transpose", [t], perm=[0, 5, 3, 1, 4, 2]), g.const([1, d, size, size])])
    f = g.op("Conv", [t, g.w(c, d, 1, 1), g.w(c)])
    x = g.op("Conv", [g.op("Concat", [x, f], axis=1), g.w(c, 2 * c, 3, 3), g.w(c)], pads=[1, 1, 1, 1])
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    return g.model([1, 3, 2 * size, 2 * size], g.op("Gemm", [x, g.w(c, 10), g.w(10)]), "mobilevit_like")


def brute_force(model) -> tuple[int, int]:
    """MACs from ONNX's own inferred shapes (Conv, MatMul, Gemm) and parameters as the float initializers
    with more than one value, the position embedding aside (an Add of a constant costs no parameters)."""
    m = onnx.shape_inference.infer_shapes(model)
    dims = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)}
    dims.update({t.name: list(t.dims) for t in m.graph.initializer})
    macs = 0
    for node in m.graph.node:
        out = dims[node.output[0]]
        if node.op_type == "Conv":
            w = dims[node.input[1]]
            macs += math.prod(out) * math.prod(w[1:])
        elif node.op_type in ("MatMul", "Gemm"):
            macs += math.prod(out) * dims[node.input[0]][-1]
    params = sum(math.prod(t.dims) for t in m.graph.initializer
                 if t.data_type == TensorProto.FLOAT and math.prod(t.dims) > 1 and t.name != "pos_embed")
    return macs, params


@pytest.fixture(scope="module")
def vit():
    return vit_tiny()


def test_vit_tiny_macs_and_params(vit):
    wl = workload_from_onnx(vit)
    macs, params = brute_force(vit)
    assert wl.macs == macs and wl.params == params
    # hand count: patch embedding, 12 x (q, k, v, scores, context, projection, MLP), head
    t, d = 197, 192
    block = 3 * t * d * d + 2 * 3 * t * t * 64 + t * d * d + 2 * t * d * 768
    assert wl.macs == 196 * d * 3 * 16 * 16 + 12 * block + d * 1000
    assert wl.macs == pytest.approx(1.26e9, rel=0.01)                    # published: 1.26 GMACs (timm, fvcore)
    assert params + 197 * d == 5_717_416                                  # published: 5.72 M (timm), pos_embed included
    ops = {i.op for i in wl}
    assert {"linear", "matmul", "norm", "softmax", "const", "shaped"} <= ops
    assert sum(i.op == "matmul" for i in wl) == 24 and sum(i.op == "norm" for i in wl) == 25


def test_mobilevit_like_macs_and_params():
    m = mobilevit_like()
    wl = workload_from_onnx(m)
    macs, params = brute_force(m)
    assert wl.macs == macs and wl.params == params
    mm = [i for i in wl if i.op == "matmul"]
    assert len(mm) == 4 and all(i.layer.batch == 4 * 4 and i.layer.m == i.layer.n == 256 for i in mm[::2])
    assert wl.infos[-1].out_shape == (10, 1, 1)


def test_transformer_layers_are_priced_on_every_unit_kind(vit):
    from accelsim.api import simulate
    wl = workload_from_onnx(vit)
    for unit in ("cpu", "gpu", "dsp"):
        r = simulate("snapdragon855", wl, unit=unit)
        by_op = {}
        for lr in r.layers:
            by_op.setdefault(lr.op, []).append(lr)
        assert all(lr.compute_cycles > 0 for op in ("linear", "matmul", "norm", "softmax") for lr in by_op[op]), unit
    r = simulate("generic_npu", wl)
    mm = [lr for lr in r.layers if lr.op in ("matmul", "linear")]
    assert mm and all(lr.compute_cycles > 0 for lr in mm)


def test_vit_runs_end_to_end_from_the_cli(vit, tmp_path, capsys):
    from accelsim.cli import main
    path = tmp_path / "vit.onnx"
    onnx.save(vit, str(path))
    assert main(["run", "--workload", str(path), "--profile", "snapdragon855", "--unit", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "latency" in out and "1.25G" in out


def test_lrn_and_decomposed_layernorm():
    g = Graph()
    x = g.op("LRN", ["x"], size=5, alpha=1e-4, beta=0.75)
    mean = g.op("ReduceMean", [x], axes=[-1], keepdims=1)
    y = g.op("Sub", [x, mean])
    m = g.model([1, 8, 6, 6], y, "lrn")
    wl = workload_from_onnx(m)
    assert [i.op for i in wl] == ["lrn", "reduce", "eltwise"]
    assert wl["lrn_1"].elem_ops == (5 + 5) * 8 * 6 * 6
    assert wl["reducemean_2"].out_shape == (8, 6, 1) and wl["reducemean_2"].elem_ops == 8 * 6 * 6


def test_sweep_evaluator_agrees_exactly_on_the_new_layers():
    """The vectorized sweep evaluator prices linear, matmul, norm and deconv layers as simulate does."""
    from pathlib import Path

    from accelsim.workload import load_workload
    from tests.dse.test_batch import _check, _variants
    profiles = _variants(3, 4)
    _check(workload_from_onnx(vit_tiny(depth=2)), profiles)
    _check(load_workload(Path(__file__).resolve().parents[2] / "workloads" / "ncnn" / "mobilenet_yolo.param"),
           profiles, precision="int8")
