"""Tiny SSD (Wong et al. 2018, arXiv:1802.06488), 300x300, 21 VOC classes.

Ten non-uniform Fire modules (Table 1 of the paper: squeeze / expand 1x1 /
expand 3x3 filters), two pairs of 3x3 auxiliary convolutions, and 3x3 SSD
predictors on six maps with 4, 6, 6, 6, 6 and 4 anchors per cell (Table 2).
Where the paper is silent (pool padding, the strides of the auxiliary
convolutions) Caffe's round-up pooling and SSD's halving of each map are used.
All convolutions have biases.
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.detection_head import ssd_head
from accelsim.workload.zoo.registry import zoo_model
from accelsim.workload.zoo.squeezenet import fire

FIRES = [(15, 49, 53), (15, 54, 52), (29, 92, 94), (29, 90, 83), (44, 166, 161), (45, 155, 146),
         (49, 163, 171), (25, 29, 54), (37, 45, 56), (38, 41, 44)]
POOL_AFTER = (2, 4, 8, 9)          # a 3x3 / 2 max pool follows these fire modules (1-based)
HEAD_SOURCES = (("fire4", 4), ("fire8", 6), ("fire9", 6), ("fire10", 6), ("conv12_2", 6), ("conv13_2", 4))


@zoo_model("tiny_ssd", "Tiny SSD (Wong 2018): 10 Fire modules + SSD heads, VOC, 300x300")
def tiny_ssd(resolution: int = 300, num_classes: int = 21) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    net.conv("conv1", 57, 3, 2, bias=True)
    net.pool("pool1", "max", 3, 2, ceil_mode=True)
    for i, (s, e1, e3) in enumerate(FIRES, start=1):
        fire(net, f"fire{i}", s, e1, e3)
        if i in POOL_AFTER:
            net.pool(f"pool_fire{i}", "max", 3, 2, ceil_mode=True)
    net.conv("conv12_1", 51, 3, 2, 1, bias=True)
    net.conv("conv12_2", 46, 3, 1, 1, bias=True)
    net.conv("conv13_1", 55, 3, 2, 1, bias=True)
    net.conv("conv13_2", 46, 3, 1, 1, bias=True)
    maps = [(f"{name}.concat" if name.startswith("fire") else name, a) for name, a in HEAD_SOURCES]
    ssd_head(net, maps, num_classes, kernel=3, score="sigmoid")
    return net.build("tiny_ssd", f"Tiny SSD {resolution}")
