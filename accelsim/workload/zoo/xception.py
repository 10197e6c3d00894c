"""Xception (Chollet 2017, arXiv:1610.02357, Fig. 5) as Keras defines it
(``keras.applications.Xception``), for 299x299 input.

Entry flow (two convolutions, three strided residual blocks), middle flow
(eight residual blocks of three separable convolutions) and exit flow;
a separable convolution is a 3x3 depthwise then a 1x1 convolution, none with a
bias; max pools and strided shortcuts use TensorFlow's SAME padding. Batch norm
is folded (not counted); the classifier has a bias. The paper gives 22.86 M
parameters (Table 3); Bianco et al. 2018 (IEEE Access 6, Fig. 1) measured
8.4 G multiply-adds at 299.
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model


def _sep(net: NetBuilder, name: str, out: int, src: str | None = None) -> str:
    net.dwconv(f"{name}.dw", 3, 1, 1, src=src)
    return net.conv(f"{name}.pw", out, 1)


def _down_block(net: NetBuilder, name: str, out1: int, out2: int) -> str:
    x = net.last
    short = net.conv(f"{name}.shortcut", out2, 1, 2, "same", src=x)
    _sep(net, f"{name}.sep1", out1, src=x)
    _sep(net, f"{name}.sep2", out2)
    y = net.pool(f"{name}.pool", "max", 3, 2, "same")
    return net.sum(f"{name}.add", y, short)


@zoo_model("xception", "Xception (Chollet 2017, Keras): 36 separable convs, 8.4 GMACs, 22.9 M params at 299")
def xception(resolution: int = 299, num_classes: int = 1000) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    net.conv("block1.conv1", 32, 3, 2)
    net.conv("block1.conv2", 64, 3)
    _down_block(net, "block2", 128, 128)
    _down_block(net, "block3", 256, 256)
    _down_block(net, "block4", 728, 728)
    for b in range(5, 13):
        x = net.last
        for i in range(1, 4):
            _sep(net, f"block{b}.sep{i}", 728)
        net.sum(f"block{b}.add", net.last, x)
    _down_block(net, "block13", 728, 1024)
    _sep(net, "block14.sep1", 1536)
    _sep(net, "block14.sep2", 2048)
    net.global_pool("avgpool")
    net.fc("fc", num_classes)
    return net.build("xception", f"Xception {resolution}")
