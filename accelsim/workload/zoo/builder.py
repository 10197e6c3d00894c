"""``NetBuilder``: the small graph-building helper the zoo modules share.

It appends layers in order and infers each output shape as it goes, so a
builder can ask for a tensor's shape (e.g. to compute TensorFlow's ``SAME``
padding) and wire branches by name. Every method returns the new layer's name.
"""
from __future__ import annotations

import math

from accelsim.workload.graph import Workload
from accelsim.workload.layers import Add, Concat, Conv2d, Dense, Layer, Pool2d, Shape
from accelsim.workload.layers_pool import AdaptivePool2d


def same_padding(size_hw: tuple[int, int], kernel: int | tuple[int, int], stride: int) -> tuple[int, int, int, int]:
    """TensorFlow ``SAME`` padding (top, left, bottom, right): output = ceil(input / stride)."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    pads = []
    for size, k in zip(size_hw, (kh, kw)):
        out = math.ceil(size / stride)
        pads.append(max((out - 1) * stride + k - size, 0))
    ph, pw = pads
    return (ph // 2, pw // 2, ph - ph // 2, pw - pw // 2)


class NetBuilder:
    """Layers in topological order plus the shape of every tensor so far."""

    def __init__(self, input_shape: Shape, input_name: str = "input"):
        self.input_name = input_name
        self.input_shape = tuple(input_shape)
        self.layers: list[Layer] = []
        self.shapes: dict[str, Shape] = {input_name: self.input_shape}  # type: ignore[dict-item]
        self.last = input_name

    def add(self, layer: Layer) -> str:
        srcs = layer.inputs or (self.last,)
        self.shapes[layer.name] = layer.out_shape([self.shapes[s] for s in srcs])
        self.layers.append(layer)
        self.last = layer.name
        return layer.name

    def _src(self, src: str | None) -> tuple[str, ...]:
        return (src or self.last,)

    def shape(self, name: str | None = None) -> Shape:
        return self.shapes[name or self.last]

    def conv(self, name: str, out_channels: int, kernel, stride=1, padding=0, *, src: str | None = None,
             groups: int = 1, bias: bool = False, dilation=1) -> str:
        """A convolution; ``padding="same"`` is TensorFlow's SAME padding."""
        if padding == "same":
            padding = same_padding(self.shape(src)[1:], kernel, stride)
        return self.add(Conv2d(name=name, inputs=self._src(src), out_channels=out_channels, kernel=kernel,
                               stride=stride, padding=padding, groups=groups, bias=bias, dilation=dilation))

    def dwconv(self, name: str, kernel=3, stride=1, padding=1, *, src: str | None = None, bias=False) -> str:
        c = self.shape(src)[0]
        return self.conv(name, c, kernel, stride, padding, src=src, groups=c, bias=bias)

    def pool(self, name: str, kind: str, kernel, stride=None, padding=0, *, src: str | None = None,
             ceil_mode: bool = False) -> str:
        if padding == "same":
            padding = same_padding(self.shape(src)[1:], kernel, stride or kernel)
        return self.add(Pool2d(name=name, inputs=self._src(src), kind=kind, kernel=kernel, stride=stride,
                               padding=padding, ceil_mode=ceil_mode))

    def global_pool(self, name: str, kind: str = "avg", *, src: str | None = None) -> str:
        return self.add(Pool2d(name=name, inputs=self._src(src), kind=kind, global_pool=True))

    def adaptive_pool(self, name: str, output_size, kind: str = "avg", *, src: str | None = None) -> str:
        return self.add(AdaptivePool2d(name=name, inputs=self._src(src), kind=kind, output_size=output_size))

    def fc(self, name: str, out_features: int, *, src: str | None = None, bias: bool = True) -> str:
        return self.add(Dense(name=name, inputs=self._src(src), out_features=out_features, bias=bias))

    def sum(self, name: str, *srcs: str) -> str:
        return self.add(Add(name=name, inputs=tuple(srcs)))

    def concat(self, name: str, *srcs: str) -> str:
        return self.add(Concat(name=name, inputs=tuple(srcs)))

    def build(self, name: str, description: str = "") -> Workload:
        return Workload(name, {self.input_name: self.input_shape}, self.layers,  # type: ignore[dict-item]
                        description=description)
