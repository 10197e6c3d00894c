"""MobileNet-V2 as torchvision defines it (``torchvision.models.mobilenet_v2``;
Sandler et al. 2018, arXiv:1801.04381, Table 2).

Inverted residual blocks (1x1 expansion, 3x3 depthwise, linear 1x1
projection) with channel counts rounded to multiples of 8 as torchvision's
``_make_divisible`` does. Batch norm is folded (not counted); the classifier
has a bias. At 224 and width 1.0: 0.30 GMACs, 3.5 M parameters.
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model

# expansion t, output channels c, repeats n, first stride s (Table 2)
SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
            (6, 320, 1, 1)]


def make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision's rounding: nearest multiple of ``divisor``, never below 90 % of ``v``."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def inverted_residual(net: NetBuilder, name: str, out: int, stride: int, expand: int) -> str:
    """One block; the expansion output is ``{name}.expand`` (SSD taps it)."""
    x = net.last
    c = net.shape(x)[0]
    if expand != 1:
        net.conv(f"{name}.expand", int(round(c * expand)), 1, src=x)
    net.dwconv(f"{name}.dw", 3, stride, 1)
    y = net.conv(f"{name}.project", out, 1)
    if stride == 1 and c == out:
        return net.sum(f"{name}.add", x, y)
    return y


def mobilenet_v2_features(net: NetBuilder, width: float = 1.0) -> list[str]:
    """The convolutional body (up to the 1280-channel 1x1 conv); returns the block output names."""
    outs = [net.conv("conv1", make_divisible(32 * width), 3, 2, 1)]
    i = 1
    for t, c, n, s in SETTINGS:
        for j in range(n):
            outs.append(inverted_residual(net, f"block{i}", make_divisible(c * width), s if j == 0 else 1, t))
            i += 1
    outs.append(net.conv("conv_last", make_divisible(1280 * max(1.0, width)), 1))
    return outs


@zoo_model("mobilenet_v2", "MobileNet-V2 (torchvision): 17 inverted residual blocks, 0.30 GMACs, 3.5 M params")
def mobilenet_v2(resolution: int = 224, width: float = 1.0, num_classes: int = 1000) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    mobilenet_v2_features(net, width)
    net.global_pool("avgpool")
    net.fc("fc", num_classes)
    return net.build("mobilenet_v2", f"MobileNet-V2 {width} {resolution}")
