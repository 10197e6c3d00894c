"""The GEMM view of a layer: ``groups`` matrix products of (M x Kw) by (Kw x N)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.workload.graph import LayerInfo
from accelsim.workload.layers import Conv2d, Dense


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
    """The GEMM a conv or fully connected layer lowers to; None for other ops."""
    layer = info.layer
    if isinstance(layer, Conv2d):
        c = info.in_shapes[0][0]
        k, e, f = info.out_shape
        g = layer.groups
        return Gemm(g, e * f, k // g, layer.kernel[0] * layer.kernel[1] * (c // g))
    if isinstance(layer, Dense):
        return Gemm(1, 1, layer.out_features, math.prod(info.in_shapes[0]))
    return None
