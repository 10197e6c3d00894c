"""Normalization layers: batch / layer / instance / group norm and local response normalization (no MACs).

Costs are element operations per output element, accelsim's convention
(one per add, multiply, compare, exp, pow; see ``layers_elementwise``):

* inference batch norm is a per-channel scale and shift: 2;
* layer / instance / group norm compute a mean (1 add), a variance
  (subtract, square, add: 3) and normalize (subtract, multiply: 2) and apply
  the optional affine scale and shift (2): 8;
* LRN squares each element (1), sums a window of ``size`` values across
  channels (``size`` adds; ``size * size`` within a channel), scales and
  offsets the sum (2), raises it to ``-beta`` (1) and multiplies (1):
  ``window + 5``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layers import Layer, Shape, register_layer

NORM_OPS_PER_ELEM = {"batch": 2, "layer": 8, "instance": 8, "group": 8}


@register_layer
@dataclass(frozen=True, kw_only=True)
class Norm(Layer):
    """A normalization of kind ``batch`` (inference: per-channel scale and shift), ``layer``, ``instance``
    or ``group``; ``affine_size`` values each of scale and shift are its parameters (0: none)."""

    op: ClassVar[str] = "norm"
    kind: str = "layer"
    affine_size: int = 0

    def __post_init__(self):
        if self.kind not in NORM_OPS_PER_ELEM:
            raise AccelsimError(f"layer {self.name!r}: kind: got {self.kind!r}; allowed: "
                                f"{', '.join(NORM_OPS_PER_ELEM)}")
        if not isinstance(self.affine_size, int) or self.affine_size < 0:
            raise AccelsimError(f"layer {self.name!r}: affine_size: got {self.affine_size!r}; must be an "
                                "integer >= 0")

    def out_shape(self, ins: list[Shape]) -> Shape:
        return self._one_input(ins)

    def params(self, ins: list[Shape]) -> int:
        return 2 * self.affine_size

    def bias_params(self, ins: list[Shape]) -> int:
        return self.affine_size

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return NORM_OPS_PER_ELEM[self.kind] * math.prod(out)


@register_layer
@dataclass(frozen=True, kw_only=True)
class LRN(Layer):
    """Local response normalization (AlexNet, GoogLeNet) over ``size`` channels or a ``size`` x ``size`` window."""

    op: ClassVar[str] = "lrn"
    size: int = 5
    across_channels: bool = True

    def __post_init__(self):
        if not isinstance(self.size, int) or self.size <= 0:
            raise AccelsimError(f"layer {self.name!r}: size: got {self.size!r}; must be an integer > 0")

    def out_shape(self, ins: list[Shape]) -> Shape:
        return self._one_input(ins)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        window = self.size if self.across_channels else self.size * self.size
        return (window + 5) * math.prod(out)


__all__ = ["LRN", "NORM_OPS_PER_ELEM", "Norm"]
