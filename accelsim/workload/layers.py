"""Layer dataclasses of the workload IR (batch 1, tensors are C x H x W).

Each layer knows how to infer its output shape from its input shapes and how
many MACs, parameters and non-MAC element operations it costs. Layers name the
layers (or graph inputs) they read in ``inputs``; an empty ``inputs`` means
"the previous layer" (or the graph input for the first layer).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.compression import Compression

Shape = tuple[int, int, int]  # (channels, height, width)


def _pair(v: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(x) for x in v)
    if len(v) != 2:
        raise ValueError(f"expected an int or a pair, got {v}")
    return v  # type: ignore[return-value]


def _pads(v: int | tuple[int, ...] | list[int]) -> tuple[int, int, int, int]:
    """Padding as (top, left, bottom, right); an int or (h, w) pair is symmetric."""
    if isinstance(v, int):
        return (v, v, v, v)
    v = tuple(int(x) for x in v)
    if len(v) == 2:
        return (v[0], v[1], v[0], v[1])
    if len(v) == 4:
        return v  # type: ignore[return-value]
    raise ValueError(f"padding must be an int, (h, w) or (top, left, bottom, right), got {v}")


def _window_out(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    span = dilation * (kernel - 1) + 1
    num = size + pad - span
    if num < 0:
        return 0
    return (math.ceil(num / stride) if ceil_mode else num // stride) + 1


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Base of every layer: a name, its inputs, an optional numeric format and compression."""

    op: ClassVar[str] = "layer"
    name: str
    inputs: tuple[str, ...] = ()
    precision: str | None = None
    compression: Compression | None = None
    # an int8 layer whose input blob arrives in float (its producer dequantized): it quantizes it first
    # (ncnn forward_int8_arm: quantize_to_int8 when bottom_blob.elembits() != 8); set by the ncnn importer
    quantize_input: bool = False
    # an int8 layer that dequantizes its output to float and applies its fused activation in a separate pass over
    # it (ncnn forward_int8_arm: dequantize_from_int32, then activation->forward_inplace); set by the ncnn importer
    float_activation: bool = False

    def out_shape(self, ins: list[Shape]) -> Shape:
        raise NotImplementedError

    def macs(self, ins: list[Shape], out: Shape) -> int:
        return 0

    def params(self, ins: list[Shape]) -> int:
        return 0

    def bias_params(self, ins: list[Shape]) -> int:
        """The part of ``params`` that is biases (not weights)."""
        return 0

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        """Non-MAC element operations (comparisons, adds) the layer performs."""
        return 0

    def fields_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def _one_input(self, ins: list[Shape]) -> Shape:
        if len(ins) != 1:
            raise AccelsimError(f"layer {self.name!r} ({self.op}): takes 1 input, got {len(ins)}")
        return ins[0]


