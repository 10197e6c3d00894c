"""Transposed (de-)convolution: each input pixel scatters a kernel-sized patch into the output."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layers import Layer, Shape, _pads, _pair, register_layer


@register_layer
@dataclass(frozen=True, kw_only=True)
class Deconv2d(Layer):
    """2-D transposed convolution (ONNX ConvTranspose, ncnn Deconvolution / DeconvolutionDepthWise).

    Output size per axis: ``(in - 1) * stride + dilation * (kernel - 1) + 1 + output_padding - pads``.
    MACs: every input element times ``out_channels / groups`` kernels of R x S.
    """

    op: ClassVar[str] = "deconv"
    out_channels: int
    kernel: tuple[int, int] | int
    stride: tuple[int, int] | int = 1
    padding: tuple[int, int, int, int] | tuple[int, int] | int = 0
    output_padding: tuple[int, int] | int = 0
    dilation: tuple[int, int] | int = 1
    groups: int = 1
    bias: bool = False

    def __post_init__(self):
        for key in ("kernel", "stride", "output_padding", "dilation"):
            object.__setattr__(self, key, _pair(getattr(self, key)))
        object.__setattr__(self, "padding", _pads(self.padding))
        if self.out_channels <= 0 or self.groups <= 0 or self.out_channels % self.groups:
            raise AccelsimError(f"layer {self.name!r}: out_channels {self.out_channels} and groups {self.groups} "
                                "must be > 0, out_channels a multiple of groups")
        if min(self.kernel + self.stride + self.dilation) <= 0 or min(self.padding + self.output_padding) < 0:
            raise AccelsimError(f"layer {self.name!r}: kernel, stride, dilation must be > 0 and paddings >= 0")

    @property
    def op_class(self) -> str:
        return "depthwise" if self.groups > 1 and self.groups == self.out_channels else "conv"

    def out_shape(self, ins: list[Shape]) -> Shape:
        c, h, w = self._one_input(ins)
        if c % self.groups:
            raise AccelsimError(f"layer {self.name!r}: input channels {c} not divisible by groups {self.groups}")
        pt, pl, pb, pr = self.padding
        (r, s), (sh, sw), (dh, dw), (oph, opw) = self.kernel, self.stride, self.dilation, self.output_padding
        e = (h - 1) * sh + dh * (r - 1) + 1 + oph - pt - pb
        f = (w - 1) * sw + dw * (s - 1) + 1 + opw - pl - pr
        if e <= 0 or f <= 0:
            raise AccelsimError(f"layer {self.name!r}: output {e}x{f} is empty")
        return (self.out_channels, e, f)

    def macs(self, ins: list[Shape], out: Shape) -> int:
        c, h, w = ins[0]
        return h * w * c * (self.out_channels // self.groups) * self.kernel[0] * self.kernel[1]

    def params(self, ins: list[Shape]) -> int:
        return ins[0][0] // self.groups * self.out_channels * self.kernel[0] * self.kernel[1] + \
            self.bias_params(ins)

    def bias_params(self, ins: list[Shape]) -> int:
        return self.out_channels if self.bias else 0

    def gemm_dims(self, ins: list[Shape], out: Shape) -> tuple[int, int, int, int]:
        """Per group: (H*W input pixels) x (C/g) by (C/g) x (K/g * R * S), then col2im."""
        c, h, w = ins[0]
        g = self.groups
        return (g, h * w, self.out_channels // g * self.kernel[0] * self.kernel[1], c // g)


__all__ = ["Deconv2d"]
