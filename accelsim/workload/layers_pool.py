"""Adaptive pooling: pool to a fixed output size (PyTorch's ``AdaptiveAvgPool2d``/``AdaptiveMaxPool2d``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layers import Layer, Shape, _pair, register_layer


def adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's windows: output ``i`` pools ``[floor(i*size/out), ceil((i+1)*size/out))``."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


@register_layer
@dataclass(frozen=True, kw_only=True)
class AdaptivePool2d(Layer):
    """Average or max pooling to ``output_size`` (H, W) whatever the input size.

    torchvision's AlexNet and VGG end their feature extractor with one (7x7 or
    6x6); at 224x224 input it is an identity-sized pass over the data.
    """

    op: ClassVar[str] = "adaptive_pool"
    kind: str = "avg"
    output_size: tuple[int, int] | int = 1

    def __post_init__(self):
        if self.kind not in ("max", "avg"):
            raise AccelsimError(f"layer {self.name!r}: kind: got {self.kind!r}; allowed: max, avg")
        object.__setattr__(self, "output_size", _pair(self.output_size))
        if min(self.output_size) <= 0:
            raise AccelsimError(f"layer {self.name!r}: output_size: got {self.output_size}; must be > 0")

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, _, _ = self._one_input(ins)
        return (c, *self.output_size)  # type: ignore[return-value]

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        c, h, w = ins[0]
        oh, ow = self.output_size  # type: ignore[misc]
        rows = sum(b - a for a, b in adaptive_windows(h, oh))
        cols = sum(b - a for a, b in adaptive_windows(w, ow))
        return c * rows * cols


__all__ = ["AdaptivePool2d", "adaptive_windows"]
