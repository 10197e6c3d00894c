"""Tiny YOLO v2 and v3 from the Darknet configurations (Redmon & Farhadi):
``yolov2-tiny-voc.cfg`` (the "Tiny YOLO" of YOLO9000, 20 classes, 416x416) and
``yolov3-tiny.cfg`` (80 COCO classes, 416x416).

Darknet's batch-normalised convolutions keep a bias vector (the folded batch
norm shift): counted here as the convolution's bias, the batch-norm scale and
statistics are not; the 1x1 detection convolutions have plain biases. A max
pool of size 2 and stride 1 pads one row and column at the end, as Darknet
does. The detection layers are costed as a copy of each head into one row per
box, a sigmoid over all values and a CPU-side NMS (``yolo_head``).
Darknet reports 6.97 and 5.56 billion FLOPs (2 per multiply-add) at 416.
"""
from __future__ import annotations

from accelsim.workload.graph import Workload
from accelsim.workload.layers_detection import NonMaxSuppression
from accelsim.workload.layers_elementwise import Activation
from accelsim.workload.layers_movement import Upsample
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.detection_head import flatten_anchors
from accelsim.workload.zoo.registry import zoo_model

ANCHORS_V2, ANCHORS_V3 = 5, 3


def _conv(net: NetBuilder, name: str, out: int, k: int, src: str | None = None) -> str:
    return net.conv(name, out, k, 1, k // 2, src=src, bias=True)


def _backbone(net: NetBuilder, depths: list[int]) -> list[str]:
    """conv 3x3 + maxpool 2/2 per depth (the last pool has stride 1); returns the conv names."""
    convs = []
    for i, d in enumerate(depths):
        convs.append(_conv(net, f"conv{i + 1}", d, 3))
        if i < len(depths) - 1:
            net.pool(f"pool{i + 1}", "max", 2, 2)
        else:
            net.pool(f"pool{i + 1}", "max", 2, 1, (0, 0, 1, 1))
    return convs


def yolo_head(net: NetBuilder, outputs: list[str], anchors: int, num_classes: int, top_k: int = 100) -> str:
    """Each head output -> one row per box (x, y, w, h, objectness, classes) -> sigmoid -> NMS."""
    rows = [flatten_anchors(net, f"{o}_flat", o, 5 + num_classes) for o in outputs]
    if len(rows) > 1:
        net.concat("detections", *rows)
    net.add(Activation(name="detections_act", kind="sigmoid"))
    return net.add(NonMaxSuppression(name="nms", top_k=top_k))


@zoo_model("tiny_yolo_v2", "Tiny YOLO v2 (Darknet yolov2-tiny-voc.cfg): 9 convs, 3.49 GMACs at 416")
def tiny_yolo_v2(resolution: int = 416, num_classes: int = 20) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    _backbone(net, [16, 32, 64, 128, 256, 512])
    _conv(net, "conv7", 1024, 3)
    _conv(net, "conv8", 1024, 3)
    out = _conv(net, "conv9", ANCHORS_V2 * (5 + num_classes), 1)
    yolo_head(net, [out], ANCHORS_V2, num_classes)
    return net.build("tiny_yolo_v2", f"Tiny YOLO v2 {resolution}")


@zoo_model("tiny_yolo_v3", "Tiny YOLO v3 (Darknet yolov3-tiny.cfg): 13 convs, 2 scales, 2.78 GMACs at 416")
def tiny_yolo_v3(resolution: int = 416, num_classes: int = 80) -> Workload:
    net = NetBuilder((3, resolution, resolution))
    convs = _backbone(net, [16, 32, 64, 128, 256, 512])
    _conv(net, "conv7", 1024, 3)
    route = _conv(net, "conv8", 256, 1)
    _conv(net, "conv9", 512, 3)
    out1 = _conv(net, "conv10", ANCHORS_V3 * (5 + num_classes), 1)
    _conv(net, "conv11", 128, 1, src=route)
    up = net.add(Upsample(name="upsample", scale=2))
    net.concat("route", up, convs[4])
    _conv(net, "conv12", 256, 3)
    out2 = _conv(net, "conv13", ANCHORS_V3 * (5 + num_classes), 1)
    yolo_head(net, [out1, out2], ANCHORS_V3, num_classes)
    return net.build("tiny_yolo_v3", f"Tiny YOLO v3 {resolution}")
