"""MobileNet-V1 (Howard et al., 2017, arXiv:1704.04861), Table 1.

Convolutions have no bias (batch norm folds into them at inference and is not
counted as parameters, as in the paper); the classifier has a bias. At 224 and
width 1.0: 569 M MACs and 4.2 M parameters, as the paper reports.
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.layers import Conv2d, Dense, Pool2d
from accelsim.workload.zoo.registry import zoo_model

# (output channels, stride) of the 13 depthwise-separable blocks
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


@zoo_model("mobilenet_v1", "MobileNet-V1 (Howard 2017): 13 depthwise-separable blocks, 569 M MACs at 224")
def mobilenet_v1(resolution: int = 224, width: float = 1.0, num_classes: int = 1000) -> Workload:
    def ch(c: int) -> int:
        return max(8, int(c * width))

    layers = [Conv2d(name="conv1", out_channels=ch(32), kernel=3, stride=2, padding=1)]
    c = ch(32)
    for i, (out, stride) in enumerate(BLOCKS, start=1):
        layers.append(Conv2d(name=f"dw{i}", out_channels=c, kernel=3, stride=stride, padding=1, groups=c))
        layers.append(Conv2d(name=f"pw{i}", out_channels=ch(out), kernel=1))
        c = ch(out)
    layers.append(Pool2d(name="avgpool", kind="avg", global_pool=True))
    layers.append(Dense(name="fc", out_features=num_classes))
    return Workload("mobilenet_v1", (3, resolution, resolution), layers,
                    description=f"MobileNet-V1 {width} {resolution}")
