"""Which activations stay in a unit's scratchpad between layers: a per-network memory plan.

A tensor (a layer's output) lives from the step that produces it to the step
of its last consumer, across residual branches and concatenations (the
graph's edges, as ``Workload`` resolves them). Walking the layers in order,
the plan keeps a tensor on chip when it fits beside every tensor already kept
on chip at each step of its lifetime (the activation scratchpads, ifmap plus
ofmap, hold them); otherwise it spills it: the producer writes it to DRAM once
and every consumer reads it back. Graph inputs arrive from DRAM and tensors no
layer consumes (the network's outputs) are written to DRAM. A view (reshape,
flatten) is its input under another name: it shares its input's residency.

The plan depends on tensor sizes and the scratchpad only, so it is made
before the layers are priced: the cost model takes each layer's residency
(:func:`layer_residency`) and the mapper picks its mapping and loop order for
the traffic that is left (accelsim/map/traffic.py). The plan removes only
activation traffic: the input reads (with their refetches) of inputs kept on
chip, and the output writes with their partial sums of an output kept on chip
(the loop accumulates in the resident output, so partial sums that fit never
spill). Weights move as the mapping says. So a planned layer never moves more
than it does alone (the no-reuse count), and a network never moves less than
its weights once, its inputs once and its outputs once (the compulsory count).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from accelsim.hardware.schema import PRECISION_BITS
from accelsim.workload.graph import Workload


@dataclass(frozen=True)
class MemoryPlan:
    """Residency of every tensor (graph inputs and layer outputs) of one network on one unit."""

    budget_bytes: float
    resident: dict[str, bool] = field(default_factory=dict)   # tensor name -> kept on chip
    sources: list[tuple[str, ...]] = field(default_factory=list)  # per layer, the tensors it reads
    peak_bytes: float = 0.0                                   # most bytes kept on chip at one step

    @property
    def resident_tensors(self) -> list[str]:
        return [t for t, keep in self.resident.items() if keep]


def _sources(wl: Workload) -> list[tuple[str, ...]]:
    prev = next(iter(wl.inputs)) if wl.inputs else None
    out = []
    for info in wl:
        srcs = info.layer.inputs or ((prev,) if prev else ())
        out.append(tuple(srcs))
        prev = info.name
    return out


def plan_memory(wl: Workload, budget_bytes: float, formats: Iterable[str] | None = None) -> MemoryPlan:
    """Greedy first-fit over lifetimes: keep each output on chip if it fits at every step it lives.

    ``formats``: the formats a unit computes in; an activation format it lacks is sized at the narrowest
    wider one (a layer may run it unpacked, and the plan never counts on bytes it may not get).
    """
    formats = sorted(formats or (), key=lambda f: PRECISION_BITS[f])
    sources = _sources(wl)
    n = len(wl)
    alias: dict[str, str] = {name: name for name in wl.inputs}
    size: dict[str, float] = {}
    born: dict[str, int] = {}
    last: dict[str, int] = {name: -1 for name in wl.inputs}
    for i, info in enumerate(wl):
        is_view = bool(getattr(info.layer, "is_view", False)) and len(sources[i]) == 1
        alias[info.name] = alias[sources[i][0]] if is_view else info.name
        if not is_view:
            size[info.name] = info.ofmap_elems * _stored_bytes(info, formats)
            born[info.name] = i
            last[info.name] = i
        for s in sources[i]:
            root = alias[s]
            last[root] = max(last[root], i)
    used = [0.0] * n        # bytes kept on chip at each step
    resident: dict[str, bool] = {name: False for name in wl.inputs}
    for name in born:
        start, end = born[name], last[name]
        consumed = end > start
        fits = consumed and all(used[j] + size[name] <= budget_bytes for j in range(start, end + 1))
        resident[name] = fits
        if fits:
            for j in range(start, end + 1):
                used[j] += size[name]
    full = {name: resident[alias[name]] for name in alias}
    return MemoryPlan(budget_bytes, full, sources, max(used, default=0.0))


def _stored_bytes(info, formats: list[str]) -> float:
    """Bytes per element of a layer's output as the unit may keep it (see :func:`plan_memory`)."""
    if not formats or info.act_format in formats:
        return info.act_bytes_per_elem
    bits = info.act_bytes_per_elem * 8
    wider = [PRECISION_BITS[f] for f in formats if PRECISION_BITS[f] >= bits]
    return (min(wider) if wider else bits) / 8


def layer_residency(wl: Workload, plan: MemoryPlan) -> list[tuple[float, bool]]:
    """Per layer: (share of its input bytes kept on chip, its output kept on chip), what the cost model takes."""
    out = []
    for info, srcs in zip(wl, plan.sources):
        sizes = [math.prod(s) for s in info.in_shapes]
        total = sum(sizes) or 1
        kept = sum(n for n, name in zip(sizes, srcs) if plan.resident.get(name, False)) / total
        out.append((kept, plan.resident.get(info.name, False)))
    return out


def activation_budget_bytes(unit) -> float:
    """Scratchpad bytes a unit can keep activations in between layers: its ifmap and ofmap buffers."""
    sram = getattr(unit, "sram", None)
    return float(sram.ifmap_bytes + sram.ofmap_bytes) if sram is not None else 0.0


def residency_for_unit(wl: Workload, unit, mapping: str | None) -> list[tuple[float, bool]] | None:
    """The memory plan's per-layer residency where it applies (systolic units with scratchpads under auto
    mapping), else None: every layer reads its inputs from DRAM and writes its output there."""
    if unit.cost_model != "systolic" or unit.sram is None or (mapping or unit.mapping) != "auto":
        return None
    return layer_residency(wl, plan_memory(wl, activation_budget_bytes(unit), unit.precisions))
