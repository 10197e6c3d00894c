"""Detector post-processing: box decoding and non-maximum suppression, a CPU stage.

``NonMaxSuppression`` takes either one tensor of N candidates with
``4 + K`` values each (box deltas then class scores, as a YOLO head gives
them after a reshape) or two tensors, boxes (N, 4, 1) and scores (N, K, 1), as
an SSD head's concatenations give them. It is branchy, data-dependent work
that mobile runtimes run on the CPU (TFLite's ``TFLite_Detection_PostProcess``,
SNPE's ``DetectionOutput``): ``cpu_only = True`` tells a partitioner so. Until
one exists it is costed like any non-MAC layer, by ``elem_ops``.

Its element-operation count is the worst case (every candidate passes the
score threshold), with per-class NMS over the ``top_k`` best candidates:

    decode      N * 18                 (centre/size transform with 2 exp, to corners)
    threshold   N * K                  (one compare per score)
    sort        K * k * ceil(log2 k)   (k = min(N, top_k) candidates per class)
    IoU         K * k*(k-1)/2 * 13     (4 min/max, 4 for the clamped width and
                                        height, 1 multiply, 2 for the union, 2 to
                                        compare inter > threshold * union)
    merge       K * k * ceil(log2 D)   (keep the best D = max_detections)

The output holds D detections of 6 values (box, score, class).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layer_checks import positive
from accelsim.workload.layers import Layer, Shape, register_layer

DECODE_OPS_PER_BOX = 18
IOU_OPS_PER_PAIR = 13


def _log2_ceil(n: int) -> int:
    return max(1, math.ceil(math.log2(n))) if n > 1 else 0


@register_layer
@dataclass(frozen=True, kw_only=True)
class NonMaxSuppression(Layer):
    """Decode boxes, threshold scores and run per-class NMS (see the module docstring)."""

    op: ClassVar[str] = "nms"
    cpu_only: ClassVar[bool] = True
    top_k: int = 100
    max_detections: int = 100
    iou_threshold: float = 0.5
    score_threshold: float = 0.0

    def __post_init__(self):
        positive(self, "top_k", "max_detections")
        if not 0.0 < self.iou_threshold <= 1.0:
            raise AccelsimError(f"layer {self.name!r}: iou_threshold: got {self.iou_threshold}; must be in (0, 1]")

    def candidates(self, ins: list[Shape]) -> tuple[int, int]:
        """(N candidate boxes, K classes) from the input shapes."""
        if len(ins) == 1:
            n, values, w = ins[0]
            if values <= 4 or w != 1:
                raise AccelsimError(f"layer {self.name!r} (nms): one input must be (N, 4 + classes, 1), "
                                    f"got {list(ins[0])}")
            return n, values - 4
        if len(ins) == 2:
            (n, four, w1), (n2, k, w2) = ins
            if four != 4 or n2 != n or w1 != 1 or w2 != 1:
                raise AccelsimError(f"layer {self.name!r} (nms): inputs must be boxes (N, 4, 1) and scores "
                                    f"(N, K, 1), got {[list(s) for s in ins]}")
            return n, k
        raise AccelsimError(f"layer {self.name!r} (nms): takes 1 or 2 inputs, got {len(ins)}")

    def out_shape(self, ins: list[Shape]) -> Shape:
        self.candidates(ins)
        return (self.max_detections, 6, 1)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        n, k_classes = self.candidates(ins)
        k = min(n, self.top_k)
        decode = n * DECODE_OPS_PER_BOX
        threshold = n * k_classes
        sort = k_classes * k * _log2_ceil(k)
        iou = k_classes * (k * (k - 1) // 2) * IOU_OPS_PER_PAIR
        merge = k_classes * k * _log2_ceil(self.max_detections)
        return decode + threshold + sort + iou + merge


__all__ = ["DECODE_OPS_PER_BOX", "IOU_OPS_PER_PAIR", "NonMaxSuppression"]
