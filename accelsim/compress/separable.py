"""Depthwise separable convolutions (Sifre 2014; MobileNet, Howard et al. 2017).

A standard ``k x k`` convolution C -> N becomes a depthwise ``k x k``
convolution (one filter per input channel, same stride, padding and dilation)
followed by a pointwise 1 x 1 convolution C -> N. MACs fall from
``E F C N k^2`` to ``E F C (k^2 + N)``: a factor ``1/N + 1/k^2`` (MobileNet,
eq. 5). Convolutions reading 4 channels or fewer (an image) are left standard
unless selected by name, as MobileNet keeps its first layer a full convolution.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from accelsim.compress.base import Transform, as_patterns, layers_spec, rebuilt, select_layers
from accelsim.compress.graph_edit import explicit_layers, replace_layers
from accelsim.workload.compression import DENSE
from accelsim.workload.graph import LayerInfo, Workload
from accelsim.workload.layers import Conv2d

IMAGE_CHANNELS = 4


def _standard_spatial(info: LayerInfo) -> bool:
    layer = info.layer
    return isinstance(layer, Conv2d) and layer.groups == 1 and max(layer.kernel) > 1


@dataclass(frozen=True)
class Separable(Transform):
    name: ClassVar[str] = "separable"
    layers: tuple[str, ...] | None = None

    def rewrite(self, wl: Workload):
        if self.layers is None:
            chosen = [i for i in wl if _standard_spatial(i) and i.in_shapes[0][0] > IMAGE_CHANNELS]
        else:
            chosen = select_layers(wl, self.layers, _standard_spatial)
        replacements = {}
        for info in chosen:
            layer, c = info.layer, info.in_shapes[0][0]
            comp = layer.compression
            keep = None if comp is None else replace(DENSE, weight_format=comp.weight_format,
                                                     act_format=comp.act_format)
            keep = None if keep == DENSE else keep
            dw = replace(layer, name=f"{info.name}.dw", out_channels=c, groups=c, bias=False, compression=keep)
            pw = Conv2d(name=f"{info.name}.pw", inputs=(dw.name,), out_channels=layer.out_channels, kernel=1,
                        bias=layer.bias, precision=layer.precision, compression=keep)
            replacements[info.name] = [dw, pw]
        layers = replace_layers(explicit_layers(wl), replacements)
        return rebuilt(wl, layers), [i.name for i in chosen], ""

    def spec(self) -> str:
        return "separable" + layers_spec(self.layers)


def separable(layers: str | list[str] | None = None) -> Separable:
    """Replace standard convolutions by depthwise + pointwise; see the module doc."""
    return Separable(layers=as_patterns(layers))
