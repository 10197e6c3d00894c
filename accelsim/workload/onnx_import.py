"""Import an ONNX model as a :class:`Workload` (``load_workload("net.onnx")``).

Only shapes matter: tensor shapes come from ONNX shape inference, so models
whose weights are missing (declared as graph inputs) or stored externally
import unchanged. Tensors map to accelsim's C x H x W view by dropping the
batch dimension (N x C x H x W -> C x H x W, N x C x L -> C x L x 1, N x F ->
F x 1 x 1).

Mapping (one node -> at most one layer):

* Conv (groups, dilations, pads, auto_pad) -> ``conv``; Gemm / MatMul with a
  2-D weight -> ``fc``.
* BatchNormalization folds into the convolution or FC layer it follows
  (when that layer feeds only the batch norm); elsewhere it is a per-channel
  ``act`` of kind ``affine``. Activations (Relu, Clip, LeakyRelu, Sigmoid,
  HardSwish, ...) fuse into the convolution, FC, add, element-wise or
  pooling layer they follow when it feeds only them, as accelerators (and
  TFLite's fused activations) apply them on the way out
  (``fuse_activations=False`` keeps them as layers); Add/Mul with a constant
  fold into a convolution or FC in the same way (a bias or a scale).
* Add/Sum -> ``add``; Sub/Mul/Div/Max/Min/Pow/Mean -> ``eltwise``; Concat on
  channels -> ``concat``; Max/AveragePool, GlobalAverage/MaxPool and ReduceMean/
  ReduceMax over H and W -> ``pool``; Resize/Upsample -> ``upsample``; Pad ->
  ``pad``; Softmax -> ``softmax``; Slice/Split on channels -> ``slice``.
* Transformers: MatMul of a rank-3/4 activation by a 2-D weight -> ``linear`` (token-wise);
  MatMul of two activations (batched, rank 2-5) -> ``matmul``; LayerNormalization -> ``norm``;
  LRN -> ``lrn``; Gather, and Slice/Split/Concat off the channel axis -> ``shaped`` (a copy);
  Concat with a constant operand (a class token) -> that constant as a ``const`` layer;
  reductions off H and W -> ``reduce``.
* Flatten/Reshape/Squeeze/Unsqueeze/Identity/Dropout are free views: dropped
  when they leave the C x H x W view unchanged or feed only FC layers,
  otherwise a ``reshape`` view. Transpose is a copying ``reshape`` (merged
  with a Reshape right after it), and Reshape-Transpose-Reshape over a
  grouped channel axis is a ``shuffle``.
* Nodes that only compute on constants or shapes (Shape, Gather on shapes,
  Constant, ...) are skipped. Nodes of the ``ai.accelsim`` domain (written by
  :mod:`accelsim.workload.onnx_export`) become the layer named by their op.
* Any other op is an error naming the node and op type, unless
  ``unknown_ops="zero_cost"``: then it is a ``zero_cost`` layer with the
  node's output shape.

Real weights: where a Conv / Gemm / MatMul has its weight (and bias) as
initializers with data, ``workload.weights[layer_name]`` holds them as NumPy
arrays ``{"weight": ..., "bias": ...}`` with any folded batch norm applied
(``w * gamma / sqrt(var + eps)``, ``(b - mean) * gamma / sqrt(var + eps) + beta``).
Layers without data have no entry.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from accelsim.errors import AccelsimError
from accelsim.workload.graph import Workload
from accelsim.workload.layers import Add, Concat, Conv2d, Dense, Layer, Pool2d, Shape
from accelsim.workload.layers_elementwise import Activation, Eltwise, Softmax
from accelsim.workload.layers_gemm import Linear, MatMul
from accelsim.workload.layers_movement import ChannelShuffle, ChannelSlice, Pad, Reshape, Upsample, ZeroCost
from accelsim.workload.layers_norm import LRN, Norm
from accelsim.workload.layers_shape import Const, Reduce, Shaped
from accelsim.workload.onnx_export import ACCELSIM_DOMAIN

UNKNOWN_OPS = ("error", "zero_cost")
ACTIVATION_KINDS = {"Relu": "relu", "Clip": "clip", "LeakyRelu": "leaky_relu", "Sigmoid": "sigmoid",
                    "HardSwish": "hardswish", "HardSigmoid": "hardsigmoid", "Tanh": "tanh", "Elu": "elu",
                    "Selu": "selu", "Softplus": "softplus", "PRelu": "prelu", "Gelu": "gelu", "Erf": "erf",
                    "Exp": "exp", "Log": "log", "Sqrt": "sqrt", "Abs": "abs", "Neg": "neg", "Reciprocal": "reciprocal",
                    "Floor": "floor", "Ceil": "ceil", "Round": "round", "Sign": "sign", "Not": "not", "Mish": "swish"}
BINARY_KINDS = {"Sub": "sub", "Mul": "mul", "Div": "div", "Max": "max", "Min": "min", "Pow": "pow", "Mean": "mean"}
VIEW_OPS = {"Flatten", "Reshape", "Squeeze", "Unsqueeze"}
FREE_OPS = {"Identity", "Dropout", "Cast"}
SHAPE_OPS = {"Shape", "Size"}
MAC_LAYERS = (Conv2d, Dense, Linear)                          # batch norms and constant scales fold into these
FUSE_INTO = (Conv2d, Dense, Linear, Add, Eltwise, Pool2d)     # activations fuse into these (as TFLite does)


def _chw(dims: list[int]) -> Shape:
    """ONNX dims (batch first) -> accelsim's (C, H, W) view."""
    d = list(dims)
    if len(d) == 0:
        return (1, 1, 1)
    if len(d) == 1:
        return (d[0], 1, 1)
    rest = d[1:]
    if len(rest) == 1:
        return (rest[0], 1, 1)
    if len(rest) == 2:
        return (rest[0], rest[1], 1)
    return (math.prod(rest[:-2]), rest[-2], rest[-1])


