"""Which efficiency class a layer belongs to: dense conv, depthwise, 1x1, fully connected or element-wise."""
from __future__ import annotations

from accelsim.workload.graph import LayerInfo
from accelsim.workload.layers import Conv2d, Dense


def op_class(info: LayerInfo) -> str:
    """``conv``, ``depthwise``, ``pointwise``, ``fc`` or ``elementwise`` (layers without MACs)."""
    layer = info.layer
    if isinstance(getattr(layer, "op_class", None), str):   # layers that name their class (layers_gemm, deconv)
        return layer.op_class
    if isinstance(layer, Conv2d):
        if layer.groups > 1 and layer.groups == info.in_shapes[0][0]:
            return "depthwise"
        return "pointwise" if tuple(layer.kernel) == (1, 1) and layer.groups == 1 else "conv"
    if isinstance(layer, Dense):
        return "fc"
    return "conv" if info.macs > 0 else "elementwise"