@dataclass(frozen=True, kw_only=True)
class Conv2d(Layer):
    """2-D convolution; ``groups == in_channels == out_channels`` is depthwise.

    ``ceil_mode`` rounds the output size up, as SCALE-Sim does
    (``ceil((H - R + s) / s)``), instead of PyTorch's floor.
    """

    op: ClassVar[str] = "conv"
    out_channels: int
    kernel: tuple[int, int] | int
    stride: tuple[int, int] | int = 1
    padding: tuple[int, int, int, int] | tuple[int, int] | int = 0
    dilation: tuple[int, int] | int = 1
    groups: int = 1
    bias: bool = False
    ceil_mode: bool = False

    def __post_init__(self):
        object.__setattr__(self, "kernel", _pair(self.kernel))
        object.__setattr__(self, "stride", _pair(self.stride))
        object.__setattr__(self, "padding", _pads(self.padding))
        object.__setattr__(self, "dilation", _pair(self.dilation))
        for key in ("out_channels", "groups"):
            if getattr(self, key) <= 0:
                raise AccelsimError(f"layer {self.name!r}: {key}: got {getattr(self, key)}; must be > 0")
        for key in ("kernel", "stride", "dilation"):
            if min(getattr(self, key)) <= 0:
                raise AccelsimError(f"layer {self.name!r}: {key}: got {getattr(self, key)}; must be > 0")
        if min(self.padding) < 0:
            raise AccelsimError(f"layer {self.name!r}: padding: got {self.padding}; must be >= 0")
        if self.out_channels % self.groups:
            raise AccelsimError(f"layer {self.name!r}: out_channels {self.out_channels} is not a multiple of "
                                f"groups {self.groups}")

    @property
    def depthwise(self) -> bool:
        return self.groups > 1 and self.groups == self.out_channels

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, h, w = self._one_input(ins)
        if c % self.groups:
            raise AccelsimError(f"layer {self.name!r}: input channels {c} not divisible by groups {self.groups}")
        (r, s), (sh, sw), (dh, dw) = self.kernel, self.stride, self.dilation
        pt, pl, pb, pr = self.padding
        e = _window_out(h, r, sh, pt + pb, dh, self.ceil_mode)
        f = _window_out(w, s, sw, pl + pr, dw, self.ceil_mode)
        if e <= 0 or f <= 0:
            raise AccelsimError(f"layer {self.name!r}: kernel {self.kernel} does not fit input {h}x{w} "
                                f"with padding {self.padding}")
        return (self.out_channels, e, f)

    def macs(self, ins: list[Shape], out: Shape) -> int:
        c = ins[0][0]
        k, e, f = out
        return e * f * k * self.kernel[0] * self.kernel[1] * (c // self.groups)

    def params(self, ins: list[Shape]) -> int:
        c = ins[0][0]
        return self.out_channels * (c // self.groups) * self.kernel[0] * self.kernel[1] + (
            self.out_channels if self.bias else 0)

    def bias_params(self, ins: list[Shape]) -> int:
        return self.out_channels if self.bias else 0


@dataclass(frozen=True, kw_only=True)
class Dense(Layer):
    """Fully connected layer over the flattened input."""

    op: ClassVar[str] = "fc"
    out_features: int
    bias: bool = True

    def out_shape(self, ins: list[Shape]) -> Shape:
        self._one_input(ins)
        if self.out_features <= 0:
            raise AccelsimError(f"layer {self.name!r}: out_features: got {self.out_features}; must be > 0")
        return (self.out_features, 1, 1)

    def macs(self, ins: list[Shape], out: Shape) -> int:
        return math.prod(ins[0]) * self.out_features

    def params(self, ins: list[Shape]) -> int:
        return math.prod(ins[0]) * self.out_features + (self.out_features if self.bias else 0)

    def bias_params(self, ins: list[Shape]) -> int:
        return self.out_features if self.bias else 0


@dataclass(frozen=True, kw_only=True)
class Pool2d(Layer):
    """Max or average pooling; ``global_pool`` pools the whole plane to 1x1."""

    op: ClassVar[str] = "pool"
    kind: str = "max"
    kernel: tuple[int, int] | int = 2
    stride: tuple[int, int] | int | None = None
    padding: tuple[int, int, int, int] | tuple[int, int] | int = 0
    global_pool: bool = False
    ceil_mode: bool = False

    def __post_init__(self):
        if self.kind not in ("max", "avg"):
            raise AccelsimError(f"layer {self.name!r}: kind: got {self.kind!r}; allowed: max, avg")
        object.__setattr__(self, "kernel", _pair(self.kernel))
        object.__setattr__(self, "stride", _pair(self.stride if self.stride is not None else self.kernel))
        object.__setattr__(self, "padding", _pads(self.padding))

    def window(self, ins: list[Shape]) -> tuple[int, int]:
        return ins[0][1:] if self.global_pool else self.kernel  # type: ignore[return-value]

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, h, w = self._one_input(ins)
        if self.global_pool:
            return (c, 1, 1)
        pt, pl, pb, pr = self.padding
        e = _window_out(h, self.kernel[0], self.stride[0], pt + pb, 1, self.ceil_mode)
        f = _window_out(w, self.kernel[1], self.stride[1], pl + pr, 1, self.ceil_mode)
        if e <= 0 or f <= 0:
            raise AccelsimError(f"layer {self.name!r}: pool window {self.kernel} does not fit input {h}x{w}")
        return (c, e, f)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        r, s = self.window(ins)
        return math.prod(out) * r * s


@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Element-wise sum of two or more tensors of the same shape."""

    op: ClassVar[str] = "add"

    def out_shape(self, ins: list[Shape]) -> Shape:
        if len(ins) < 2 or any(s != ins[0] for s in ins):
            raise AccelsimError(f"layer {self.name!r} (add): needs >= 2 inputs of one shape, got {ins}")
        return ins[0]

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return math.prod(out) * (len(ins) - 1)


@dataclass(frozen=True, kw_only=True)
class Concat(Layer):
    """Concatenation along channels (same height and width)."""

    op: ClassVar[str] = "concat"

    def out_shape(self, ins: list[Shape]) -> Shape:
        if len(ins) < 2 or any(s[1:] != ins[0][1:] for s in ins):
            raise AccelsimError(f"layer {self.name!r} (concat): needs >= 2 inputs with equal H, W, got {ins}")
        return (sum(s[0] for s in ins), ins[0][1], ins[0][2])


LAYER_TYPES: dict[str, type[Layer]] = {cls.op: cls for cls in (Conv2d, Dense, Pool2d, Add, Concat)}


def register_layer(cls: type[Layer]) -> type[Layer]:
    """Make a layer class known to YAML workloads under its ``op`` name."""
    LAYER_TYPES[cls.op] = cls
    return cls


__all__ = ["Shape", "Layer", "Conv2d", "Dense", "Pool2d", "Add", "Concat", "LAYER_TYPES", "register_layer", "field"]
