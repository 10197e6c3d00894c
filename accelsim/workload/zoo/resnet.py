"""ResNet-18 and ResNet-50 as torchvision defines them (``torchvision.models.
resnet18`` / ``resnet50``: He et al. 2016, arXiv:1512.03385, with the stride of
a bottleneck on its 3x3 convolution, "ResNet v1.5").

Batch norm is folded into the convolutions (no bias, not counted); the
classifier has a bias. At 224: resnet18 1.81 GMACs / 11.7 M parameters,
resnet50 4.09 GMACs / 25.6 M (torchvision's table; its parameter counts include
the batch-norm scales and shifts, ~0.1-0.2 %).
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model

STAGE_BLOCKS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3)}


def _basic(net: NetBuilder, name: str, planes: int, stride: int) -> str:
    x = net.last
    net.conv(f"{name}.conv1", planes, 3, stride, 1, src=x)
    y = net.conv(f"{name}.conv2", planes, 3, 1, 1)
    short = x
    if stride != 1 or net.shape(x)[0] != planes:
        short = net.conv(f"{name}.downsample", planes, 1, stride, src=x)
    return net.sum(f"{name}.add", y, short)


def _bottleneck(net: NetBuilder, name: str, planes: int, stride: int) -> str:
    x = net.last
    net.conv(f"{name}.conv1", planes, 1, src=x)
    net.conv(f"{name}.conv2", planes, 3, stride, 1)
    y = net.conv(f"{name}.conv3", planes * 4, 1)
    short = x
    if stride != 1 or net.shape(x)[0] != planes * 4:
        short = net.conv(f"{name}.downsample", planes * 4, 1, stride, src=x)
    return net.sum(f"{name}.add", y, short)


def resnet(depth: int, resolution: int = 224, num_classes: int = 1000, width: float = 1.0) -> Workload:
    block = _bottleneck if depth >= 50 else _basic
    net = NetBuilder((3, resolution, resolution))
    net.conv("conv1", max(1, int(64 * width)), 7, 2, 3)
    net.pool("maxpool", "max", 3, 2, 1)
    for stage, n in enumerate(STAGE_BLOCKS[depth], start=1):
        planes = max(1, int(64 * 2 ** (stage - 1) * width))
        for i in range(n):
            block(net, f"layer{stage}.{i}", planes, 2 if (i == 0 and stage > 1) else 1)
    net.global_pool("avgpool")
    net.fc("fc", num_classes)
    return net.build(f"resnet{depth}", f"ResNet-{depth} {width} {resolution}")


@zoo_model("resnet18", "ResNet-18 (torchvision): basic blocks, 1.81 GMACs, 11.7 M params at 224")
def resnet18(resolution: int = 224, num_classes: int = 1000, width: float = 1.0) -> Workload:
    return resnet(18, resolution, num_classes, width)


@zoo_model("resnet50", "ResNet-50 v1.5 (torchvision): bottleneck blocks, 4.09 GMACs, 25.6 M params at 224")
def resnet50(resolution: int = 224, num_classes: int = 1000, width: float = 1.0) -> Workload:
    return resnet(50, resolution, num_classes, width)
