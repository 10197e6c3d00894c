"""Import an ncnn model definition (the text ``.param`` file) as a :class:`Workload`.

``load_workload("net.param")`` / ``--workload net.param``. Only the ``.param``
is read: shapes and parameters follow from it, the weights (``.bin``) are not
needed. Format (ncnn wiki, "param and model file structure")::

    7767517
    <layer count> <blob count>
    <type> <name> <n inputs> <n outputs> <input blobs...> <output blobs...> <key=value...>

A key ``k >= 0`` holds an int or a float; ``-233kk=n,v1,...,vn`` holds the
array of key ``kk``. The array ``-23330`` (written by ncnnoptimize) holds each
output blob's shape as ``dims, w, h, c``: accelsim infers every shape itself
and checks it against these hints where present (``use_hints=False`` or a new
``input_shape`` skips the check). Detection outputs are data-dependent and
never checked.

Views: an ncnn blob of ``dims`` axes, outermost first (c, h, w / h, w / w),
becomes accelsim's (C, H, W) padded with 1s: (w) -> (w, 1, 1), (w, h) ->
(h, w, 1), (w, h, c) -> (c, h, w). So ncnn axis ``a`` is view axis ``a``.

Numeric format: the workload is ``fp32`` as stored; Convolution,
ConvolutionDepthWise, InnerProduct (key 8) and Gemm (key 18) with a nonzero
``int8_scale_term`` are ``int8`` layers (ncnn's quantized models); such a layer
``quantize_input`` when its input blob is float (its producer is not an int8
convolution with ``int8_scale_term > 100``, which requantizes), and has a
``float_activation`` pass when it dequantizes (``<= 100``, or an InnerProduct)
with an activation (key 9), as ncnn's ``forward_int8_arm`` runs them. Fused
activations (key 9) cost nothing, as in the ONNX import.

Mapping: Convolution(DepthWise) -> ``conv``; Deconvolution(DepthWise) ->
``deconv``; InnerProduct -> ``fc`` (``linear`` on the rows of a 2-D blob);
Gemm / MatMul -> ``linear`` or ``matmul``; MultiHeadAttention -> ``attention``;
Pooling -> ``pool`` / ``adaptive_pool``; activations -> ``act``; BatchNorm,
LayerNorm, InstanceNorm, GroupNorm -> ``norm``; LRN -> ``lrn``; Softmax ->
``softmax``; Eltwise / BinaryOp -> ``add`` / ``eltwise`` (``act`` with a
scalar); Concat -> ``concat`` (``shaped`` off the channel axis); Slice / Crop
-> ``slice`` views (``shaped`` off the channel axis); Padding -> ``pad``
(``shaped`` with channel padding); Reshape / Flatten -> ``reshape`` views;
Permute -> a copying ``reshape``; ShuffleChannel -> ``shuffle``; Interp ->
``upsample``; Reduction -> ``pool`` over H and W, else ``reduce``;
MemoryData -> ``const``; PriorBox -> ``shaped`` (2 operations per value);
DetectionOutput, YoloDetectionOutput, Yolov3DetectionOutput -> ``nms``
(boxes gathered by views and a concat); Split, Noop, Dropout -> nothing.
An unknown type is an error naming file, line and type, unless
``unknown_ops="zero_cost"``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.workload.graph import Workload
from accelsim.workload.layers import Add, Concat, Conv2d, Dense, Layer, Pool2d, Shape
from accelsim.workload.layers_deconv import Deconv2d
from accelsim.workload.layers_detection import NonMaxSuppression
from accelsim.workload.layers_elementwise import Activation, Eltwise, Softmax
from accelsim.workload.layers_gemm import Attention, Linear, MatMul
from accelsim.workload.layers_movement import ChannelShuffle, ChannelSlice, Pad, Reshape, Upsample, ZeroCost
from accelsim.workload.layers_norm import LRN, Norm
from accelsim.workload.layers_pool import AdaptivePool2d
from accelsim.workload.layers_shape import Const, Reduce, Shaped

MAGIC = 7767517
UNKNOWN_OPS = ("error", "zero_cost")
# Inputs that declare no size: the size ncnn's benchncnn feeds them (benchmark/benchncnn.cpp)
BENCHNCNN_INPUTS: dict[str, Shape] = {"FastestDet": (3, 352, 352)}
ACTIVATIONS = {"Sigmoid": "sigmoid", "Swish": "swish", "HardSwish": "hardswish", "HardSigmoid": "hardsigmoid",
               "GELU": "gelu", "TanH": "tanh", "Mish": "swish", "ELU": "elu", "SELU": "selu", "Clip": "clip",
               "PReLU": "prelu", "AbsVal": "abs", "Exp": "exp", "Log": "log", "Power": "affine", "Erf": "erf",
               "Softplus": "softplus"}
UNARY = {0: "abs", 1: "neg", 2: "floor", 3: "ceil", 5: "sqrt", 7: "exp", 8: "log", 15: "reciprocal", 16: "tanh",
         18: "round"}
BINARY = {0: "add", 1: "sub", 2: "mul", 3: "div", 4: "max", 5: "min", 6: "pow", 7: "sub", 8: "div", 9: "pow"}
FREE = {"Split", "Noop", "Dropout"}
DETECTION = {"DetectionOutput", "YoloDetectionOutput", "Yolov3DetectionOutput"}


@dataclass(frozen=True)
class NcnnLayer:
    """One line of a .param file."""

    line: int
    type: str
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: dict

    def get(self, key: int, default=None):
        return self.params.get(key, default)

    def hints(self) -> list[tuple[int, Shape] | None]:
        """Per output blob: (dims, view shape) from the ``-23330`` array, None where absent."""
        h = self.params.get(30)
        if not isinstance(h, list) or len(h) < 4 * len(self.outputs):
            return [None] * len(self.outputs)
        out = []
        for i in range(len(self.outputs)):
            dims, w, hh, c = (int(x) for x in h[4 * i:4 * i + 4])
            out.append((dims, _from_axes([c, hh, w][3 - dims:])) if 1 <= dims <= 3 and min(w, hh, c) > 0 else None)
        return out


def _from_axes(axes: list[int]) -> Shape:
    """ncnn axis sizes, outermost first -> the (C, H, W) view."""
    return tuple(int(a) for a in list(axes) + [1] * (3 - len(axes)))  # type: ignore[return-value]


def _number(tok: str):
    try:
        return int(tok)
    except ValueError:
        return float(tok)


def parse_param(text: str, where: str) -> list[NcnnLayer]:
    """The layers of a .param text (one-line errors naming ``where`` and the line)."""
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first != str(MAGIC):
        raise AccelsimError(f"{where}: line 1: not an ncnn text .param file (magic {MAGIC} expected, got "
                            f"{first[:20]!r})")
    try:
        n_layers = int(lines[1].split()[0])
    except (IndexError, ValueError):
        raise AccelsimError(f"{where}: line 2: expected '<layer count> <blob count>'") from None
    layers = []
    for no, raw in enumerate(lines[2:], start=3):
        toks = raw.split()
        if not toks:
            continue
        try:
            n_in, n_out = int(toks[2]), int(toks[3])
            ins, outs = toks[4:4 + n_in], toks[4 + n_in:4 + n_in + n_out]
            if len(outs) != n_out:
                raise ValueError("fewer blobs than declared")
            params: dict = {}
            for kv in toks[4 + n_in + n_out:]:
                k, v = kv.split("=", 1)
                key = int(k)
                if key <= -23300:
                    vals = [_number(x) for x in v.split(",")]
                    if int(vals[0]) != len(vals) - 1:
                        raise ValueError(f"array {k} declares {vals[0]} values, has {len(vals) - 1}")
                    params[-key - 23300] = vals[1:]
                else:
                    params[key] = _number(v)
        except (IndexError, ValueError) as err:
            raise AccelsimError(f"{where}: line {no}: malformed layer line ({err})") from None
        layers.append(NcnnLayer(no, toks[0], toks[1], tuple(ins), tuple(outs), params))
    if len(layers) != n_layers:
        raise AccelsimError(f"{where}: line 2 declares {n_layers} layers, the file has {len(layers)}")
    return layers


def _same_pads(size: int, kernel: int, stride: int, dilation: int, mode: int) -> tuple[int, int]:
    """SAME padding (-233 upper, -234 lower) before and after an axis of ``size``."""
    pad = max(0, dilation * (kernel - 1) + 1 + (size - 1) // stride * stride - size)
    return (pad // 2, pad - pad // 2) if mode == -233 else (pad - pad // 2, pad // 2)


class _Importer:
    def __init__(self, where: str, unknown_ops: str, use_hints: bool, input_shape: Shape | None, stem: str,
                 resolution: int | None = None):
        self.where = where
        self.unknown_ops = unknown_ops
        self.use_hints = use_hints
        self.input_shape = input_shape
        self.resolution = resolution
        self.stem = stem
        self.alias: dict[str, str] = {}     # blob -> layer or graph-input name
        self.shape: dict[str, Shape] = {}   # blob -> view shape
        self.dims: dict[str, int] = {}      # blob -> ncnn dims
        self.inputs: dict[str, Shape] = {}
        self.layers: list[Layer] = []
        self.names: set[str] = set()
        self.shape_by_layer: dict[str, Shape] = {}   # layer or graph-input name -> output view
        self.name_dims: dict[str, int] = {}          # layer or graph-input name -> ncnn dims
        self.int8_out_layers: set[str] = set()       # int8 layers whose output blob is int8 (requantized)

    # ---- helpers -------------------------------------------------------------------------------
    def fail(self, rec: NcnnLayer, what: str):
        raise AccelsimError(f"{self.where}: line {rec.line}: {rec.type} {rec.name!r}: {what}")

    def unique(self, name: str) -> str:
        base, i = name, 1
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    def need(self, rec: NcnnLayer, *keys: int) -> None:
        """Keys the layer type requires, each a positive integer."""
        for k in keys:
            v = rec.get(k)
            if not isinstance(v, int) or v <= 0:
                self.fail(rec, f"key {k}: got {v!r}; must be a positive integer")

    def src(self, rec: NcnnLayer, i: int = 0) -> tuple[str, Shape, int]:
        if i >= len(rec.inputs):
            self.fail(rec, f"needs at least {i + 1} input blob(s)")
        blob = rec.inputs[i]
        if blob not in self.alias:
            self.fail(rec, f"reads blob {blob!r} that no earlier layer writes")
        return self.alias[blob], self.shape[blob], self.dims[blob]

    def emit(self, rec: NcnnLayer, cls, *, blob: str | None = None, name: str | None = None, srcs=None,
             dims: int | None = None, **fields) -> Layer:
        blob = blob or rec.outputs[0]
        if srcs is None:
            srcs = [self.src(rec, i)[0] for i in range(len(rec.inputs))]
        ins = [self._shape_of(s) for s in srcs]
        try:
            layer = cls(name=self.unique(name or rec.name), inputs=tuple(srcs), **fields)
            out = layer.out_shape(ins)
        except AccelsimError as err:   # the layer's own message, without its "layer 'name':" prefix
            self.fail(rec, str(err).split(": ", 1)[-1])
        except (TypeError, ValueError) as err:
            self.fail(rec, str(err))
        self.layers.append(layer)
        self.shape_by_layer[layer.name] = out
        self.set_blob(blob, layer.name, out, dims if dims is not None else self._dims_of(srcs))
        return layer

    def _shape_of(self, name: str) -> Shape:
        return self.inputs[name] if name in self.inputs else self.shape_by_layer[name]

    def _dims_of(self, srcs) -> int:
        """ncnn dims of a layer's output by default: its inputs' largest."""
        return max((self.name_dims.get(s, 3) for s in srcs), default=3)

    def set_blob(self, blob: str, name: str, shape: Shape, dims: int) -> None:
        self.alias[blob], self.shape[blob], self.dims[blob] = name, tuple(shape), dims
        self.name_dims[name] = dims

    def check_hints(self, rec: NcnnLayer) -> None:
        if not self.use_hints or rec.type in DETECTION:
            return
        for blob, hint in zip(rec.outputs, rec.hints()):
            if hint is not None and blob in self.shape and self.shape[blob] != hint[1]:
                self.fail(rec, f"accelsim infers output {list(self.shape[blob])} for blob {blob!r} but the file's "
                               f"-23330 shape hint says {list(hint[1])}")

    # ---- layers --------------------------------------------------------------------------------
    def run(self, recs: list[NcnnLayer]) -> None:
        for rec in recs:
            if rec.type == "Input":
                self.op_input(rec)
            elif rec.type in FREE:
                _, shape, dims = self.src(rec)
                for blob in rec.outputs:
                    self.set_blob(blob, self.alias[rec.inputs[0]], shape, dims)
            elif rec.type in ACTIVATIONS:
                self.emit(rec, Activation, kind=ACTIVATIONS[rec.type], srcs=[self.src(rec)[0]])
            else:
                handler = getattr(self, f"op_{rec.type}", None)
                if handler is None:
                    self.unknown(rec)
                else:
                    handler(rec)
            self.check_hints(rec)

    def unknown(self, rec: NcnnLayer) -> None:
        if self.unknown_ops != "zero_cost":
            self.fail(rec, "layer type not supported by accelsim's ncnn import; pass unknown_ops='zero_cost' "
                           "(CLI: --onnx-unknown-ops zero-cost) to cost it as nothing")
        hint = rec.hints()[0]
        srcs = [self.src(rec, i)[0] for i in range(len(rec.inputs))] or list(self.inputs)[:1]
        if not srcs:
            self.fail(rec, "an unknown layer without inputs before any Input layer")
        layer = self.emit(rec, ZeroCost, srcs=srcs, source_op=rec.type, shape=hint[1] if hint else None,
                          dims=hint[0] if hint else None)
        for blob in rec.outputs[1:]:
            self.set_blob(blob, layer.name, self.shape[rec.outputs[0]], self.dims[rec.outputs[0]])

    def op_input(self, rec: NcnnLayer) -> None:
        w, h, c = rec.get(0, 0), rec.get(1, 0), rec.get(2, 0)
        hint = rec.hints()[0]
        if self.input_shape is not None:
            shape, dims = tuple(self.input_shape), 3
        elif w > 0:
            dims = 3 if c > 0 else 2 if h > 0 else 1
            shape = _from_axes([c, h, w][3 - dims:])
        elif hint is not None:
            dims, shape = hint
        elif self.stem in BENCHNCNN_INPUTS:
            shape, dims = BENCHNCNN_INPUTS[self.stem], 3
        else:
            self.fail(rec, "the input declares no size; pass input_shape=(C, H, W)")
        if self.resolution is not None:
            if dims != 3:
                self.fail(rec, "resolution applies to image inputs (c, h, w) only")
            shape = (shape[0], self.resolution, self.resolution)
        name = self.unique(rec.outputs[0])
        self.inputs[name] = shape  # type: ignore[assignment]
        self.set_blob(rec.outputs[0], name, shape, dims)

    @staticmethod
    def _window(rec: NcnnLayer) -> tuple[int, ...]:
        """Kernel, dilation, stride (h, w each) and pads (top, left, bottom, right) of a (de)convolution."""
        kw = rec.get(1, 0)
        kh, dw, sw = rec.get(11, kw), rec.get(2, 1), rec.get(3, 1)
        pl = rec.get(4, 0)
        pt = rec.get(14, pl)
        return kh, kw, rec.get(12, dw), dw, rec.get(13, sw), sw, pt, pl, rec.get(16, pt), rec.get(15, pl)

    def _conv(self, rec: NcnnLayer, depthwise: bool) -> None:
        self.need(rec, 0, 1)
        _, (c, h, w), _ = self.src(rec)
        kh, kw, dh, dw, sh, sw, pt, pl, pb, pr = self._window(rec)
        if min(pl, pr, pt, pb) < 0:
            mode = -234 if -234 in (pl, pr, pt, pb) else -233
            (pt, pb), (pl, pr) = _same_pads(h, kh, sh, dh, mode), _same_pads(w, kw, sw, dw, mode)
        if len(rec.inputs) != 1:
            self.fail(rec, "dynamic weights (a second input blob) are not supported")
        layer = self.emit(rec, Conv2d, out_channels=rec.get(0), kernel=(kh, kw), stride=(sh, sw),
                          padding=(pt, pl, pb, pr), dilation=(dh, dw), groups=rec.get(7, 1) if depthwise else 1,
                          bias=bool(rec.get(5, 0)), precision="int8" if rec.get(8, 0) else None,
                          quantize_input=self._quantizes_input(rec),
                          float_activation=0 < rec.get(8, 0) <= 100 and rec.get(9, 0) != 0)
        self._int8_output(rec, layer)

    def _quantizes_input(self, rec: NcnnLayer, key: int = 8) -> bool:
        """Whether an int8 layer (``int8_scale_term`` at ``key`` nonzero) quantizes a float input blob: its producer
        is not an int8 convolution that requantizes its output."""
        return bool(rec.get(key, 0)) and self.alias.get(rec.inputs[0]) not in self.int8_out_layers

    def _int8_output(self, rec: NcnnLayer, layer: Layer, key: int = 8) -> None:
        """Records ``layer`` as writing an int8 blob: ``int8_scale_term > 100`` (ncnn convolution.cpp loads
        top_blob_int8_scales, and forward_int8_arm requantizes its int32 sums to int8 instead of dequantizing)."""
        if rec.get(key, 0) > 100:
            self.int8_out_layers.add(layer.name)

    def op_Convolution(self, rec):
        self._conv(rec, False)

    def op_ConvolutionDepthWise(self, rec):
        self._conv(rec, True)

    def _deconv(self, rec: NcnnLayer, depthwise: bool) -> None:
        self.need(rec, 0, 1)
        _, (c, h, w), _ = self.src(rec)
        kh, kw, dh, dw, sh, sw, pt, pl, pb, pr = self._window(rec)
        opw = rec.get(18, 0)
        oph = rec.get(19, opw)
        if min(pl, pr, pt, pb) < 0:   # SAME: cut the full output down to output_w/h (or in * stride)
            mode = -234 if -234 in (pl, pr, pt, pb) else -233
            ow = rec.get(20, 0)
            oh = rec.get(21, ow)
            cut_w = (w - 1) * sw + dw * (kw - 1) + 1 + opw - (ow if ow > 0 else w * sw)
            cut_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph - (oh if oh > 0 else h * sh)
            split = (lambda p: (p // 2, p - p // 2)) if mode == -233 else (lambda p: (p - p // 2, p // 2))
            (pt, pb), (pl, pr) = split(max(0, cut_h)), split(max(0, cut_w))
        self.emit(rec, Deconv2d, out_channels=rec.get(0), kernel=(kh, kw), stride=(sh, sw), padding=(pt, pl, pb, pr),
                  output_padding=(oph, opw), dilation=(dh, dw), groups=rec.get(7, 1) if depthwise else 1,
                  bias=bool(rec.get(5, 0)))

    def op_Deconvolution(self, rec):
        self._deconv(rec, False)

    def op_DeconvolutionDepthWise(self, rec):
        self._deconv(rec, True)

    def op_InnerProduct(self, rec: NcnnLayer) -> None:
        self.need(rec, 0)
        src, shape, dims = self.src(rec)
        out, prec = rec.get(0), "int8" if rec.get(8, 0) else None
        # innerproduct_arm.cpp forward_int8_arm always dequantizes, then runs its activation as its own pass
        int8 = {"quantize_input": self._quantizes_input(rec), "float_activation": bool(prec and rec.get(9, 0))}
        if dims == 2 and rec.get(2, 0) == out * shape[1]:   # one product per row of a 2-D blob
            self.emit(rec, Linear, srcs=[src], out_features=out, axis=1, bias=bool(rec.get(1, 0)), precision=prec,
                      **int8)
        else:
            self.emit(rec, Dense, srcs=[src], dims=1, out_features=out, bias=bool(rec.get(1, 0)), precision=prec,
                      **int8)

    def _matmul(self, rec: NcnnLayer, a: Shape, b: Shape, dims: int, trans_a: bool, trans_b: bool) -> None:
        if dims == 2:
            (m, k), (kb, n), batch = (a[:2][::-1] if trans_a else a[:2]), (b[:2][::-1] if trans_b else b[:2]), 1
            shape = (m, n, 1)
        else:
            batch = a[0]
            (m, k), (kb, n) = (a[1:][::-1] if trans_a else a[1:]), (b[1:][::-1] if trans_b else b[1:])
            shape = (batch, m, n)
        if k != kb:
            self.fail(rec, f"inner dimensions differ: {list(a)} x {list(b)}")
        self.emit(rec, MatMul, dims=dims, batch=batch, m=m, k=k, n=n, shape=shape)

    def op_Gemm(self, rec: NcnnLayer) -> None:
        src, a, dims = self.src(rec)
        trans_a, trans_b = bool(rec.get(2, 0)), bool(rec.get(3, 0))
        if rec.get(5, 0):   # constant B: a weight
            self.need(rec, 8)
            if trans_a:
                self.fail(rec, "a transposed activation times a constant B is not supported")
            self.emit(rec, Linear, srcs=[src], out_features=rec.get(8), axis=1 if dims >= 2 else 0,
                      bias=bool(rec.get(6, 0)), precision="int8" if rec.get(18, 0) else None)
            return
        _, b, _ = self.src(rec, 1)
        self._matmul(rec, a, b, 2 if dims <= 2 else 3, trans_a, trans_b)

    def op_MatMul(self, rec: NcnnLayer) -> None:
        _, a, dims = self.src(rec)
        _, b, _ = self.src(rec, 1)
        self._matmul(rec, a, b, 2 if dims <= 2 else 3, False, bool(rec.get(0, 0)))

    def op_MultiHeadAttention(self, rec: NcnnLayer) -> None:
        e = rec.get(0, 0)
        self.emit(rec, Attention, embed_dim=e, heads=rec.get(1, 1), kdim=rec.get(3, e), vdim=rec.get(4, e))

    def op_Pooling(self, rec: NcnnLayer) -> None:
        src, (c, h, w), _ = self.src(rec)
        kind = "max" if rec.get(0, 0) == 0 else "avg"
        if rec.get(4, 0):
            self.emit(rec, Pool2d, srcs=[src], kind=kind, global_pool=True)
            return
        if rec.get(7, 0):
            ow = rec.get(8, 0)
            self.emit(rec, AdaptivePool2d, srcs=[src], kind=kind, output_size=(rec.get(18, ow), ow))
            return
        kw = rec.get(1, 0)
        kh, sw = rec.get(11, kw), rec.get(2, 1)
        sh = rec.get(12, sw)
        pl = rec.get(3, 0)
        pr, pt = rec.get(14, pl), rec.get(13, pl)
        pb = rec.get(15, pt)
        mode = rec.get(5, 0)
        if mode in (2, 3):
            (pt, pb), (pl, pr) = (_same_pads(h, kh, sh, 1, -233 if mode == 2 else -234),
                                  _same_pads(w, kw, sw, 1, -233 if mode == 2 else -234))
        if mode == 0:   # 'full': ncnn pads the bottom / right tail up to a whole stride (Pooling::make_padding)
            pb += -(h + pt + pb - kh) % sh
            pr += -(w + pl + pr - kw) % sw
        self.emit(rec, Pool2d, srcs=[src], kind=kind, kernel=(kh, kw), stride=(sh, sw), padding=(pt, pl, pb, pr))

    def op_ReLU(self, rec: NcnnLayer) -> None:
        self.emit(rec, Activation, srcs=[self.src(rec)[0]], kind="leaky_relu" if rec.get(0, 0.0) else "relu")

    def op_UnaryOp(self, rec: NcnnLayer) -> None:
        self.emit(rec, Activation, srcs=[self.src(rec)[0]], kind=UNARY.get(rec.get(0, 0), "const_op"))

    def op_BatchNorm(self, rec: NcnnLayer) -> None:
        self.emit(rec, Norm, kind="batch", affine_size=rec.get(0, 0))

    def op_LayerNorm(self, rec: NcnnLayer) -> None:
        self.emit(rec, Norm, kind="layer", affine_size=rec.get(0, 0) if rec.get(2, 1) else 0)

    def op_InstanceNorm(self, rec: NcnnLayer) -> None:
        self.emit(rec, Norm, kind="instance", affine_size=rec.get(0, 0) if rec.get(2, 1) else 0)

    def op_GroupNorm(self, rec: NcnnLayer) -> None:
        self.emit(rec, Norm, kind="group", affine_size=rec.get(1, 0) if rec.get(3, 1) else 0)

    def op_LRN(self, rec: NcnnLayer) -> None:
        self.emit(rec, LRN, size=rec.get(1, 5), across_channels=rec.get(0, 0) == 0)

    def op_Softmax(self, rec: NcnnLayer) -> None:
        self.emit(rec, Softmax)

    def _binary(self, rec: NcnnLayer, kind: str) -> None:
        shapes = [self.src(rec, i)[1] for i in range(len(rec.inputs))]
        if len(shapes) == 1:
            self.emit(rec, Activation, kind="const_op")
        elif kind == "add" and all(s == shapes[0] for s in shapes):
            self.emit(rec, Add)
        else:
            self.emit(rec, Eltwise, kind=kind)

    def op_Eltwise(self, rec: NcnnLayer) -> None:
        self._binary(rec, {0: "mul", 1: "add", 2: "max"}[rec.get(0, 1)])

    def op_BinaryOp(self, rec: NcnnLayer) -> None:
        if rec.get(1, 0):   # with a scalar
            self.emit(rec, Activation, srcs=[self.src(rec)[0]], kind="const_op")
            return
        self._binary(rec, BINARY.get(rec.get(0, 0), "div"))

    def _axis(self, rec: NcnnLayer, axis: int, dims: int) -> int:
        a = axis + dims if axis < 0 else axis
        if not 0 <= a < dims:
            self.fail(rec, f"axis {axis} outside the blob's {dims} axes")
        return a

    def op_Concat(self, rec: NcnnLayer) -> None:
        srcs = [self.src(rec, i) for i in range(len(rec.inputs))]
        dims = srcs[0][2]
        axis = self._axis(rec, rec.get(0, 0), dims)
        if len(srcs) == 1:
            self.set_blob(rec.outputs[0], srcs[0][0], srcs[0][1], dims)
        elif axis == 0:
            self.emit(rec, Concat)
        else:
            shape = list(srcs[0][1])
            shape[axis] = sum(s[1][axis] for s in srcs)
            self.emit(rec, Shaped, shape=tuple(shape), source_op="Concat")

    def _part(self, rec: NcnnLayer, i: int, src: str, shape: Shape, axis: int, start: int, size: int) -> None:
        out = list(shape)
        out[axis] = size
        name = f"{rec.name}_{i}" if len(rec.outputs) > 1 else rec.name
        if axis == 0:
            self.emit(rec, ChannelSlice, blob=rec.outputs[i], name=name, srcs=[src], start=start, stop=start + size)
        else:
            self.emit(rec, Shaped, blob=rec.outputs[i], name=name, srcs=[src], shape=tuple(out), source_op=rec.type)

    def op_Slice(self, rec: NcnnLayer) -> None:
        src, shape, dims = self.src(rec)
        axis = self._axis(rec, rec.get(1, 0), dims)
        total = shape[axis]
        slices = rec.get(0) or []
        if 2 in rec.params:   # indices: slice ends
            ends = [total if e == -233 else (e + total if e < 0 else e) for e in rec.get(2)]
            slices = [b - a for a, b in zip([0] + ends[:-1], ends)]
        if len(slices) != len(rec.outputs):
            self.fail(rec, f"{len(slices)} slices for {len(rec.outputs)} outputs")
        start = 0
        for i, s in enumerate(slices):
            size = (total - start) // (len(slices) - i) if s == -233 else s
            if size <= 0 or start + size > total:
                self.fail(rec, f"slice {i} of size {size} does not fit axis {axis} of size {total}")
            self._part(rec, i, src, shape, axis, start, size)
            start += size

    def op_Crop(self, rec: NcnnLayer) -> None:
        src, shape, dims = self.src(rec)
        axes = shape[:dims]                 # outermost first: (c, h, w)[-dims:] order as in the view
        start, size = [0] * dims, list(axes)
        if 9 in rec.params:                 # starts / ends / axes arrays
            rank_axes = rec.get(11) or list(range(len(rec.get(9))))
            for a, s, e in zip(rank_axes, rec.get(9), rec.get(10) or [-1] * len(rec.get(9))):
                a = self._axis(rec, a, dims)
                s = max(0, s + axes[a] if s < 0 else min(s, axes[a]))
                e = axes[a] if e == -233 or e >= axes[a] else (e + axes[a] if e < 0 else e)
                start[a], size[a] = s, e - s
        elif len(rec.inputs) > 1:           # crop to a reference blob's w, h (and c)
            _, ref, ref_dims = self.src(rec, 1)
            ref_axes = ref[:ref_dims]
            for j in range(1, min(dims, ref_dims) + 1):
                if j <= 2 or ref_dims == dims:
                    size[-j] = ref_axes[-j]
            offs = [rec.get(2, 0), rec.get(1, 0), rec.get(0, 0)][3 - dims:]
            start = offs
        else:
            offs = [rec.get(2, 0), rec.get(1, 0), rec.get(0, 0)][3 - dims:]
            ends2 = [rec.get(8, 0), rec.get(7, 0), rec.get(6, 0)][3 - dims:]
            outs = [rec.get(5, 0), rec.get(4, 0), rec.get(3, 0)][3 - dims:]
            for a in range(dims):
                start[a] = offs[a]
                size[a] = outs[a] if outs[a] > 0 else axes[a] - offs[a] - ends2[a]
        if any(s <= 0 or a + s > n for a, s, n in zip(start, size, axes)):
            self.fail(rec, f"crop of {size} at {start} does not fit the input {list(axes)}")
        changed = [a for a in range(dims) if size[a] != axes[a]]
        if changed == [0]:
            self.emit(rec, ChannelSlice, srcs=[src], start=start[0], stop=start[0] + size[0])
        else:
            self.emit(rec, Shaped, srcs=[src], shape=_from_axes(size), source_op="Crop")

    def op_Padding(self, rec: NcnnLayer) -> None:
        src, shape, dims = self.src(rec)
        t, b, left, right, front, behind = (rec.get(k, 0) for k in (0, 1, 2, 3, 7, 8))
        if dims == 3 and front == behind == 0:
            self.emit(rec, Pad, srcs=[src], padding=(t, left, b, right))
            return
        axes = list(shape[:dims])
        axes[-1] += left + right
        if dims >= 2:
            axes[-2] += t + b
        if dims == 3:
            axes[0] += front + behind
        self.emit(rec, Shaped, srcs=[src], shape=_from_axes(axes), source_op="Padding")

    def _view(self, rec: NcnnLayer, src: str, shape: Shape, axes: list[int], copy: bool = False) -> None:
        out = _from_axes(axes)
        if math.prod(out) != math.prod(shape):
            self.fail(rec, f"reshapes {math.prod(shape)} elements {list(shape)} to {axes}")
        if out == shape and not copy:
            self.set_blob(rec.outputs[0], src, shape, len(axes))
            return
        self.emit(rec, Reshape, srcs=[src], dims=len(axes), shape=out, copy=copy)

    def op_Flatten(self, rec: NcnnLayer) -> None:
        src, shape, _ = self.src(rec)
        self._view(rec, src, shape, [math.prod(shape)])

    def op_Reshape(self, rec: NcnnLayer) -> None:
        src, shape, dims = self.src(rec)
        total = math.prod(shape)
        w, h, c = rec.get(0, -233), rec.get(1, -233), rec.get(2, -233)
        want = [x for x in (c, h, w) if x != -233] if w != -233 else []
        in_axes = {0: shape[:dims][-1], 1: shape[:dims][-2] if dims >= 2 else 1, 2: shape[0] if dims == 3 else 1}
        axes = [in_axes[len(want) - 1 - i] if x == 0 else x for i, x in enumerate(want)]   # 0: keep that size
        if -1 in axes:
            known = math.prod(a for a in axes if a != -1)
            axes[axes.index(-1)] = total // known if known else 0
        if not axes:
            self.fail(rec, "no target shape (keys 0, 1, 2)")
        self._view(rec, src, shape, axes, copy=bool(rec.get(3, 0)))

    def op_Permute(self, rec: NcnnLayer) -> None:
        src, shape, dims = self.src(rec)
        order = rec.get(0, 0)
        if dims == 2:
            axes = [shape[1], shape[0]] if order == 1 else [shape[0], shape[1]]
        elif dims == 3:
            c, h, w = shape
            axes = {0: [c, h, w], 1: [c, w, h], 2: [h, c, w], 3: [h, w, c], 4: [w, c, h], 5: [w, h, c]}.get(order)
            if axes is None:
                self.fail(rec, f"order_type {order} is not one of 0..5")
        else:
            axes = [shape[0]]
        self._view(rec, src, shape, axes, copy=axes != list(shape[:dims]))

    def op_ShuffleChannel(self, rec: NcnnLayer) -> None:
        _, (c, _, _), _ = self.src(rec)
        g = rec.get(0, 1)
        self.emit(rec, ChannelShuffle, groups=c // g if rec.get(1, 0) and g else g)

    def op_Interp(self, rec: NcnnLayer) -> None:
        src, (c, h, w), _ = self.src(rec)
        oh, ow = rec.get(3, 0), rec.get(4, 0)
        if len(rec.inputs) > 1:
            _, ref, _ = self.src(rec, 1)
            oh, ow = ref[1], ref[2]
        if not oh or not ow:
            oh, ow = int(h * rec.get(1, 1.0)), int(w * rec.get(2, 1.0))
        mode = "nearest" if rec.get(0, 0) == 1 else "bilinear"   # bicubic (3) is costed as bilinear
        kw = {"scale": (oh // h, ow // w), "size": None} if oh % h == 0 and ow % w == 0 else \
            {"scale": None, "size": (oh, ow)}
        self.emit(rec, Upsample, srcs=[src], mode=mode, **kw)

    def op_Reduction(self, rec: NcnnLayer) -> None:
        src, shape, dims = self.src(rec)
        op = rec.get(0, 0)
        axes = list(range(dims)) if rec.get(1, 1) else [self._axis(rec, a, dims) for a in rec.get(3) or []]
        keep = bool(rec.get(4, 0))
        if dims == 3 and sorted(axes) == [1, 2] and op in (3, 4):
            self.emit(rec, Pool2d, srcs=[src], kind="avg" if op == 3 else "max", global_pool=True)
            if not keep:
                self.set_blob(rec.outputs[0], self.alias[rec.outputs[0]], (shape[0], 1, 1), 1)
            return
        sizes = list(shape[:dims])
        out = [1 if a in axes else n for a, n in enumerate(sizes)] if keep else \
            [n for a, n in enumerate(sizes) if a not in axes] or [1]
        kind = {0: "sum", 3: "mean", 4: "max", 5: "min", 6: "prod"}.get(op, "sum")
        self.emit(rec, Reduce, srcs=[src], dims=len(out), shape=_from_axes(out), kind=kind)

    def op_MemoryData(self, rec: NcnnLayer) -> None:
        w, h, d, c = rec.get(0, 0), rec.get(1, 0), rec.get(11, 0), rec.get(2, 0)
        axes = [x for x in (c, d * h if d else h, w) if x > 0]
        if not axes or not self.inputs:
            self.fail(rec, "needs a size (keys 0, 1, 2) and an Input layer before it")
        self.emit(rec, Const, srcs=list(self.inputs)[:1], dims=len(axes), shape=_from_axes(axes))

    def op_PriorBox(self, rec: NcnnLayer) -> None:
        _, (_, h, w), _ = self.src(rec)
        n_min, n_max, n_ratio = (len(rec.get(k) or []) for k in (0, 1, 2))
        if len(rec.inputs) == 1:   # MXNet-SSD style
            n = n_min - 1 + n_ratio
            axes = [4 * w * h * n]
        else:
            n = n_min * n_ratio + n_min + n_max + (n_min * n_ratio if rec.get(7, 1) else 0)
            axes = [2, 4 * w * h * n]
        self.emit(rec, Shaped, dims=len(axes), shape=_from_axes(axes), source_op="PriorBox", ops_per_elem=2)

    def _boxes(self, rec: NcnnLayer, i: int, values: int) -> str:
        """A view of input ``i`` as (boxes, values, 1)."""
        src, shape, _ = self.src(rec, i)
        n = math.prod(shape) // values
        if (n, values, 1) == shape:
            return src
        return self.emit(rec, Reshape, blob=f"{rec.name}::in{i}", name=f"{rec.name}_in{i}", srcs=[src],
                         shape=(n, values, 1)).name

    def op_DetectionOutput(self, rec: NcnnLayer) -> None:
        k = rec.get(0, 0)
        if k <= 0:
            self.fail(rec, "num_class (key 0) must be > 0")
        loc, conf = self._boxes(rec, 0, 4), self._boxes(rec, 1, k)
        self.emit(rec, NonMaxSuppression, srcs=[loc, conf], dims=2, top_k=rec.get(2, 300), max_detections=rec.get(3, 100),
                  iou_threshold=float(rec.get(1, 0.05)), score_threshold=float(rec.get(4, 0.5)))

    def op_Yolov3DetectionOutput(self, rec: NcnnLayer) -> None:
        """Each input holds ``num_box`` x (4 box + 1 objectness + classes) per pixel; capped at 100 candidates."""
        num_box = rec.get(1, 5)
        srcs = []
        for i in range(len(rec.inputs)):
            c = self.src(rec, i)[1][0]
            if c % num_box:
                self.fail(rec, f"input {i} has {c} channels, not a multiple of num_box {num_box}")
            srcs.append(self._boxes(rec, i, c // num_box))
        if len(srcs) > 1:
            srcs = [self.emit(rec, Concat, blob=f"{rec.name}::boxes", name=f"{rec.name}_boxes", srcs=srcs).name]
        self.emit(rec, NonMaxSuppression, srcs=srcs, dims=2, iou_threshold=float(rec.get(3, 0.45)) or 0.45,
                  score_threshold=float(rec.get(2, 0.01)))

    op_YoloDetectionOutput = op_Yolov3DetectionOutput

    def result(self, name: str) -> Workload:
        try:
            return Workload(name, self.inputs, self.layers, precision="fp32",
                            description=f"ncnn model {name} (imported from its .param)")
        except AccelsimError as err:
            raise AccelsimError(f"{self.where}: {err}") from None


def _check_unknown_ops(value: str) -> str:
    v = str(value).replace("-", "_")
    if v not in UNKNOWN_OPS:
        raise AccelsimError(f"unknown_ops: got {value!r}; allowed: error, zero_cost")
    return v


def workload_from_ncnn(text: str, *, where: str = "<ncnn param>", name: str = "ncnn_model",
                       unknown_ops: str = "error", use_hints: bool = True,
                       input_shape: tuple[int, int, int] | None = None, resolution: int | None = None) -> Workload:
    """A Workload from the text of a .param file (see the module docstring); ``resolution`` resizes every
    image input to ``resolution`` x ``resolution`` (shapes are then inferred, the hints ignored)."""
    unknown_ops = _check_unknown_ops(unknown_ops)
    if resolution is not None:
        if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution <= 0:
            raise AccelsimError(f"resolution: got {resolution!r}; must be a positive integer")
        use_hints = False
    if input_shape is not None:
        shape = tuple(int(x) for x in input_shape)
        if len(shape) != 3 or min(shape) <= 0:
            raise AccelsimError(f"input_shape: got {list(input_shape)}; need (C, H, W), all > 0")
        input_shape, use_hints = shape, False   # type: ignore[assignment]
    imp = _Importer(where, unknown_ops, use_hints, input_shape, name, resolution)
    imp.run(parse_param(text, where))
    if not imp.inputs:
        raise AccelsimError(f"{where}: the model has no Input layer")
    return imp.result(name)


def load_ncnn_workload(path: str | Path, *, unknown_ops: str = "error", use_hints: bool = True,
                       input_shape: tuple[int, int, int] | None = None, resolution: int | None = None) -> Workload:
    """Read an ncnn ``.param`` file (the weights are not needed)."""
    from accelsim.textio import read_text
    path = Path(path)
    return workload_from_ncnn(read_text(path, "ncnn .param"), where=str(path), name=path.stem,
                              unknown_ops=unknown_ops, use_hints=use_hints, input_shape=input_shape,
                              resolution=resolution)
