"""HashedNets (Chen et al., ICML 2015): weights shared through K hash buckets.

Each virtual weight ``w[i, j]`` is ``xi(i, j) * bucket[h(i, j)]``: only the K
bucket values are stored and moved, so storage and DRAM traffic shrink by
``K / weights``; every MAC still happens, so compute does not; and the
hardware must compute ``h`` and ``xi`` for each weight it feeds the MAC
units. ``ratio`` gives K per layer as a fraction of its weights (HashedNets'
"compression factor" is 1 / ratio); ``buckets`` gives K directly (a layer with
fewer weights than that is left alone).

Reconstruction cost: ``ops`` element operations per virtual weight read. The
default 6 is an estimate for a multiplicative hash ``((a*i + b*j) mod 2^32)
>> s`` (two multiplies, an add, a shift) for the bucket plus one more
multiply-shift for the sign ``xi``; the paper used xxHash, which costs more.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.compress.base import (Transform, as_patterns, fmt_number, layers_spec, rebuilt, select_layers,
                                    weighted, with_compression)
from accelsim.errors import AccelsimError
from accelsim.workload.graph import Workload

DEFAULT_HASH_OPS = 6


@dataclass(frozen=True)
class HashWeights(Transform):
    name: ClassVar[str] = "hash"
    ratio: float | None = None
    buckets: int | None = None
    ops: int = DEFAULT_HASH_OPS
    layers: tuple[str, ...] | None = None

    def __post_init__(self):
        if (self.ratio is None) == (self.buckets is None):
            raise AccelsimError("hash: give exactly one of a bucket ratio (hash=0.125) or buckets:K")
        if self.ratio is not None and not (isinstance(self.ratio, (int, float)) and 0.0 < self.ratio < 1.0):
            raise AccelsimError(f"hash: ratio: got {self.ratio!r}; must be a fraction in (0, 1)")
        if self.buckets is not None and (not isinstance(self.buckets, int) or self.buckets < 1):
            raise AccelsimError(f"hash: buckets: got {self.buckets!r}; must be an integer >= 1")
        if not isinstance(self.ops, int) or self.ops < 0:
            raise AccelsimError(f"hash: ops: got {self.ops!r}; must be an integer >= 0")

    def rewrite(self, wl: Workload):
        chosen = {i.name for i in select_layers(wl, self.layers, weighted)}
        layers, changed = [], []
        for info, layer in zip(wl, wl.layers):
            n = info.weight_params
            k = math.ceil(self.ratio * n) if self.ratio is not None else self.buckets
            if info.name not in chosen or k >= n:
                layers.append(layer)
                continue
            layers.append(with_compression(layer, hash_buckets=k, hash_ops_per_weight=self.ops))
            changed.append(info.name)
        if chosen and not changed:
            raise AccelsimError(f"buckets: got {self.buckets}; not fewer than the weights of any selected layer")
        return rebuilt(wl, layers), changed, ""

    def spec(self) -> str:
        head = f"hash={fmt_number(self.ratio)}" if self.ratio is not None else f"hash=buckets:{self.buckets}"
        ops = f",ops:{self.ops}" if self.ops != DEFAULT_HASH_OPS else ""
        return head + ops + layers_spec(self.layers)


def hash_weights(ratio: float | None = None, *, buckets: int | None = None, ops: int = DEFAULT_HASH_OPS,
                 layers: str | list[str] | None = None) -> HashWeights:
    """HashedNets with ``ratio`` (buckets per weight) or ``buckets`` per layer; see the module doc."""
    return HashWeights(ratio=ratio, buckets=buckets, ops=ops, layers=as_patterns(layers))
