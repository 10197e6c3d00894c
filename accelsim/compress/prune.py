"""Pruning: unstructured, N:M structured, and channel (filter) pruning.

- ``prune(0.9)``: 90 % of each selected layer's weights are zero (magnitude
  pruning as in Han et al. 2015); the layer's sparsity becomes the larger of
  its own and 0.9. Stored sparse in ``format`` (bitmap, csr, dense or auto =
  the smallest, index overhead included: accelsim/workload/compression.py).
- ``prune("2:4")``: N of every M consecutive weights kept (NVIDIA Ampere's
  2:4), with ``ceil(log2 M)`` index bits per kept weight.
- ``prune(channels=0.5)``: half of the filters (output channels / neurons) of
  each selected layer removed, which shrinks the layers that read it: a
  following convolution or fully connected layer loses input channels, a
  depthwise convolution (and pooling) shrinks with it. A layer whose channels
  reach an ``add`` (residual), a grouped convolution or the network output is
  left alone, since pruning it would break a shape the graph relies on.

Weights of the layer (not biases) are pruned; ``params`` keeps counting the
layer as defined, ``nonzero_params`` counts what is left.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

from accelsim.compress.base import (Transform, as_patterns, fmt_number, layers_spec, rebuilt, select_layers,
                                    weighted, with_compression)
from accelsim.compress.graph_edit import consumers, explicit_layers
from accelsim.errors import AccelsimError
from accelsim.workload.compression import SPARSE_FORMATS
from accelsim.workload.graph import Workload
from accelsim.workload.layers import Conv2d, Dense, Layer, Pool2d


@dataclass(frozen=True)
class Prune(Transform):
    name: ClassVar[str] = "prune"
    sparsity: float | None = None              # unstructured: fraction of weights set to zero
    nm: tuple[int, int] | None = None          # structured: N kept of every M
    channels: float | None = None              # filter pruning: fraction of output channels removed
    format: str = "auto"                       # sparse storage format
    layers: tuple[str, ...] | None = None

    def __post_init__(self):
        given = [k for k in ("sparsity", "nm", "channels") if getattr(self, k) is not None]
        if len(given) != 1:
            raise AccelsimError("prune: give exactly one of a sparsity (0.7), N:M (2:4) or channels:FRACTION; "
                                f"got {', '.join(given) or 'none'}")
        for key in ("sparsity", "channels"):
            v = getattr(self, key)
            if v is not None and not (isinstance(v, (int, float)) and 0.0 <= v < 1.0):
                raise AccelsimError(f"prune: {key}: got {v!r}; must be a fraction in [0, 1)")
        if self.nm is not None:
            nm = tuple(self.nm)
            if len(nm) != 2 or not all(isinstance(x, int) for x in nm) or not 0 < nm[0] < nm[1]:
                raise AccelsimError(f"prune: N:M: got {self.nm!r}; need integers 0 < N < M, e.g. 2:4")
            object.__setattr__(self, "nm", nm)
        if self.format not in SPARSE_FORMATS:
            raise AccelsimError(f"prune: format: got {self.format!r}; allowed: {', '.join(SPARSE_FORMATS)}")
        if self.format == "nm" and self.nm is None:
            raise AccelsimError("prune: format: 'nm' storage needs N:M pruning, e.g. prune=2:4")

    def rewrite(self, wl: Workload):
        if self.channels is not None:
            return self._prune_channels(wl)
        chosen = {i.name for i in select_layers(wl, self.layers, weighted)}
        layers, changed = [], []
        for info, layer in zip(wl, wl.layers):
            if info.name not in chosen:
                layers.append(layer)
                continue
            if self.nm is not None:
                n, m = self.nm
                new = with_compression(layer, sparsity=1 - n / m, structure="nm", nm=(n, m),
                                       sparse_format=self.format, hash_buckets=None)
            else:
                s = max(self.sparsity, info.compression.sparsity)
                structure = "unstructured" if s > 0 else "dense"
                new = with_compression(layer, sparsity=s, structure=structure, nm=None, sparse_format=self.format)
            layers.append(new)
            changed.append(info.name)
        return rebuilt(wl, layers), changed, ""

    def _prune_channels(self, wl: Workload):
        layers = explicit_layers(wl)
        readers = consumers(layers)
        teacher_in = {i.name: i.in_shapes[0][0] if i.in_shapes else 0 for i in wl}
        prunable = {i.name for i in select_layers(wl, self.layers, _filter_layer) if _absorbed(i.name, readers, wl)}
        new_layers: list[Layer] = []
        shapes: dict[str, tuple] = dict(wl.inputs)
        changed = []
        for layer in layers:
            ins = [shapes[s] for s in layer.inputs]
            new = layer
            if isinstance(layer, Conv2d) and _depthwise_like(layer, teacher_in[layer.name]):
                c = ins[0][0]
                if c != layer.groups:
                    new = replace(layer, out_channels=c * (layer.out_channels // layer.groups), groups=c)
            elif layer.name in prunable:
                if isinstance(layer, Conv2d):
                    new = replace(layer, out_channels=_kept(layer.out_channels, self.channels))
                else:
                    new = replace(layer, out_features=_kept(layer.out_features, self.channels))
            shapes[new.name] = new.out_shape(ins)
            new_layers.append(new)
            if new != layer or ins != list(wl[layer.name].in_shapes):
                changed.append(layer.name)
        note = f"{len(prunable)} layers lost filters"
        return rebuilt(wl, new_layers), changed, note

    def spec(self) -> str:
        if self.nm is not None:
            head = f"prune={self.nm[0]}:{self.nm[1]}"
        elif self.channels is not None:
            head = f"prune=channels:{fmt_number(self.channels)}"
        else:
            head = f"prune={fmt_number(self.sparsity)}"
        fmt = f",format:{self.format}" if self.format != "auto" else ""
        return head + fmt + layers_spec(self.layers)


def _kept(n: int, fraction: float) -> int:
    return max(1, math.ceil(n * (1.0 - fraction) - 1e-9))


def _filter_layer(info) -> bool:
    layer = info.layer
    return (isinstance(layer, Conv2d) and layer.groups == 1) or isinstance(layer, Dense)


def _depthwise_like(layer: Conv2d, in_channels: int) -> bool:
    """One filter group per input channel: its channels follow its input's."""
    return layer.groups > 1 and layer.groups == in_channels


