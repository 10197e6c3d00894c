"""Graph surgery for transforms: explicit inputs, replacing and removing layers.

Workload layers may read "the previous layer" implicitly (empty ``inputs``).
Before moving layers around, :func:`explicit_layers` names every input, so
that inserting or removing a layer cannot silently rewire its neighbours.
"""
from __future__ import annotations

import dataclasses

from accelsim.workload.graph import Workload
from accelsim.workload.layers import Layer, Shape


def explicit_layers(wl: Workload) -> list[Layer]:
    """The workload's layers with every input named (semantics unchanged)."""
    out: list[Layer] = []
    prev = next(iter(wl.inputs)) if wl.inputs else None
    for layer in wl.layers:
        srcs = layer.inputs or ((prev,) if prev else ())
        out.append(dataclasses.replace(layer, inputs=tuple(srcs)))
        prev = layer.name
    return out


def consumers(layers: list[Layer]) -> dict[str, list[Layer]]:
    """For each layer or graph input name, the (explicit-input) layers that read it."""
    readers: dict[str, list[Layer]] = {}
    for layer in layers:
        for src in layer.inputs:
            readers.setdefault(src, []).append(layer)
    return readers


def replace_layers(layers: list[Layer], replacements: dict[str, list[Layer]]) -> list[Layer]:
    """Each named layer replaced by a chain; readers of it read the chain's last layer."""
    renames = {old: chain[-1].name for old, chain in replacements.items() if chain[-1].name != old}
    out: list[Layer] = []
    for layer in layers:
        chain = replacements.get(layer.name, [layer])
        for new in chain:
            out.append(_rewired(new, renames))
    return out


def remove_layers(layers: list[Layer], removed: set[str]) -> list[Layer]:
    """Drop single-input layers; their readers read the removed layer's input instead."""
    source = {}
    for layer in layers:
        if layer.name in removed:
            src = layer.inputs[0]
            source[layer.name] = source.get(src, src)
    return [_rewired(layer, source) for layer in layers if layer.name not in removed]


def _rewired(layer: Layer, renames: dict[str, str]) -> Layer:
    if not any(s in renames for s in layer.inputs):
        return layer
    return dataclasses.replace(layer, inputs=tuple(renames.get(s, s) for s in layer.inputs))


def infer_shapes(inputs: dict[str, Shape], layers: list[Layer]) -> dict[str, tuple[list[Shape], Shape]]:
    """(input shapes, output shape) of each explicit-input layer, in order."""
    shapes: dict[str, Shape] = dict(inputs)
    result = {}
    for layer in layers:
        ins = [shapes[s] for s in layer.inputs]
        out = layer.out_shape(ins)
        shapes[layer.name] = out
        result[layer.name] = (ins, out)
    return result
