"""Quantization: per-layer weight and activation formats.

``quantize("int8")`` puts weights and activations of every layer in int8
(TFLite's full-integer quantization). Below 8 bits (int4, ternary, binary) the
first and last weighted layers keep the format they had, as XNOR-Net
(Rastegari 2016), DoReFa-Net (Zhou 2016) and TTQ (Zhu 2017) keep their first
and last layers at full precision; ``edges`` changes that (``"same"``
quantizes them too, a format name sets theirs). ``overrides`` fix the format
of named layers (glob patterns, first match wins).

A weighted layer computes in the wider of its weight and activation formats
(binary x binary is XNOR-popcount; binary weights x int8 activations are int8
additions); that becomes the layer's ``precision``, which the cost models price.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from typing import ClassVar

from accelsim.compress.base import Transform, rebuilt, weighted, with_compression
from accelsim.errors import AccelsimError
from accelsim.workload.compression import check_format, format_bits, wider_format
from accelsim.workload.graph import Workload

EDGE_CHOICES = ("keep", "same")


@dataclass(frozen=True)
class Quantize(Transform):
    name: ClassVar[str] = "quant"
    weights: str
    acts: str | None = None                       # None: same as weights
    edges: str | None = None                      # None: "keep" below 8 bits, else "same"
    overrides: tuple[tuple[str, str], ...] = ()   # (layer glob, format)

    def __post_init__(self):
        check_format(self.weights, "quant: weight format")
        if self.acts is not None:
            check_format(self.acts, "quant: activation format (a:)")
        if self.edges is not None and self.edges not in EDGE_CHOICES:
            check_format(self.edges, "quant: edges (keep, same or a format)")
        object.__setattr__(self, "overrides", tuple((str(p), str(f)) for p, f in self.overrides))
        for pat, fmt in self.overrides:
            check_format(fmt, f"quant: @{pat}")

    @property
    def act_format(self) -> str:
        return self.acts or self.weights

    @property
    def edge_rule(self) -> str:
        if self.edges is not None:
            return self.edges
        return "keep" if min(format_bits(self.weights), format_bits(self.act_format)) < 8 else "same"

    def rewrite(self, wl: Workload):
        names = [i.name for i in wl]
        for pat, _ in self.overrides:
            if not fnmatch.filter(names, pat):
                raise AccelsimError(f"@{pat}: matches no layer; layers are {', '.join(names[:12])}"
                                    + (", ..." if len(names) > 12 else ""))
        weighted_names = [i.name for i in wl if weighted(i)]
        edges = {weighted_names[0], weighted_names[-1]} if weighted_names else set()
        layers, changed = [], []
        for info, layer in zip(wl, wl.layers):
            override = next((f for p, f in self.overrides if fnmatch.fnmatchcase(info.name, p)), None)
            if override is not None:
                w = a = override
            elif info.name in edges and self.edge_rule != "same":
                if self.edge_rule == "keep":
                    layers.append(layer)
                    continue
                w = a = self.edge_rule
            else:
                w, a = self.weights, self.act_format
            if weighted(info):
                new = with_compression(layer, weight_format=w, act_format=a)
                compute = wider_format(w, a)
            else:
                new = with_compression(layer, act_format=a)
                compute = a
            new = replace(new, precision=compute)
            layers.append(new)
            if new != layer:
                changed.append(info.name)
        note = "" if self.edge_rule == "same" or not edges else \
            f"first/last weighted layers ({', '.join(sorted(edges))}): {self.edge_rule}"
        return rebuilt(wl, layers), changed, note

    def spec(self) -> str:
        parts = [f"quant={self.weights}"]
        if self.acts is not None:
            parts.append(f"a:{self.acts}")
        if self.edges is not None:
            parts.append(f"edges:{self.edges}")
        parts += [f"@{p}:{f}" for p, f in self.overrides]
        return ",".join(parts)


def quantize(weights: str, acts: str | None = None, *, edges: str | None = None,
             overrides: dict[str, str] | None = None) -> Quantize:
    """Weights (and activations, unless ``acts``) in ``weights``; see the module doc."""
    return Quantize(weights, acts, edges, tuple((overrides or {}).items()))
