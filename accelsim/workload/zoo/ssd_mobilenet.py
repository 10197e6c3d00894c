"""SSD with MobileNet-V1 / V2 backbones, 300x300, as the TensorFlow Object Detection
API defines them (``ssd_mobilenet_v1_coco`` / ``ssd_mobilenet_v2_coco`` sample
configs and feature extractors; Liu et al. 2016, arXiv:1512.02325).

Feature maps: MobileNet-V1's ``pw11`` (19x19) and ``pw13`` (10x10), or
MobileNet-V2's block-13 expansion (576 channels, 19x19) and its final 1x1 conv
(1280, 10x10); then four extra layers (1x1 to half depth, 3x3 stride 2 to 512,
256, 256, 128; TensorFlow SAME padding) down to 1x1. 3 anchors per cell on
the first map and 6 on the others (1917 boxes), 1x1 box predictors, 91
classes, sigmoid scores and NMS (100 per class, 100 in total).

``lite=True`` is SSDLite (Sandler et al. 2018, arXiv:1801.04381, section 6.2):
extra layers and predictors use 3x3 depthwise + 1x1 convolutions. The
MobileNet-V2 paper's Table 6 gives SSDLite 5.1 M params / 1.3 G MAdds (V1)
and 4.3 M / 0.8 G (V2); with this layout we count 5.21 M / 1.21 G and
4.45 M / 0.75 G (the paper does not give its predictor details). Batch norm
is folded (not counted); predictors have biases. At 300: 1.24 GMACs / 6.79 M
params (V1; MLPerf Inference lists 1.235 G multiply-adds and 6.91 M) and
0.77 GMACs / 6.03 M (V2).
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.detection_head import ssd_head
from accelsim.workload.zoo.mobilenet_v1 import BLOCKS as MOBILENET_V1_BLOCKS
from accelsim.workload.zoo.mobilenet_v2 import SETTINGS as MOBILENET_V2_SETTINGS
from accelsim.workload.zoo.mobilenet_v2 import inverted_residual, make_divisible
from accelsim.workload.zoo.registry import zoo_model

EXTRA_DEPTHS = (512, 256, 256, 128)
ANCHORS = (3, 6, 6, 6, 6, 6)
COCO_CLASSES = 91  # 90 classes + background, as the TF configs


def _v1_features(net: NetBuilder, width: float) -> list[str]:
    def ch(c: int) -> int:
        return max(16, int(c * width))

    net.conv("conv1", ch(32), 3, 2, "same")
    for i, (out, stride) in enumerate(MOBILENET_V1_BLOCKS, start=1):
        net.dwconv(f"dw{i}", 3, stride, "same")
        net.conv(f"pw{i}", ch(out), 1)
    return ["pw11", "pw13"]


def _v2_features(net: NetBuilder, width: float) -> list[str]:
    net.conv("conv1", make_divisible(32 * width), 3, 2, "same")
    i, taps = 1, []
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for j in range(n):
            inverted_residual(net, f"block{i}", make_divisible(c * width), s if j == 0 else 1, t)
            if i == 14:   # first 160-channel block: TF's layer_15, tapped at its expansion output
                taps.append(f"block{i}.expand")
            i += 1
    taps.append(net.conv("conv_last", make_divisible(1280 * max(1.0, width)), 1))
    return taps


def _extras(net: NetBuilder, src: str, lite: bool, width: float) -> list[str]:
    maps = []
    for i, depth in enumerate(EXTRA_DEPTHS, start=1):
        depth = max(16, int(depth * width))
        net.conv(f"extra{i}.reduce", depth // 2, 1, src=src)
        if lite:
            net.dwconv(f"extra{i}.dw", 3, 2, "same")
            src = net.conv(f"extra{i}.conv", depth, 1)
        else:
            src = net.conv(f"extra{i}.conv", depth, 3, 2, "same")
        maps.append(src)
    return maps


def ssd_mobilenet(version: int, resolution: int = 300, width: float = 1.0, num_classes: int = COCO_CLASSES,
                  lite: bool = False) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    taps = (_v1_features if version == 1 else _v2_features)(net, width)
    maps = taps + _extras(net, taps[-1], lite, width)
    ssd_head(net, list(zip(maps, ANCHORS)), num_classes, kernel=1, separable=lite)
    kind = "SSDLite" if lite else "SSD"
    return net.build(f"ssd_mobilenet_v{version}", f"{kind} MobileNet-V{version} {width} {resolution}")


@zoo_model("ssd_mobilenet_v1", "SSD MobileNet-V1 (TF OD API, COCO): 1917 boxes, 1.2 GMACs at 300")
def ssd_mobilenet_v1(resolution: int = 300, width: float = 1.0, num_classes: int = COCO_CLASSES,
                     lite: bool = False) -> Workload:
    return ssd_mobilenet(1, resolution, width, num_classes, lite)


@zoo_model("ssd_mobilenet_v2", "SSD MobileNet-V2 (TF OD API, COCO): 1917 boxes at 300")
def ssd_mobilenet_v2(resolution: int = 300, width: float = 1.0, num_classes: int = COCO_CLASSES,
                     lite: bool = False) -> Workload:
    return ssd_mobilenet(2, resolution, width, num_classes, lite)
