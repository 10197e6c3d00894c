"""Inception-V3 as torchvision defines it (``torchvision.models.inception_v3``;
Szegedy et al. 2016, arXiv:1512.00567), for 299x299 input.

Batch norm is folded into every convolution (no bias, not counted); the
classifier has a bias. The auxiliary classifier only runs in training, so it is
left out unless ``aux_logits=True``: torchvision's published 27.2 M parameters
include it (23.8 M without); 5.71 GMACs at 299 either way (the auxiliary head
adds 5.7 M MACs).
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model


def _a(net: NetBuilder, n: str, pool_features: int) -> str:
    x = net.last
    b1 = net.conv(f"{n}.branch1x1", 64, 1, src=x)
    net.conv(f"{n}.branch5x5_1", 48, 1, src=x)
    b5 = net.conv(f"{n}.branch5x5_2", 64, 5, 1, 2)
    net.conv(f"{n}.branch3x3dbl_1", 64, 1, src=x)
    net.conv(f"{n}.branch3x3dbl_2", 96, 3, 1, 1)
    b3 = net.conv(f"{n}.branch3x3dbl_3", 96, 3, 1, 1)
    net.pool(f"{n}.branch_pool_avg", "avg", 3, 1, 1, src=x)
    bp = net.conv(f"{n}.branch_pool", pool_features, 1)
    return net.concat(f"{n}.concat", b1, b5, b3, bp)


def _b(net: NetBuilder, n: str) -> str:
    x = net.last
    b3 = net.conv(f"{n}.branch3x3", 384, 3, 2, src=x)
    net.conv(f"{n}.branch3x3dbl_1", 64, 1, src=x)
    net.conv(f"{n}.branch3x3dbl_2", 96, 3, 1, 1)
    bd = net.conv(f"{n}.branch3x3dbl_3", 96, 3, 2)
    bp = net.pool(f"{n}.branch_pool", "max", 3, 2, src=x)
    return net.concat(f"{n}.concat", b3, bd, bp)


def _c(net: NetBuilder, n: str, c7: int) -> str:
    x = net.last
    b1 = net.conv(f"{n}.branch1x1", 192, 1, src=x)
    net.conv(f"{n}.branch7x7_1", c7, 1, src=x)
    net.conv(f"{n}.branch7x7_2", c7, (1, 7), 1, (0, 3))
    b7 = net.conv(f"{n}.branch7x7_3", 192, (7, 1), 1, (3, 0))
    net.conv(f"{n}.branch7x7dbl_1", c7, 1, src=x)
    net.conv(f"{n}.branch7x7dbl_2", c7, (7, 1), 1, (3, 0))
    net.conv(f"{n}.branch7x7dbl_3", c7, (1, 7), 1, (0, 3))
    net.conv(f"{n}.branch7x7dbl_4", c7, (7, 1), 1, (3, 0))
    bd = net.conv(f"{n}.branch7x7dbl_5", 192, (1, 7), 1, (0, 3))
    net.pool(f"{n}.branch_pool_avg", "avg", 3, 1, 1, src=x)
    bp = net.conv(f"{n}.branch_pool", 192, 1)
    return net.concat(f"{n}.concat", b1, b7, bd, bp)


def _d(net: NetBuilder, n: str) -> str:
    x = net.last
    net.conv(f"{n}.branch3x3_1", 192, 1, src=x)
    b3 = net.conv(f"{n}.branch3x3_2", 320, 3, 2)
    net.conv(f"{n}.branch7x7x3_1", 192, 1, src=x)
    net.conv(f"{n}.branch7x7x3_2", 192, (1, 7), 1, (0, 3))
    net.conv(f"{n}.branch7x7x3_3", 192, (7, 1), 1, (3, 0))
    b7 = net.conv(f"{n}.branch7x7x3_4", 192, 3, 2)
    bp = net.pool(f"{n}.branch_pool", "max", 3, 2, src=x)
    return net.concat(f"{n}.concat", b3, b7, bp)


def _e(net: NetBuilder, n: str) -> str:
    x = net.last
    b1 = net.conv(f"{n}.branch1x1", 320, 1, src=x)
    t = net.conv(f"{n}.branch3x3_1", 384, 1, src=x)
    a = net.conv(f"{n}.branch3x3_2a", 384, (1, 3), 1, (0, 1), src=t)
    b = net.conv(f"{n}.branch3x3_2b", 384, (3, 1), 1, (1, 0), src=t)
    b3 = net.concat(f"{n}.branch3x3", a, b)
    net.conv(f"{n}.branch3x3dbl_1", 448, 1, src=x)
    t = net.conv(f"{n}.branch3x3dbl_2", 384, 3, 1, 1)
    a = net.conv(f"{n}.branch3x3dbl_3a", 384, (1, 3), 1, (0, 1), src=t)
    b = net.conv(f"{n}.branch3x3dbl_3b", 384, (3, 1), 1, (1, 0), src=t)
    bd = net.concat(f"{n}.branch3x3dbl", a, b)
    net.pool(f"{n}.branch_pool_avg", "avg", 3, 1, 1, src=x)
    bp = net.conv(f"{n}.branch_pool", 192, 1)
    return net.concat(f"{n}.concat", b1, b3, bd, bp)


@zoo_model("inception_v3", "Inception-V3 (torchvision): 11 inception blocks, 5.71 GMACs at 299")
def inception_v3(resolution: int = 299, num_classes: int = 1000, aux_logits: bool = False) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    net.conv("Conv2d_1a_3x3", 32, 3, 2)
    net.conv("Conv2d_2a_3x3", 32, 3)
    net.conv("Conv2d_2b_3x3", 64, 3, 1, 1)
    net.pool("maxpool1", "max", 3, 2)
    net.conv("Conv2d_3b_1x1", 80, 1)
    net.conv("Conv2d_4a_3x3", 192, 3)
    net.pool("maxpool2", "max", 3, 2)
    _a(net, "Mixed_5b", 32)
    _a(net, "Mixed_5c", 64)
    _a(net, "Mixed_5d", 64)
    _b(net, "Mixed_6a")
    for n, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        _c(net, n, c7)
    mixed_6e = net.last
    if aux_logits:
        net.pool("AuxLogits.avgpool", "avg", 5, 3, src=mixed_6e)
        net.conv("AuxLogits.conv0", 128, 1)
        net.conv("AuxLogits.conv1", 768, 5)
        net.global_pool("AuxLogits.gap")
        net.fc("AuxLogits.fc", num_classes)
        net.last = mixed_6e
    _d(net, "Mixed_7a")
    _e(net, "Mixed_7b")
    _e(net, "Mixed_7c")
    net.global_pool("avgpool")
    net.fc("fc", num_classes)
    return net.build("inception_v3", f"Inception-V3 {resolution}" + (" with aux head" if aux_logits else ""))
