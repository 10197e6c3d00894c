"""Distillation students: a smaller network derived from the teacher.

Distillation (Hinton et al. 2015; FitNets, Romero et al. 2015) trains a
small student to mimic a large teacher; what the hardware sees is the
student's architecture, derived here from the teacher by three knobs:

- ``width``: every convolution and fully connected layer keeps
  ``round(width * channels)`` output channels (at least 1); depthwise
  convolutions follow their input; layers whose output is a network output
  (classes, boxes) keep theirs. MACs of inner layers scale by about width².
- ``depth``: in each run of consecutive shape-preserving layers (same input
  and output shape, one reader each: the repeated blocks of a stage), the run
  is cut into its repeating block pattern and ``ceil(depth * blocks)`` blocks
  are kept, the last ones dropped (MobileNet-V1's five 512-channel blocks
  become three at depth 0.5).
- ``resolution``: the input becomes ``resolution`` pixels high (width scaled
  alike), as MobileNet's resolution multiplier.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

from accelsim.compress.base import Transform, fmt_number, rebuilt
from accelsim.compress.graph_edit import consumers, explicit_layers, remove_layers
from accelsim.errors import AccelsimError
from accelsim.workload.graph import Workload
from accelsim.workload.layers import Conv2d, Dense, Layer


@dataclass(frozen=True)
class Distill(Transform):
    name: ClassVar[str] = "distill"
    width: float = 1.0
    depth: float = 1.0
    resolution: int | None = None

    def __post_init__(self):
        for key in ("width", "depth"):
            v = getattr(self, key)
            if not (isinstance(v, (int, float)) and 0.0 < v <= 1.0):
                raise AccelsimError(f"distill: {key}: got {v!r}; must be a fraction in (0, 1]")
        if self.resolution is not None and (not isinstance(self.resolution, int) or self.resolution < 1):
            raise AccelsimError(f"distill: resolution: got {self.resolution!r}; must be a positive integer")

    def rewrite(self, wl: Workload):
        layers = explicit_layers(wl)
        removed = _dropped_by_depth(wl, layers, self.depth) if self.depth < 1.0 else set()
        layers = remove_layers(layers, removed)
        inputs = _scaled_inputs(wl.inputs, self.resolution) if self.resolution else dict(wl.inputs)
        readers = consumers(layers)
        teacher_in = {i.name: i.in_shapes[0][0] if i.in_shapes else 0 for i in wl}
        shapes = dict(inputs)
        out: list[Layer] = []
        changed = sorted(removed)
        for layer in layers:
            ins = [shapes[s] for s in layer.inputs]
            new = layer
            is_output = not readers.get(layer.name)
            if isinstance(layer, Conv2d) and layer.groups > 1 and layer.groups == teacher_in[layer.name]:
                c = ins[0][0]  # depthwise: one group per (new) input channel
                new = replace(layer, out_channels=c * (layer.out_channels // layer.groups), groups=c)
            elif self.width < 1.0 and not is_output and isinstance(layer, Conv2d):
                g = layer.groups
                new = replace(layer, out_channels=max(g, g * round(layer.out_channels * self.width / g)))
            elif self.width < 1.0 and not is_output and isinstance(layer, Dense):
                new = replace(layer, out_features=max(1, round(layer.out_features * self.width)))
            shapes[new.name] = new.out_shape(ins)
            out.append(new)
            if new != layer or ins != list(wl[layer.name].in_shapes):
                changed.append(layer.name)
        return rebuilt(wl, out, inputs), changed, f"{len(removed)} layers dropped" if removed else ""

    def spec(self) -> str:
        parts = []
        if self.width != 1.0:
            parts.append(f"width:{fmt_number(self.width)}")
        if self.depth != 1.0:
            parts.append(f"depth:{fmt_number(self.depth)}")
        if self.resolution is not None:
            parts.append(f"resolution:{self.resolution}")
        return "distill=" + ",".join(parts) if parts else "distill"


def _scaled_inputs(inputs: dict, resolution: int) -> dict:
    first_h = next(iter(inputs.values()))[1]
    scale = resolution / first_h
    return {k: (c, max(1, round(h * scale)), max(1, round(w * scale))) for k, (c, h, w) in inputs.items()}


def _signature(layer: Layer) -> tuple:
    return (layer.op, getattr(layer, "groups", 1) > 1, getattr(layer, "kernel", None))


def _dropped_by_depth(wl: Workload, layers: list[Layer], depth: float) -> set[str]:
    """Names of the layers the depth multiplier removes (see the module doc)."""
    readers = consumers(layers)

    def removable(layer: Layer) -> bool:
        info = wl[layer.name]
        return (len(layer.inputs) == 1 and info.params > 0 and info.out_shape == info.in_shapes[0]
                and len(readers.get(layer.name, [])) == 1)

    runs: list[list[Layer]] = []
    for layer in layers:
        if not removable(layer):
            continue
        if runs and runs[-1][-1].name == layer.inputs[0]:
            runs[-1].append(layer)
        else:
            runs.append([layer])
    dropped = set()
    for run in runs:
        sig = [_signature(x) for x in run]
        period = next(p for p in range(1, len(run) + 1)
                      if len(run) % p == 0 and all(sig[i] == sig[i % p] for i in range(len(run))))
        blocks = len(run) // period
        keep = math.ceil(depth * blocks - 1e-9)
        dropped.update(x.name for x in run[keep * period:])
    return dropped


def distill(width: float = 1.0, depth: float = 1.0, resolution: int | None = None) -> Distill:
    """A student of the teacher: ``width`` and ``depth`` multipliers and input ``resolution``."""
    return Distill(width=width, depth=depth, resolution=resolution)
