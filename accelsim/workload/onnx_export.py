"""Write a :class:`Workload` as an ONNX graph (``onnx.helper``), for interchange and round trips.

Tensors are NCHW with batch 1. Weights are declared as graph inputs with
their shapes but carry no data (the workload has shapes, not values), so a
runtime needs them fed; ``accelsim`` itself imports such files unchanged.
Layers map to standard ONNX operators where one exists (Conv, Gemm, pooling,
Add, Concat, Resize, Pad, Softmax, activations; a channel shuffle is the usual
Reshape-Transpose-Reshape, a copying reshape a Transpose then a Reshape).
Layers with no ONNX equivalent (adaptive pooling, LSTM and ConvLSTM cells,
NMS, ...) become nodes of the ``ai.accelsim`` domain named after the layer's
``op``, with its fields as attributes; the importer reads them back. Every
tensor gets a ``value_info`` shape so those nodes keep their shapes too.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import AccelsimError
from accelsim.workload.graph import Workload
from accelsim.workload.layers import Add, Concat, Conv2d, Dense, Layer, Pool2d
from accelsim.workload.layers_elementwise import Activation, Eltwise, Softmax
from accelsim.workload.layers_movement import ChannelShuffle, ChannelSlice, Pad, Reshape, Upsample

ACCELSIM_DOMAIN = "ai.accelsim"
OPSET = 17
# activation kinds with a standard ONNX operator
ONNX_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "hardswish": "HardSwish",
                    "hardsigmoid": "HardSigmoid", "leaky_relu": "LeakyRelu", "elu": "Elu", "selu": "Selu",
                    "softplus": "Softplus", "abs": "Abs", "neg": "Neg", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
                    "reciprocal": "Reciprocal", "floor": "Floor", "ceil": "Ceil", "round": "Round", "sign": "Sign",
                    "erf": "Erf", "identity": "Identity"}
ONNX_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "max": "Max", "min": "Min", "pow": "Pow",
               "mean": "Mean"}


class _Emitter:
    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.weight_inputs: list[onnx.ValueInfoProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def weight(self, name: str, dims) -> str:
        self.weight_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims)))
        return name

    def const(self, name: str, values, dtype=np.int64) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(values, dtype=dtype), name))
        return name

    def node(self, op: str, inputs, outputs, name: str, domain: str = "", **attrs) -> None:
        self.nodes.append(helper.make_node(op, list(inputs), list(outputs), name=name, domain=domain or None,
                                           **attrs))


def _pads_onnx(p) -> list[int]:
    top, left, bottom, right = p
    return [top, left, bottom, right]


def _emit(e: _Emitter, layer: Layer, srcs: list[str], in_shapes, out_shape) -> None:
    n = layer.name
    x = srcs[0]
    if isinstance(layer, Conv2d):
        c = in_shapes[0][0]
        w = e.weight(f"{n}::weight", (layer.out_channels, c // layer.groups, *layer.kernel))
        ins = [x, w] + ([e.weight(f"{n}::bias", (layer.out_channels,))] if layer.bias else [])
        if layer.ceil_mode:
            raise AccelsimError(f"layer {n!r}: ONNX Conv has no ceil_mode; cannot export")
        e.node("Conv", ins, [n], n, kernel_shape=list(layer.kernel), strides=list(layer.stride),
               pads=_pads_onnx(layer.padding), dilations=list(layer.dilation), group=layer.groups)
    elif isinstance(layer, Dense):
        k = int(np.prod(in_shapes[0]))
        e.node("Flatten", [x], [f"{n}__flatten"], f"{n}__flatten", axis=1)
        ins = [f"{n}__flatten", e.weight(f"{n}::weight", (layer.out_features, k))]
        if layer.bias:
            ins.append(e.weight(f"{n}::bias", (layer.out_features,)))
        e.node("Gemm", ins, [f"{n}__2d"], n, transB=1)
        e.node("Reshape", [f"{n}__2d", e.const(f"{n}__shape", [1, layer.out_features, 1, 1])], [n], f"{n}__4d")
    elif isinstance(layer, Pool2d):
        if layer.global_pool:
            e.node("GlobalMaxPool" if layer.kind == "max" else "GlobalAveragePool", [x], [n], n)
        else:
            e.node("MaxPool" if layer.kind == "max" else "AveragePool", [x], [n], n, kernel_shape=list(layer.kernel),
                   strides=list(layer.stride), pads=_pads_onnx(layer.padding), ceil_mode=int(layer.ceil_mode))
    elif isinstance(layer, Add):
        e.node("Add" if len(srcs) == 2 else "Sum", srcs, [n], n)
    elif isinstance(layer, Eltwise):
        e.node(ONNX_BINARY[layer.kind], srcs, [n], n)
    elif isinstance(layer, Concat):
        e.node("Concat", srcs, [n], n, axis=1)
    elif isinstance(layer, Activation) and layer.kind in ONNX_ACTIVATIONS:
        e.node(ONNX_ACTIVATIONS[layer.kind], [x], [n], n)
    elif isinstance(layer, Activation) and layer.kind in ("clip", "relu6"):
        lo, hi = e.const(f"{n}__min", 0.0, np.float32), e.const(f"{n}__max", 6.0, np.float32)
        e.node("Clip", [x, lo, hi], [n], n)
    elif isinstance(layer, Softmax):
        e.node("Softmax", [x], [n], n, axis=1)
    elif isinstance(layer, ChannelSlice):
        e.node("Slice", [x, e.const(f"{n}__starts", [layer.start]), e.const(f"{n}__ends", [layer.stop]),
                         e.const(f"{n}__axes", [1])], [n], n)
    elif isinstance(layer, ChannelShuffle):
        c, h, w = in_shapes[0]
        g = layer.groups
        e.node("Reshape", [x, e.const(f"{n}__shape5", [1, g, c // g, h, w])], [f"{n}__grouped"], f"{n}__group")
        e.node("Transpose", [f"{n}__grouped"], [f"{n}__swapped"], f"{n}__transpose", perm=[0, 2, 1, 3, 4])
        e.node("Reshape", [f"{n}__swapped", e.const(f"{n}__shape4", [1, c, h, w])], [n], n)
    elif isinstance(layer, Reshape):
        shape = e.const(f"{n}__shape", [1, *out_shape])
        if layer.copy:
            e.node("Transpose", [x], [f"{n}__nhwc"], f"{n}__transpose", perm=[0, 2, 3, 1])
            e.node("Reshape", [f"{n}__nhwc", shape], [n], n)
        else:
            e.node("Reshape", [x, shape], [n], n)
    elif isinstance(layer, Upsample):
        sizes = e.const(f"{n}__sizes", [1, *out_shape])
        e.node("Resize", [x, "", "", sizes], [n], n, mode="nearest" if layer.mode == "nearest" else "linear")
    elif isinstance(layer, Pad):
        t, left, b, r = layer.padding
        e.node("Pad", [x, e.const(f"{n}__pads", [0, 0, t, left, 0, 0, b, r])], [n], n)
    else:
        attrs = {}
        for f in fields(layer):
            if f.name in ("name", "inputs"):
                continue
            v = getattr(layer, f.name)
            if v is None:
                continue
            attrs[f.name] = list(v) if isinstance(v, tuple) else v
        e.node(layer.op, srcs, [n], n, domain=ACCELSIM_DOMAIN, **attrs)


def workload_to_onnx(wl: Workload) -> onnx.ModelProto:
    """The ONNX model of ``wl`` (see the module docstring for the mapping)."""
    e = _Emitter()
    prev = next(iter(wl.inputs))
    consumed: set[str] = set()
    value_info = []
    for info in wl:
        srcs = list(info.layer.inputs or (prev,))
        consumed.update(srcs)
        _emit(e, info.layer, srcs, info.in_shapes, info.out_shape)
        value_info.append(helper.make_tensor_value_info(info.name, TensorProto.FLOAT, [1, *info.out_shape]))
        prev = info.name
    inputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, [1, *v]) for k, v in wl.inputs.items()]
    outputs = [vi for vi in value_info if vi.name not in consumed]
    graph = helper.make_graph(e.nodes, wl.name, inputs + e.weight_inputs, outputs, initializer=e.initializers,
                              value_info=[vi for vi in value_info if vi.name in consumed])
    model = helper.make_model(graph, producer_name="accelsim",
                              opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(ACCELSIM_DOMAIN, 1)])
    helper.set_model_props(model, {"accelsim.precision": wl.precision, "accelsim.description": wl.description})
    return model


def save_onnx(wl: Workload, path: str | Path) -> Path:
    """Write ``wl`` to ``path`` as ONNX."""
    path = Path(path)
    onnx.save(workload_to_onnx(wl), str(path))
    return path
