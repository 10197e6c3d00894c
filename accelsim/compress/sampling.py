"""Seeded random weights that have a layer's compression: its format's values and its zeros.

The cycle fidelity (``accelsim.kernels``) measures what a PE array spends on
real tensors; for a compressed layer without trained weights it needs
tensors with the layer's sparsity pattern, so that zero skipping is measured
on the structure the transform produced:

- unstructured: exactly ``nonzero_weights`` nonzeros at uniformly random places;
- N:M: N nonzeros in every group of M consecutive weights along the
  reduction order the kernels use (filter rows, then columns, then input
  channels), the last partial group kept dense;
- nonzero values drawn from the weight format: +-1 (binary, ternary),
  [-8, 7] \\ {0} (int4), [-127, 127] \\ {0} (int8 and wider, as int8).

Weights come as int8 (OIHW for convolutions, (out, in) for fully connected
layers), the kernels' input format.
"""
from __future__ import annotations

import math

import numpy as np

from accelsim.workload.graph import LayerInfo
from accelsim.workload.layers import Conv2d

MAGNITUDE = {"binary": 1, "ternary": 1, "int4": 8}


def weight_shape(info: LayerInfo) -> tuple[int, ...]:
    layer = info.layer
    if isinstance(layer, Conv2d):
        return (layer.out_channels, info.in_shapes[0][0] // layer.groups, *layer.kernel)
    return (info.out_shape[0], info.weight_params // info.out_shape[0])


def _nonzero_values(fmt: str, size: int, rng: np.random.Generator) -> np.ndarray:
    top = MAGNITUDE.get(fmt, 127)
    mags = rng.integers(1, top + 1, size, dtype=np.int16)
    signs = rng.choice(np.array([-1, 1], np.int16), size)
    vals = mags * signs
    if fmt == "int4":
        vals = np.clip(vals, -8, 7)
    return vals.astype(np.int8)


def sample_weights(info: LayerInfo, rng: np.random.Generator | int = 0) -> np.ndarray:
    """An int8 weight tensor of ``info``'s shape, format and sparsity (see the module doc)."""
    rng = np.random.default_rng(rng)
    shape = weight_shape(info)
    out, per_filter = shape[0], math.prod(shape[1:])
    comp = info.compression
    values = _nonzero_values(info.weight_format, out * per_filter, rng).reshape(out, per_filter)
    if comp.structure == "nm" and comp.nm is not None:
        n, m = comp.nm
        groups = per_filter // m
        keep = np.ones((out, per_filter), bool)
        ranks = rng.random((out, groups, m)).argsort(axis=2).argsort(axis=2)
        keep[:, :groups * m] = (ranks < n).reshape(out, groups * m)
    elif comp.sparsity > 0:
        keep = np.zeros(out * per_filter, bool)
        keep[rng.permutation(out * per_filter)[:info.nonzero_weights]] = True
        keep = keep.reshape(out, per_filter)
    else:
        keep = np.ones((out, per_filter), bool)
    values = np.where(keep, values, 0).astype(np.int8)
    if len(shape) == 4:  # the kernels' reduction order is (r, s, c): N:M groups run along it
        o, c, r, s = shape
        return np.ascontiguousarray(values.reshape(o, r, s, c).transpose(0, 3, 1, 2))
    return values