def _passes_channels(user: Layer, wl: Workload) -> bool:
    """A layer whose output channels follow its input's: pooling, concat, depthwise, weightless
    single-input ops that keep the channel count (activations, upsampling)."""
    info = wl[user.name]
    if user.op == "concat" or isinstance(user, Pool2d):
        return True
    if isinstance(user, Conv2d):
        return _depthwise_like(user, info.in_shapes[0][0])
    return (user.op != "add" and len(info.in_shapes) == 1 and info.params == 0
            and info.out_shape[0] == info.in_shapes[0][0])


def _absorbed(name: str, readers: dict, wl: Workload) -> bool:
    """True if every path from ``name``'s output ends in a layer that takes any channel count."""
    users = readers.get(name, [])
    if not users:
        return False  # a network output: its size is the task's (classes, boxes)
    for user in users:
        if (isinstance(user, Conv2d) and user.groups == 1) or isinstance(user, Dense):
            continue
        if not _passes_channels(user, wl) or not _absorbed(user.name, readers, wl):
            return False
    return True


def prune(sparsity: float | str | None = None, *, channels: float | None = None, format: str = "auto",
          layers: str | list[str] | None = None) -> Prune:
    """``prune(0.9)``, ``prune("2:4")`` or ``prune(channels=0.5)``; see the module doc."""
    nm = None
    if isinstance(sparsity, str) and ":" in sparsity:
        try:
            n, m = (int(x) for x in sparsity.split(":"))
        except ValueError:
            raise AccelsimError(f"prune: N:M: got {sparsity!r}; need integers, e.g. 2:4") from None
        nm, sparsity = (n, m), None
    return Prune(sparsity=sparsity, nm=nm, channels=channels, format=format, layers=as_patterns(layers))
