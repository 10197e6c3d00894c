"""Which convolution algorithm a runtime picks for a layer, and what it costs."""
from __future__ import annotations

import math

from accelsim.cost.opclass import op_class
from accelsim.runtime.algorithms import AlgorithmWork, direct_work, im2col_work, winograd_work
from accelsim.runtime.schema import ConvRule, Runtime
from accelsim.workload.graph import LayerInfo
from accelsim.workload.layers import Conv2d


def winograd_scratch_bytes(info: LayerInfo, algorithm: str) -> float:
    """Bytes of Winograd's transformed input and output tensors (what the GEMMs read and write between the
    transforms): the scratch a non-fused Winograd needs beside the layer's own tensors."""
    work = algorithm_work(info, algorithm)
    return (work.ifmap_elems + work.ofmap_elems) * info.act_bytes_per_elem


def _matches(rule: ConvRule, info: LayerInfo, layer: Conv2d, kind: str, dotprod: bool | None,
             workspace_bytes: int | None = None) -> bool:
    c_in = info.in_shapes[0][0]
    c_out, out_h, out_w = info.out_shape
    dw = op_class(info) == "depthwise"
    checks = [
        rule.units is None or kind in rule.units,
        rule.precisions is None or info.precision in rule.precisions,
        rule.kernel is None or tuple(layer.kernel) == (rule.kernel, rule.kernel),
        rule.stride is None or tuple(layer.stride) == (rule.stride, rule.stride),
        rule.depthwise is None or rule.depthwise == dw,
        c_in >= rule.min_in_channels and c_out >= rule.min_out_channels,
        rule.max_in_channels is None or c_in <= rule.max_in_channels,
        rule.max_out_channels is None or c_out <= rule.max_out_channels,
        min(out_h, out_w) >= rule.min_out_hw,
        rule.out_hw_ranges is None or all(any(lo <= d <= hi for lo, hi in rule.out_hw_ranges) for d in (out_h, out_w)),
        rule.dotprod is None or dotprod is None or rule.dotprod == dotprod,
    ]
    if rule.algorithm.startswith("winograd"):   # Winograd F(m, 3) is for dense 3x3 stride-1 undilated convs
        checks.append(tuple(layer.kernel) == (3, 3) and tuple(layer.stride) == (1, 1) and layer.groups == 1
                      and tuple(layer.dilation) == (1, 1))
        if workspace_bytes is not None and all(checks):   # its transformed tensors must fit the workspace
            checks.append(winograd_scratch_bytes(info, rule.algorithm) <= workspace_bytes)
    return all(checks)


def choose_algorithm(info: LayerInfo, runtime: Runtime | None, kind: str, dotprod: bool | None = None) -> str:
    """The runtime's algorithm for a conv layer ("" for other layers); first matching rule, else a default.

    ``dotprod``: whether the CPU cores running it have SDOT (None: unknown, rules asking for it match)."""
    layer = info.layer
    if not isinstance(layer, Conv2d) or info.macs <= 0:
        return ""
    for rule in (runtime.conv_rules if runtime else ()):
        if _matches(rule, info, layer, kind, dotprod, runtime.workspace_bytes):
            return rule.algorithm
    cls = op_class(info)
    return {"depthwise": "depthwise_direct", "pointwise": "gemm_1x1"}.get(cls, "im2col_gemm")


def algorithm_work(info: LayerInfo, algorithm: str) -> AlgorithmWork:
    """GEMM MACs, vector (transform/packing) operations and GEMM operand sizes of ``info`` under ``algorithm``."""
    if algorithm.startswith("winograd"):
        c_out, out_h, out_w = info.out_shape
        return winograd_work(algorithm, info.in_shapes[0][0], c_out, out_h, out_w)
    if algorithm == "im2col_gemm":
        layer = info.layer
        c_out, out_h, out_w = info.out_shape
        c_in = info.in_shapes[0][0]
        return im2col_work(info.macs, c_in // layer.groups, layer.kernel[0], layer.kernel[1], out_h * out_w,
                           layer.groups, info.ifmap_elems, info.ofmap_elems)
    return direct_work(info.macs, info.ifmap_elems, math.prod(info.out_shape))