def _attrs(node) -> dict:
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _spatial(values, rank: int, fill: int) -> list[int]:
    """Per-spatial-axis values padded to 2 axes (a 1-D op works on H with W = 1)."""
    v = [int(x) for x in values] if values is not None else [fill] * rank
    return (v + [fill] * 2)[:2]


class _Importer:
    def __init__(self, model, where: str, unknown_ops: str, fuse_activations: bool):
        from onnx import numpy_helper
        self.np_helper = numpy_helper
        self.where = where
        self.unknown_ops = unknown_ops
        self.fuse = fuse_activations
        g = model.graph
        self.graph = g
        self.initializers = {t.name: t for t in g.initializer}
        self.dims: dict[str, list[int] | None] = {}
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            self.dims[vi.name] = self._vi_dims(vi)
        for t in g.initializer:
            self.dims[t.name] = list(t.dims)
        self.consumers: dict[str, list] = {}
        for node in g.node:
            for i in node.input:
                if i:
                    self.consumers.setdefault(i, []).append(node)
        self.graph_outputs = {o.name for o in g.output}
        self.constants: dict[str, np.ndarray] = {}
        self.alias: dict[str, str] = {}        # ONNX tensor -> accelsim layer / input name
        self.layers: list[Layer] = []
        self.by_name: dict[str, Layer] = {}
        self.expected: dict[str, Shape] = {}   # layer -> ONNX-inferred view, checked at the end
        self.weights: dict[str, dict] = {}
        self.skip: set[str] = set()            # nodes consumed by a pattern
        self.names: set[str] = set()
        self.inputs = self._data_inputs()

    # ---- tensors -------------------------------------------------------------------------------
    def _vi_dims(self, vi) -> list[int] | None:
        t = vi.type.tensor_type
        if not t.HasField("shape"):
            return None
        dims = []
        for d in t.shape.dim:
            dims.append(d.dim_value if d.HasField("dim_value") else None)
        return dims  # may contain None for symbolic dims

    def known_dims(self, name: str, node=None) -> list[int]:
        dims = self.dims.get(name)
        if dims is None or any(d is None for d in dims[1:]):
            who = f"node {node.name or node.output[0]!r} ({node.op_type})" if node is not None else "tensor"
            raise AccelsimError(f"{self.where}: {who}: shape of {name!r} is unknown after ONNX shape inference "
                                f"(got {dims}); export the model with fixed input sizes")
        return [1 if d is None else d for d in dims]

    def view(self, name: str, node=None) -> Shape:
        return _chw(self.known_dims(name, node))

    def const(self, name: str) -> np.ndarray | None:
        if name in self.constants:
            return self.constants[name]
        t = self.initializers.get(name)
        if t is None or t.data_location == 1 or not (t.raw_data or t.float_data or t.int64_data or t.int32_data
                                                      or t.double_data):
            return None  # missing or external: shape only
        return self.np_helper.to_array(t)

    def is_activation(self, name: str) -> bool:
        return bool(name) and name in self.alias

    def _data_inputs(self) -> dict[str, Shape]:
        """Graph inputs that are data, not weights: read at position 0 of some node or by a data op."""
        weight_pos = {"Conv": {1, 2}, "Gemm": {1, 2}, "MatMul": {1}, "BatchNormalization": {1, 2, 3, 4},
                      "Clip": {1, 2}, "Resize": {1, 2, 3}, "Upsample": {1}, "Reshape": {1}, "Pad": {1, 2, 3},
                      "Slice": {1, 2, 3, 4}, "Split": {1}, "Squeeze": {1}, "Unsqueeze": {1}, "PRelu": {1},
                      "ReduceMean": {1}, "ReduceMax": {1}, "LayerNormalization": {1, 2}}
        data: dict[str, Shape] = {}
        for vi in self.graph.input:
            if vi.name in self.initializers:
                continue
            uses = [(n, list(n.input).index(vi.name)) for n in self.consumers.get(vi.name, [])]
            if uses and all(pos in weight_pos.get(n.op_type, set()) for n, pos in uses):
                continue
            dims = self.dims.get(vi.name)
            if dims is None or any(d is None for d in dims[1:]):
                raise AccelsimError(f"{self.where}: input {vi.name!r}: shape {dims} is not fixed; "
                                    "export the model with a fixed input size")
            name = self.unique(vi.name)
            data[name] = _chw([1 if d is None else d for d in dims])
            self.alias[vi.name] = name
        if not data:
            raise AccelsimError(f"{self.where}: the graph has no data input (every input is a weight)")
        return data

    # ---- layers --------------------------------------------------------------------------------
    def unique(self, name: str) -> str:
        base, i = name or "layer", 1
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    def emit(self, node, layer_cls, output: str | None = None, name: str | None = None, **fields) -> Layer:
        output = output or node.output[0]
        lname = self.unique(name or node.name or output)
        srcs = fields.pop("inputs", None)
        if srcs is None:
            srcs = tuple(self.alias[i] for i in node.input if self.is_activation(i))
        try:
            layer = layer_cls(name=lname, inputs=tuple(srcs), **fields)
        except (TypeError, ValueError) as err:
            raise AccelsimError(f"{self.where}: node {node.name or output!r} ({node.op_type}): {err}") from None
        self.layers.append(layer)
        self.by_name[lname] = layer
        self.alias[output] = lname
        if self.dims.get(output) is not None and all(d is not None for d in self.dims[output][1:]):
            self.expected[lname] = self.view(output)
        return layer

    def sole_consumer(self, tensor: str):
        users = self.consumers.get(tensor, [])
        return users[0] if len(users) == 1 and tensor not in self.graph_outputs else None

    def fusable_producer(self, node, kinds=MAC_LAYERS) -> Layer | None:
        """The layer (one of ``kinds``) that ``node``'s activation input comes from, if only ``node`` reads it."""
        acts = [i for i in node.input if self.is_activation(i)]
        if len(acts) != 1 or self.sole_consumer(acts[0]) is not node:
            return None
        layer = self.by_name.get(self.alias[acts[0]])
        return layer if isinstance(layer, kinds) else None

    def replace_layer(self, old: Layer, new: Layer) -> None:
        self.layers[self.layers.index(old)] = new
        self.by_name[new.name] = new

    def fail(self, node, what: str) -> None:
        raise AccelsimError(f"{self.where}: node {node.name or node.output[0]!r} (op type {node.op_type}): {what}")

    # ---- ops -----------------------------------------------------------------------------------
    def run(self) -> None:
        for node in self.graph.node:
            if node.name and node.name in self.skip or (not node.name and node.output[0] in self.skip):
                continue
            acts = [i for i in node.input if self.is_activation(i)]
            if node.op_type == "Constant":
                a = _attrs(node)
                if "value" in a:
                    self.constants[node.output[0]] = self.np_helper.to_array(a["value"])
                continue
            if not acts or node.op_type in SHAPE_OPS:
                continue   # computes on constants or shapes only
            if node.domain == ACCELSIM_DOMAIN:
                self.custom(node)
                continue
            handler = getattr(self, f"op_{node.op_type}", None)
            if node.domain not in ("", "ai.onnx") or handler is None:
                self.unknown(node)
                continue
            handler(node, acts)

    def unknown(self, node) -> None:
        if self.unknown_ops != "zero_cost":
            self.fail(node, "not supported by accelsim's ONNX import; pass unknown_ops='zero_cost' "
                            "(CLI: --onnx-unknown-ops zero-cost) to cost it as nothing")
        shape = None
        if self.dims.get(node.output[0]) is not None and all(d is not None for d in self.dims[node.output[0]][1:]):
            shape = self.view(node.output[0])
        layer = self.emit(node, ZeroCost, source_op=node.op_type, shape=shape)
        for extra in node.output[1:]:
            self.alias[extra] = layer.name

    def custom(self, node) -> None:
        from accelsim.workload.yaml_workload import _build_layer
        spec = {"op": node.op_type, "name": self.unique(node.name or node.output[0]),
                "inputs": [self.alias[i] for i in node.input if self.is_activation(i)]}
        for k, v in _attrs(node).items():
            spec[k] = v.decode() if isinstance(v, bytes) else v
        layer = _build_layer(f"{self.where}: node {node.name!r}", 0, spec)
        self.layers.append(layer)
        self.by_name[layer.name] = layer
        self.alias[node.output[0]] = layer.name
        if self.dims.get(node.output[0]) is not None:
            self.expected[layer.name] = self.view(node.output[0])

    def op_Conv(self, node, acts) -> None:
        a = _attrs(node)
        in_dims = self.known_dims(node.input[0], node)
        if len(in_dims) not in (3, 4):
            self.fail(node, f"only 1-D and 2-D convolutions are supported, input has shape {in_dims}")
        rank = len(in_dims) - 2
        w_dims = self.dims.get(node.input[1])
        out_dims = self.known_dims(node.output[0], node)
        kernel = _spatial(a.get("kernel_shape") or (w_dims[2:] if w_dims else None), rank, 1)
        if not a.get("kernel_shape") and not w_dims:
            self.fail(node, "kernel size unknown: no kernel_shape attribute and no weight shape")
        strides = _spatial(a.get("strides"), rank, 1)
        dil = _spatial(a.get("dilations"), rank, 1)
        pads = self._pads(node, a, in_dims, kernel, strides, dil, rank)
        bias = len(node.input) > 2 and bool(node.input[2])
        layer = self.emit(node, Conv2d, out_channels=out_dims[1], kernel=tuple(kernel), stride=tuple(strides),
                          padding=pads, dilation=tuple(dil), groups=int(a.get("group", 1)), bias=bias,
                          inputs=(self.alias[node.input[0]],))
        self._keep_weights(layer.name, node.input[1], node.input[2] if bias else None)

    def _pads(self, node, a, in_dims, kernel, strides, dil, rank) -> tuple[int, int, int, int]:
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = []
            for size, k, s, d in zip(_spatial(in_dims[2:], rank, 1), kernel, strides, dil):
                total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
                small = total // 2
                pads.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
            (t, b), (left, r) = pads
            return (t, left, b, r)
        if auto == "VALID":
            return (0, 0, 0, 0)
        p = [int(x) for x in a.get("pads", [0] * 2 * rank)]
        begin, end = _spatial(p[:rank], rank, 0), _spatial(p[rank:], rank, 0)
        return (begin[0], begin[1], end[0], end[1])

    def _keep_weights(self, lname: str, w_name: str, b_name: str | None, transpose: bool = False) -> None:
        w = self.const(w_name)
        if w is None:
            return
        entry = {"weight": w.T if transpose else w}
        b = self.const(b_name) if b_name else None
        if b is not None:
            entry["bias"] = b
        self.weights[lname] = entry

    def op_Gemm(self, node, acts) -> None:
        a = _attrs(node)
        if node.input[0] not in acts or self.is_activation(node.input[1]):
            self.fail(node, "only activation x weight products are supported (input B must be a weight)")
        out = self.known_dims(node.output[0], node)[-1]
        bias = len(node.input) > 2 and bool(node.input[2])
        layer = self.emit(node, Dense, out_features=out, bias=bias, inputs=(self.alias[node.input[0]],))
        self._keep_weights(layer.name, node.input[1], node.input[2] if bias else None,
                           transpose=not a.get("transB", 0))

    def op_MatMul(self, node, acts) -> None:
        if len(acts) == 2:
            self._matmul(node)
            return
        w = self.dims.get(node.input[1])
        if node.input[0] not in acts or self.is_activation(node.input[1]) or w is None or len(w) != 2:
            self.fail(node, "only activation x 2-D weight and activation x activation products are supported")
        rank = len(self.known_dims(node.input[0], node))
        if rank == 2:
            layer = self.emit(node, Dense, out_features=w[1], bias=False, inputs=(self.alias[node.input[0]],))
        else:   # token-wise: the last ONNX axis is view axis 1 (rank 3) or 2 (rank 4+)
            layer = self.emit(node, Linear, out_features=w[1], axis=1 if rank == 3 else 2, bias=False,
                              inputs=(self.alias[node.input[0]],))
        self._keep_weights(layer.name, node.input[1], None, transpose=True)

    def _matmul(self, node) -> None:
        """Batched product of two activations: (..., M, K) @ (..., K, N)."""
        a, b = self.known_dims(node.input[0], node), self.known_dims(node.input[1], node)
        if len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
            self.fail(node, f"cannot multiply shapes {a} and {b}")
        out = self.known_dims(node.output[0], node)
        self.emit(node, MatMul, batch=math.prod(out[:-2]), m=a[-2], k=a[-1], n=b[-1], shape=self.view(node.output[0]),
                  inputs=(self.alias[node.input[0]], self.alias[node.input[1]]))

    def op_LayerNormalization(self, node, acts) -> None:
        scale = self.dims.get(node.input[1]) if len(node.input) > 1 else None
        self.emit(node, Norm, kind="layer", affine_size=math.prod(scale) if scale else 0,
                  inputs=(self.alias[node.input[0]],))

    def op_LRN(self, node, acts) -> None:
        self.emit(node, LRN, size=int(_attrs(node).get("size", 5)), inputs=(self.alias[acts[0]],))

    def _shaped(self, node, acts, output: str | None = None, name: str | None = None) -> None:
        output = output or node.output[0]
        self.emit(node, Shaped, output=output, name=name, shape=self.view(output, node), source_op=node.op_type,
                  inputs=tuple(self.alias[i] for i in acts))

    def op_Gather(self, node, acts) -> None:
        self._shaped(node, acts)

    def op_BatchNormalization(self, node, acts) -> None:
        layer = self.fusable_producer(node)
        if layer is None:
            self.emit(node, Activation, kind="affine", inputs=(self.alias[acts[0]],))
            return
        self.alias[node.output[0]] = layer.name
        entry = self.weights.get(layer.name)
        gamma, beta, mean, var = (self.const(node.input[i]) for i in range(1, 5))
        if entry is not None and all(x is not None for x in (gamma, beta, mean, var)):
            eps = float(_attrs(node).get("epsilon", 1e-5))
            scale = gamma / np.sqrt(var + eps)
            w = entry["weight"]
            w = w * scale.reshape((-1,) + (1,) * (w.ndim - 1)) if isinstance(layer, Conv2d) else w * scale
            b = entry.get("bias", np.zeros_like(mean))
            self.weights[layer.name] = {"weight": w, "bias": (b - mean) * scale + beta}
        elif entry is not None:
            del self.weights[layer.name]   # the folded values are unknown

    def _activation(self, node, acts, kind: str) -> None:
        if self.fuse and self.fusable_producer(node, FUSE_INTO) is not None:
            self.alias[node.output[0]] = self.alias[acts[0]]
            return
        self.emit(node, Activation, kind=kind, inputs=(self.alias[acts[0]],))

    def _binary(self, node, acts, kind: str) -> None:
        if len(acts) >= 2:
            shapes = [self.view(i, node) for i in acts]
            if kind == "add" and all(s == shapes[0] for s in shapes):
                self.emit(node, Add)
            else:
                self.emit(node, Eltwise, kind=kind)
            return
        layer = self.fusable_producer(node)
        if layer is not None and kind in ("add", "sub", "mul", "div"):
            self.alias[node.output[0]] = layer.name      # a bias add or a scale: folds into the layer
            if kind in ("add", "sub") and not layer.bias:
                self.replace_layer(layer, replace(layer, bias=True))
            return
        self.emit(node, Activation, kind="const_op", inputs=(self.alias[acts[0]],))

    def op_Add(self, node, acts) -> None:
        self._binary(node, acts, "add")

    def op_Sum(self, node, acts) -> None:
        self._binary(node, acts, "add")

    def op_Concat(self, node, acts) -> None:
        rank = len(self.known_dims(node.output[0], node))
        axis = int(_attrs(node).get("axis", 1))
        consts = [i for i in node.input if i and i not in acts and self.dims.get(i)]
        if len(acts) == 1 and not consts:
            self.alias[node.output[0]] = self.alias[acts[0]]
            return
        srcs = []
        for i in node.input:     # a constant operand (a class token) is a const layer in the graph
            if i in acts:
                srcs.append(self.alias[i])
            elif i in consts:
                srcs.append(self.emit(node, Const, output=f"{i}::const", name=i, shape=_chw(self.dims[i]),
                                      inputs=(next(iter(self.inputs)),)).name)
        if axis % rank == 1 and len(srcs) > 1 and \
                all(self.view(i)[1:] == self.view(node.output[0])[1:] for i in node.input if i in acts):
            self.emit(node, Concat, inputs=tuple(srcs))
        else:
            self.emit(node, Shaped, shape=self.view(node.output[0], node), source_op="Concat", inputs=tuple(srcs))

    def _pool(self, node, acts, kind: str) -> None:
        a = _attrs(node)
        in_dims = self.known_dims(node.input[0], node)
        rank = len(in_dims) - 2
        if any(int(d) != 1 for d in a.get("dilations", [])):
            self.fail(node, "dilated pooling is not supported")
        kernel = _spatial(a["kernel_shape"], rank, 1)
        strides = _spatial(a.get("strides"), rank, 1)
        pads = self._pads(node, a, in_dims, kernel, strides, [1, 1], rank)
        self.emit(node, Pool2d, kind=kind, kernel=tuple(kernel), stride=tuple(strides), padding=pads,
                  ceil_mode=bool(a.get("ceil_mode", 0)), inputs=(self.alias[acts[0]],))

    def op_MaxPool(self, node, acts) -> None:
        self._pool(node, acts, "max")

    def op_AveragePool(self, node, acts) -> None:
        self._pool(node, acts, "avg")

    def op_GlobalAveragePool(self, node, acts) -> None:
        self.emit(node, Pool2d, kind="avg", global_pool=True, inputs=(self.alias[acts[0]],))

    def op_GlobalMaxPool(self, node, acts) -> None:
        self.emit(node, Pool2d, kind="max", global_pool=True, inputs=(self.alias[acts[0]],))

    def _reduce(self, node, acts, kind: str) -> None:
        rank = len(self.known_dims(node.input[0], node))
        axes = _attrs(node).get("axes")
        if axes is None and len(node.input) > 1:
            c = self.const(node.input[1])
            axes = None if c is None else c.tolist()
        if axes is None or rank != 4 or sorted(x % rank for x in axes) != [2, 3]:
            self.emit(node, Reduce, shape=self.view(node.output[0], node), kind="mean" if kind == "avg" else kind,
                      inputs=(self.alias[acts[0]],))
            return
        self.emit(node, Pool2d, kind=kind, global_pool=True, inputs=(self.alias[acts[0]],))

    def op_ReduceMean(self, node, acts) -> None:
        self._reduce(node, acts, "avg")

    def op_ReduceMax(self, node, acts) -> None:
        self._reduce(node, acts, "max")

    def _view(self, node, acts) -> None:
        src = acts[0]
        out = node.output[0]
        if self._shuffle(node, src):
            return
        users = self.consumers.get(out, [])
        only_fc = users and out not in self.graph_outputs and all(u.op_type in ("Gemm", "MatMul") for u in users)
        if only_fc or self.view(out, node) == self.view(src, node):
            self.alias[out] = self.alias[src]
            return
        self.emit(node, Reshape, shape=self.view(out, node), copy=False, inputs=(self.alias[src],))

    def _shuffle(self, node, src) -> bool:
        """Reshape(N, g, C/g, H, W) -> Transpose(0, 2, 1, 3, 4) -> Reshape(N, C, H, W) is a channel shuffle."""
        if node.op_type != "Reshape":
            return False
        out_dims = self.dims.get(node.output[0]) or []
        t = self.sole_consumer(node.output[0])
        if len(out_dims) != 5 or t is None or t.op_type != "Transpose" or \
                list(_attrs(t).get("perm", [])) != [0, 2, 1, 3, 4]:
            return False
        r = self.sole_consumer(t.output[0])
        if r is None or r.op_type not in VIEW_OPS or self.dims.get(r.output[0]) != self.dims.get(src):
            return False
        self.skip.update({t.name or t.output[0], r.name or r.output[0]})
        self.emit(r, ChannelShuffle, groups=int(out_dims[1]), inputs=(self.alias[src],))
        return True

    def op_Transpose(self, node, acts) -> None:
        nxt = self.sole_consumer(node.output[0])
        target = node
        if nxt is not None and nxt.op_type in VIEW_OPS:
            self.skip.add(nxt.name or nxt.output[0])
            target = nxt
        self.emit(target, Reshape, shape=self.view(target.output[0], node), copy=True,
                  inputs=(self.alias[acts[0]],))

    def op_Resize(self, node, acts) -> None:
        mode = _attrs(node).get("mode", b"nearest")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        c, h, w = self.view(acts[0], node)
        oc, oh, ow = self.view(node.output[0], node)
        if oh % h == 0 and ow % w == 0:
            kw = {"scale": (oh // h, ow // w), "size": None}
        else:
            kw = {"scale": None, "size": (oh, ow)}
        self.emit(node, Upsample, mode="nearest" if mode == "nearest" else "bilinear", inputs=(self.alias[acts[0]],),
                  **kw)

    op_Upsample = op_Resize

    def op_Pad(self, node, acts) -> None:
        in_dims, out_dims = self.known_dims(acts[0], node), self.known_dims(node.output[0], node)
        if len(in_dims) != 4 or in_dims[:2] != out_dims[:2]:
            self.fail(node, f"only spatial padding of N x C x H x W tensors is supported ({in_dims} -> {out_dims})")
        pads = _attrs(node).get("pads")
        if pads is None and len(node.input) > 1:
            c = self.const(node.input[1])
            pads = None if c is None else c.tolist()
        dh, dw = out_dims[2] - in_dims[2], out_dims[3] - in_dims[3]
        t, left = (pads[2], pads[3]) if pads is not None else (dh // 2, dw // 2)
        self.emit(node, Pad, padding=(t, left, dh - t, dw - left), inputs=(self.alias[acts[0]],))

    def op_Softmax(self, node, acts) -> None:
        self.emit(node, Softmax, inputs=(self.alias[acts[0]],))

    op_LogSoftmax = op_Softmax

    def _channel_range(self, node, start: int, stop: int, output: str, name: str | None = None) -> None:
        self.emit(node, ChannelSlice, output=output, name=name, start=start, stop=stop,
                  inputs=(self.alias[node.input[0]],))

    def op_Slice(self, node, acts) -> None:
        in_dims, out_dims = self.known_dims(acts[0], node), self.known_dims(node.output[0], node)
        changed = [i for i, (a, b) in enumerate(zip(in_dims, out_dims)) if a != b]
        if changed and changed != [1]:
            self._shaped(node, acts)      # a slice off the channel axis: a copy
            return
        starts = self.const(node.input[1]) if len(node.input) > 1 else None
        start = 0
        if starts is not None and starts.size == 1:
            start = int(starts.reshape(-1)[0])
            start = max(0, start + in_dims[1] if start < 0 else min(start, in_dims[1]))
        self._channel_range(node, start, start + out_dims[1], node.output[0])

    def op_Split(self, node, acts) -> None:
        in_dims = self.known_dims(acts[0], node)
        axis = int(_attrs(node).get("axis", 0)) % len(in_dims)
        if axis != 1:             # off the channel axis: each part a copy
            base = node.name or node.output[0]
            for i, out in enumerate(node.output):
                self._shaped(node, acts, output=out, name=f"{base}_{i}")
            return
        start = 0
        base = node.name or node.output[0]
        for i, out in enumerate(node.output):
            size = self.known_dims(out, node)[1]
            self._channel_range(node, start, start + size, out, name=f"{base}_{i}" if len(node.output) > 1 else base)
            start += size

    def result(self, name: str, precision: str, description: str) -> Workload:
        try:
            wl = Workload(name, self.inputs, self.layers, precision=precision, description=description,
                          weights=self.weights)
        except AccelsimError as err:
            raise AccelsimError(f"{self.where}: {err}") from None
        for info in wl:
            want = self.expected.get(info.name)
            if want is not None and tuple(want) != info.out_shape:
                raise AccelsimError(f"{self.where}: layer {info.name!r} ({info.op}): accelsim infers output "
                                    f"{list(info.out_shape)} but ONNX shape inference says {list(want)}")
        return wl


for _op, _kind in ACTIVATION_KINDS.items():
    setattr(_Importer, f"op_{_op}", lambda self, node, acts, _k=_kind: self._activation(node, acts, _k))
for _op, _kind in BINARY_KINDS.items():
    setattr(_Importer, f"op_{_op}", lambda self, node, acts, _k=_kind: self._binary(node, acts, _k))
for _op in VIEW_OPS:
    setattr(_Importer, f"op_{_op}", _Importer._view)
for _op in FREE_OPS:
    setattr(_Importer, f"op_{_op}", lambda self, node, acts: self.alias.__setitem__(node.output[0],
                                                                                    self.alias[acts[0]]))


def _check_unknown_ops(value: str) -> str:
    v = str(value).replace("-", "_")
    if v not in UNKNOWN_OPS:
        raise AccelsimError(f"unknown_ops: got {value!r}; allowed: error, zero_cost")
    return v


def workload_from_onnx(model, *, where: str = "<onnx model>", name: str | None = None, unknown_ops: str = "error",
                       fuse_activations: bool = True) -> Workload:
    """A Workload from an in-memory ``onnx.ModelProto`` (see the module docstring)."""
    import onnx

    unknown_ops = _check_unknown_ops(unknown_ops)
    if not model.graph.node:
        raise AccelsimError(f"{where}: not an ONNX model with a graph (no nodes found)")
    supported = onnx.defs.onnx_opset_version()
    for op in model.opset_import:
        if op.domain in ("", "ai.onnx") and op.version > supported:
            raise AccelsimError(f"{where}: uses ONNX opset {op.version}; the installed onnx package supports up "
                                f"to {supported}")
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception as err:  # onnx raises several types (InferenceError, ValidationError, RuntimeError)
        msg = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise AccelsimError(f"{where}: ONNX shape inference failed: {msg}") from None
    imp = _Importer(inferred, where, unknown_ops, fuse_activations)
    imp.run()
    props = {p.key: p.value for p in model.metadata_props}
    precision = props.get("accelsim.precision", "int8")
    return imp.result(name or model.graph.name or "onnx_model", precision, props.get("accelsim.description", ""))


def load_onnx_workload(path: str | Path, *, unknown_ops: str = "error", fuse_activations: bool = True) -> Workload:
    """Read an ``.onnx`` file; external weight files are never opened (only shapes matter)."""
    import onnx
    from google.protobuf.message import DecodeError

    path = Path(path)
    unknown_ops = _check_unknown_ops(unknown_ops)
    if not path.is_file():
        raise AccelsimError(f"{path}: file not found")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, TypeError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise AccelsimError(f"{path}: not a readable ONNX model, truncated or not ONNX ({reason})") from None
    except OSError as err:
        raise AccelsimError(f"{path}: cannot read: {err.strerror}") from None
    return workload_from_onnx(model, where=str(path), name=path.stem if not model.graph.name else None,
                              unknown_ops=unknown_ops, fuse_activations=fuse_activations)
