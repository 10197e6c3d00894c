"""The GEMM view of a layer: ``groups`` matrix products of (M x Kw) by (Kw x N)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.workload.graph import LayerInfo
from accelsim.workload.layers import Conv2d, Dense
from accelsim.workload.layers_recurrent import ConvLSTMCell, LSTMCell


@dataclass(frozen=True)
class Gemm:
    groups: int
    m: int    # output pixels (rows of the im2col matrix)
    n: int    # filters per group
    kw: int   # window: R*S*C/groups

    @property
    def macs(self) -> int:
        return self.groups * self.m * self.n * self.kw


def gemm_of(info: LayerInfo) -> Gemm | None:
    """The GEMMs a MAC-bearing layer lowers to; None for layers without MACs (they report ``elem_ops``).

    An LSTM cell is one GEMM per time step, ``[x, h]`` (1 x (I + H)) by the
    stacked gate weights ((I + H) x 4H); a ConvLSTM cell is one convolution per
    step from ``C + hidden`` to ``4 * hidden`` channels over the H x W plane.
    """
    layer = info.layer
    if hasattr(layer, "gemm_dims"):   # layers that state their GEMM (layers_gemm, layers_deconv)
        return Gemm(*layer.gemm_dims(list(info.in_shapes), info.out_shape))
    if isinstance(layer, Conv2d):
        c = info.in_shapes[0][0]
        k, e, f = info.out_shape
        g = layer.groups
        return Gemm(g, e * f, k // g, layer.kernel[0] * layer.kernel[1] * (c // g))
    if isinstance(layer, Dense):
        return Gemm(1, 1, layer.out_features, math.prod(info.in_shapes[0]))
    if isinstance(layer, LSTMCell):
        h = layer.hidden_size
        return Gemm(layer.steps, 1, 4 * h, math.prod(info.in_shapes[0]) + h)
    if isinstance(layer, ConvLSTMCell):
        _, e, f = info.out_shape
        return Gemm(layer.steps, e * f, 4 * layer.hidden_channels, layer.gate_window(list(info.in_shapes)))
    return None
