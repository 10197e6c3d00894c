"""Layers whose output shape an importer computed: data movement, generated values, reductions, constants.

* ``shaped``: crops, channel padding, gathers and slices off the channel axis,
  concatenations off the channel axis, prior-box generation: a tensor of
  ``shape`` written once (a copy), plus ``ops_per_elem`` operations per
  output element for values it computes.
* ``reduce``: a reduction (sum, mean, max, ...) to ``shape``, one operation per input element.
* ``const``: a constant tensor stored in the model (ncnn MemoryData, an ONNX
  initializer used as data); its values are parameters, it computes nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layers import Layer, Shape, register_layer


def _shape(layer: Layer, shape) -> Shape:
    s = tuple(int(x) for x in shape)
    if len(s) != 3 or min(s) <= 0:
        raise AccelsimError(f"layer {layer.name!r} ({layer.op}): shape: got {list(shape)}; need 3 positive dims")
    return s  # type: ignore[return-value]


@register_layer
@dataclass(frozen=True, kw_only=True)
class Shaped(Layer):
    """A tensor of ``shape`` built from the inputs (see the module docstring); ``source_op`` names the original op."""

    op: ClassVar[str] = "shaped"
    is_view: ClassVar[bool] = False
    shape: tuple[int, int, int]
    source_op: str = ""
    ops_per_elem: int = 0

    def out_shape(self, ins: list[Shape]) -> Shape:
        if not ins:
            raise AccelsimError(f"layer {self.name!r} ({self.source_op or self.op}): needs an input")
        return _shape(self, self.shape)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return self.ops_per_elem * math.prod(out)


@register_layer
@dataclass(frozen=True, kw_only=True)
class Reduce(Layer):
    """Reduce the input to ``shape`` (``kind``: sum, mean, max, min, prod, ...); one operation per input element."""

    op: ClassVar[str] = "reduce"
    shape: tuple[int, int, int]
    kind: str = "sum"

    def out_shape(self, ins: list[Shape]) -> Shape:
        src = self._one_input(ins)
        out = _shape(self, self.shape)
        if math.prod(out) > math.prod(src):
            raise AccelsimError(f"layer {self.name!r} (reduce): output {list(out)} larger than input {list(src)}")
        return out

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return math.prod(ins[0])


@register_layer
@dataclass(frozen=True, kw_only=True)
class Const(Layer):
    """A constant tensor of ``shape`` held in the model; it reads its input only to have a place in the graph."""

    op: ClassVar[str] = "const"
    is_view: ClassVar[bool] = True
    shape: tuple[int, int, int]

    def out_shape(self, ins: list[Shape]) -> Shape:
        return _shape(self, self.shape)

    def params(self, ins: list[Shape]) -> int:
        return math.prod(self.shape)


__all__ = ["Const", "Reduce", "Shaped"]
