"""AlexNet as torchvision defines it (``torchvision.models.alexnet``, the
"one weird trick" single-tower variant of Krizhevsky 2014, arXiv:1404.5997).

Five convolutions and three fully connected layers, all with biases; an
adaptive average pool to 6x6 feeds the classifier, so any resolution >= 63
works. At 224: 0.71 GMACs and 61.1 M parameters (torchvision's table).
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model


@zoo_model("alexnet", "AlexNet (torchvision): 5 convs + 3 FC, 0.71 GMACs, 61 M params at 224")
def alexnet(resolution: int = 224, num_classes: int = 1000) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    net.conv("conv1", 64, 11, 4, 2, bias=True)
    net.pool("pool1", "max", 3, 2)
    net.conv("conv2", 192, 5, 1, 2, bias=True)
    net.pool("pool2", "max", 3, 2)
    net.conv("conv3", 384, 3, 1, 1, bias=True)
    net.conv("conv4", 256, 3, 1, 1, bias=True)
    net.conv("conv5", 256, 3, 1, 1, bias=True)
    net.pool("pool5", "max", 3, 2)
    net.adaptive_pool("avgpool", 6)
    net.fc("fc6", 4096)
    net.fc("fc7", 4096)
    net.fc("fc8", num_classes)
    return net.build("alexnet", f"AlexNet {resolution}")
