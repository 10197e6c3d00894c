"""Element-wise layers: activations, broadcasting binary ops and softmax (no MACs).

Their cost is ``elem_ops``: operations per element times elements. The
per-element counts (``ACTIVATION_OPS``) are accelsim's convention, stated so
that they can be compared and changed: one for a compare/min/max/add/multiply,
one for an ``exp``, and the steps of each formula added up.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layers import Layer, Shape, register_layer

# operations per element; e.g. sigmoid = 1 / (1 + exp(-x)): negate, exp, add, divide
ACTIVATION_OPS = {
    "identity": 0, "relu": 1, "relu6": 2, "clip": 2, "leaky_relu": 2, "prelu": 2, "elu": 4, "selu": 5,
    "sigmoid": 4, "hardsigmoid": 4, "hardswish": 5, "swish": 5, "tanh": 5, "softplus": 3, "gelu": 8,
    "abs": 1, "neg": 1, "exp": 1, "log": 1, "sqrt": 1, "reciprocal": 1, "floor": 1, "ceil": 1, "round": 1,
    "sign": 1, "erf": 1, "cast": 1, "not": 1,
    "const_op": 1,  # add, multiply, ... by a constant (ONNX Add/Mul with an initializer operand)
    "affine": 2,    # x * scale + shift per channel (a batch norm that could not be folded)
}
BINARY_KINDS = ("add", "sub", "mul", "div", "max", "min", "pow", "mean")
SOFTMAX_OPS_PER_ELEM = 5  # max, subtract, exp, sum, divide


@register_layer
@dataclass(frozen=True, kw_only=True)
class Activation(Layer):
    """An element-wise function of one tensor (ReLU, Clip, Sigmoid, HardSwish, ...)."""

    op: ClassVar[str] = "act"
    kind: str = "relu"

    def __post_init__(self):
        if self.kind not in ACTIVATION_OPS:
            raise AccelsimError(f"layer {self.name!r}: kind: got {self.kind!r}; allowed: "
                                f"{', '.join(sorted(ACTIVATION_OPS))}")

    def out_shape(self, ins: list[Shape]) -> Shape:
        return self._one_input(ins)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return ACTIVATION_OPS[self.kind] * math.prod(out)


def broadcast_shape(name: str, ins: list[Shape]) -> Shape:
    """NumPy broadcasting of (C, H, W) shapes: each dim equal or 1."""
    out = []
    for dims in zip(*ins):
        big = max(dims)
        if any(d not in (1, big) for d in dims):
            raise AccelsimError(f"layer {name!r}: inputs {[list(s) for s in ins]} do not broadcast")
        out.append(big)
    return tuple(out)  # type: ignore[return-value]


@register_layer
@dataclass(frozen=True, kw_only=True)
class Eltwise(Layer):
    """A binary (or n-ary) element-wise op with broadcasting, e.g. the channel scaling of a
    squeeze-and-excitation block (``mul`` of C x H x W by C x 1 x 1)."""

    op: ClassVar[str] = "eltwise"
    kind: str = "mul"

    def __post_init__(self):
        if self.kind not in BINARY_KINDS:
            raise AccelsimError(f"layer {self.name!r}: kind: got {self.kind!r}; allowed: {', '.join(BINARY_KINDS)}")

    def out_shape(self, ins: list[Shape]) -> Shape:
        if len(ins) < 2:
            raise AccelsimError(f"layer {self.name!r} ({self.kind}): needs >= 2 inputs, got {len(ins)}")
        return broadcast_shape(self.name, ins)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return math.prod(out) * (len(ins) - 1 + (1 if self.kind == "mean" else 0))


@register_layer
@dataclass(frozen=True, kw_only=True)
class Softmax(Layer):
    """Softmax over channels (or any axis: the count is the same), 5 operations per element."""

    op: ClassVar[str] = "softmax"

    def out_shape(self, ins: list[Shape]) -> Shape:
        return self._one_input(ins)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return SOFTMAX_OPS_PER_ELEM * math.prod(out)


__all__ = ["ACTIVATION_OPS", "Activation", "Eltwise", "Softmax", "broadcast_shape"]
