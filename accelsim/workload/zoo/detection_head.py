"""Detection heads shared by the SSD and YOLO builders: the concat-heavy tail of a detector.

An SSD head puts a box conv (``anchors * 4`` channels) and a class conv
(``anchors * classes``) on every feature map, permutes and flattens each
output to one row per anchor (a copy), concatenates the rows of all maps into
``boxes`` (N, 4, 1) and ``scores`` (N, K, 1), squashes the scores and ends in
a CPU-side non-maximum suppression.
"""
from __future__ import annotations

from accelsim.workload.layers_detection import NonMaxSuppression
from accelsim.workload.layers_elementwise import Activation
from accelsim.workload.layers_movement import Reshape
from accelsim.workload.zoo.builder import NetBuilder


def flatten_anchors(net: NetBuilder, name: str, src: str, values: int) -> str:
    """(anchors * values, H, W) -> (anchors * H * W, values, 1): the permute-and-flatten copy."""
    c, h, w = net.shape(src)
    return net.add(Reshape(name=name, inputs=(src,), shape=(c // values * h * w, values, 1), copy=True))


def ssd_head(net: NetBuilder, maps: list[tuple[str, int]], num_classes: int, *, kernel: int = 3,
             separable: bool = False, score: str = "sigmoid", top_k: int = 100, max_detections: int = 100,
             bias: bool = True) -> str:
    """Box and class predictors on ``maps`` [(feature map, anchors per cell)], then concat, score and NMS.

    ``separable`` predicts with a 3x3 depthwise then a 1x1 convolution (SSDLite).
    """
    locs, confs = [], []
    for i, (src, anchors) in enumerate(maps):
        for kind, values, out in (("loc", 4, locs), ("conf", num_classes, confs)):
            if separable:
                net.dwconv(f"head{i}.{kind}_dw", 3, 1, 1, src=src)
                conv = net.conv(f"head{i}.{kind}", anchors * values, 1, bias=bias)
            else:
                conv = net.conv(f"head{i}.{kind}", anchors * values, kernel, 1, kernel // 2, src=src, bias=bias)
            out.append(flatten_anchors(net, f"head{i}.{kind}_flat", conv, values))
    boxes = net.concat("boxes", *locs)
    net.concat("scores", *confs)
    scores = net.add(Activation(name="scores_act", kind=score))
    return net.add(NonMaxSuppression(name="nms", inputs=(boxes, scores), top_k=top_k,
                                     max_detections=max_detections))
