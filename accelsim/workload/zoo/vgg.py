"""VGG-16 as torchvision defines it (``torchvision.models.vgg16``, configuration
"D" of Simonyan & Zisserman 2014, arXiv:1409.1556), without batch norm.

Thirteen 3x3 convolutions with biases in five stages, an adaptive average pool
to 7x7 and three fully connected layers. At 224: 15.47 GMACs and 138.4 M
parameters (torchvision's table).
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model

# convolutions per stage and their output channels (configuration D)
STAGES_VGG16 = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]


@zoo_model("vgg16", "VGG-16 (torchvision, config D): 13 convs + 3 FC, 15.5 GMACs, 138 M params at 224")
def vgg16(resolution: int = 224, num_classes: int = 1000, width: float = 1.0) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    for s, (n, ch) in enumerate(STAGES_VGG16, start=1):
        for i in range(1, n + 1):
            net.conv(f"conv{s}_{i}", max(1, int(ch * width)), 3, 1, 1, bias=True)
        net.pool(f"pool{s}", "max", 2, 2)
    net.adaptive_pool("avgpool", 7)
    net.fc("fc6", max(1, int(4096 * width)))
    net.fc("fc7", max(1, int(4096 * width)))
    net.fc("fc8", num_classes)
    return net.build("vgg16", f"VGG-16 {width} {resolution}")
