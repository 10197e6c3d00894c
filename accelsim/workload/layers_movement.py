"""Data-movement layers: no MACs, they slice, permute, reshape, pad or resize tensors.

``is_view`` marks layers that only relabel memory (a channel slice of a CHW
tensor, a reshape): they move no data and cost nothing. The others copy their
output once (costed as traffic, not arithmetic), except bilinear resizing,
which also interpolates (``elem_ops``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layers import Layer, Shape, _pads, register_layer


@register_layer
@dataclass(frozen=True, kw_only=True)
class ChannelSlice(Layer):
    """Channels ``[start, stop)`` of the input (ShuffleNet-V2's channel split; ONNX Split/Slice on C)."""

    op: ClassVar[str] = "slice"
    is_view: ClassVar[bool] = True
    start: int = 0
    stop: int

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, h, w = self._one_input(ins)
        if not 0 <= self.start < self.stop <= c:
            raise AccelsimError(f"layer {self.name!r} (slice): channels [{self.start}, {self.stop}) "
                                f"outside the input's {c} channels")
        return (self.stop - self.start, h, w)


@register_layer
@dataclass(frozen=True, kw_only=True)
class ChannelShuffle(Layer):
    """ShuffleNet's channel shuffle: view C as (groups, C/groups), transpose, flatten. A copy, no arithmetic."""

    op: ClassVar[str] = "shuffle"
    is_view: ClassVar[bool] = False
    groups: int

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, h, w = self._one_input(ins)
        if self.groups <= 0 or c % self.groups:
            raise AccelsimError(f"layer {self.name!r} (shuffle): groups: got {self.groups}; must be > 0 and "
                                f"divide the {c} input channels")
        return (c, h, w)


@register_layer
@dataclass(frozen=True, kw_only=True)
class Reshape(Layer):
    """The input's elements as a (C, H, W) tensor of ``shape``.

    ``copy=False`` is a free view (Flatten, Reshape, Squeeze); ``copy=True`` is
    a layout change that copies every element (Transpose, the permute-and-flatten
    of a detection head).
    """

    op: ClassVar[str] = "reshape"
    shape: tuple[int, int, int]
    copy: bool = False

    @property
    def is_view(self) -> bool:  # type: ignore[override]
        return not self.copy

    def out_shape(self, ins: list[Shape]) -> Shape:
        (src,) = [self._one_input(ins)]
        shape = tuple(int(x) for x in self.shape)
        if len(shape) != 3 or min(shape) <= 0 or math.prod(shape) != math.prod(src):
            raise AccelsimError(f"layer {self.name!r} (reshape): shape: got {list(self.shape)}; need 3 positive "
                                f"dims with {math.prod(src)} elements like the input {list(src)}")
        return shape  # type: ignore[return-value]


@register_layer
@dataclass(frozen=True, kw_only=True)
class Upsample(Layer):
    """Resize H and W by integer ``scale`` or to ``size`` (ONNX Resize/Upsample, Darknet ``upsample``).

    ``nearest`` copies; ``bilinear`` blends 4 neighbours per output element
    (4 multiplies and 3 adds: ``elem_ops = 7`` per output element).
    """

    op: ClassVar[str] = "upsample"
    is_view: ClassVar[bool] = False
    scale: int | tuple[int, int] | None = 2
    size: tuple[int, int] | None = None
    mode: str = "nearest"

    def __post_init__(self):
        if self.mode not in ("nearest", "bilinear"):
            raise AccelsimError(f"layer {self.name!r}: mode: got {self.mode!r}; allowed: nearest, bilinear")
        if self.size is None and self.scale is None:
            raise AccelsimError(f"layer {self.name!r}: give scale or size")

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, h, w = self._one_input(ins)
        if self.size is not None:
            oh, ow = (int(x) for x in self.size)
        else:
            sh, sw = (self.scale, self.scale) if isinstance(self.scale, int) else self.scale  # type: ignore[misc]
            oh, ow = h * int(sh), w * int(sw)
        if oh <= 0 or ow <= 0:
            raise AccelsimError(f"layer {self.name!r} (upsample): output size {oh}x{ow} must be positive")
        return (c, oh, ow)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return 7 * math.prod(out) if self.mode == "bilinear" else 0


@register_layer
@dataclass(frozen=True, kw_only=True)
class Pad(Layer):
    """Spatial padding (top, left, bottom, right) with a constant or edge values: a copy."""

    op: ClassVar[str] = "pad"
    is_view: ClassVar[bool] = False
    padding: tuple[int, int, int, int] | tuple[int, int] | int = 0

    def __post_init__(self):
        object.__setattr__(self, "padding", _pads(self.padding))
        if min(self.padding) < 0:  # type: ignore[arg-type]
            raise AccelsimError(f"layer {self.name!r}: padding: got {self.padding}; must be >= 0")

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, h, w = self._one_input(ins)
        pt, pl, pb, pr = self.padding  # type: ignore[misc]
        return (c, h + pt + pb, w + pl + pr)


@register_layer
@dataclass(frozen=True, kw_only=True)
class ZeroCost(Layer):
    """A stand-in for an op accelsim does not model (ONNX import with ``unknown_ops="zero_cost"``).

    It passes its first input's shape through (or ``shape`` when given) and
    costs nothing; ``source_op`` keeps the original op type for reports.
    """

    op: ClassVar[str] = "zero_cost"
    is_view: ClassVar[bool] = True
    source_op: str = ""
    shape: tuple[int, int, int] | None = None

    def out_shape(self, ins: list[Shape]) -> Shape:
        if self.shape is not None:
            return tuple(int(x) for x in self.shape)  # type: ignore[return-value]
        if not ins:
            raise AccelsimError(f"layer {self.name!r} ({self.source_op or 'zero_cost'}): needs an input or a shape")
        return ins[0]


__all__ = ["ChannelShuffle", "ChannelSlice", "Pad", "Reshape", "Upsample", "ZeroCost"]
