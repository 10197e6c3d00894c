"""SqueezeNet 1.0 and 1.1 as torchvision defines them (``torchvision.models.
squeezenet1_0`` / ``squeezenet1_1``; Iandola et al. 2016, arXiv:1602.07360, and
the v1.1 of the authors' repository).

Fire modules (1x1 squeeze, then 1x1 and 3x3 expand, concatenated); every
convolution has a bias; max pools round up (``ceil_mode``); the classifier is a
1x1 convolution then a global average pool. At 224: 0.82 / 0.35 GMACs and
1.25 / 1.24 M parameters.
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model

# (squeeze, expand1x1, expand3x3) of fire2..fire9
FIRES = [(16, 64, 64), (16, 64, 64), (32, 128, 128), (32, 128, 128), (48, 192, 192), (48, 192, 192),
         (64, 256, 256), (64, 256, 256)]
POOL_AFTER = {"1_0": (2, 6), "1_1": (1, 3)}   # a max pool follows these fire indices (0-based)


def fire(net: NetBuilder, name: str, squeeze: int, e1: int, e3: int, bias: bool = True) -> str:
    s = net.conv(f"{name}.squeeze", squeeze, 1, bias=bias)
    a = net.conv(f"{name}.expand1x1", e1, 1, src=s, bias=bias)
    b = net.conv(f"{name}.expand3x3", e3, 3, 1, 1, src=s, bias=bias)
    return net.concat(f"{name}.concat", a, b)


def squeezenet(version: str, resolution: int = 224, num_classes: int = 1000) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    if version == "1_0":
        net.conv("conv1", 96, 7, 2, bias=True)
    else:
        net.conv("conv1", 64, 3, 2, bias=True)
    net.pool("pool1", "max", 3, 2, ceil_mode=True)
    for i, (s, e1, e3) in enumerate(FIRES):
        fire(net, f"fire{i + 2}", s, e1, e3)
        if i in POOL_AFTER[version]:
            net.pool(f"pool{i + 2}", "max", 3, 2, ceil_mode=True)
    net.conv("conv10", num_classes, 1, bias=True)
    net.global_pool("avgpool")
    return net.build(f"squeezenet{version}", f"SqueezeNet {version.replace('_', '.')} {resolution}")


@zoo_model("squeezenet1_0", "SqueezeNet 1.0 (torchvision): 8 fire modules, 0.82 GMACs, 1.25 M params at 224")
def squeezenet1_0(resolution: int = 224, num_classes: int = 1000) -> Workload:
    return squeezenet("1_0", resolution, num_classes)


@zoo_model("squeezenet1_1", "SqueezeNet 1.1 (torchvision): early pooling, 0.35 GMACs, 1.24 M params at 224")
def squeezenet1_1(resolution: int = 224, num_classes: int = 1000) -> Workload:
    return squeezenet("1_1", resolution, num_classes)
