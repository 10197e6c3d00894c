"""Layers a runtime folds into the convolution (or fully connected layer) that feeds them."""
from __future__ import annotations

import dataclasses

from accelsim.cost.base import LayerCost
from accelsim.runtime.schema import Runtime
from accelsim.workload.graph import Workload

FUSE_INTO = ("conv", "dense", "fc", "gemm", "matmul")


def _fusable(info, runtime: Runtime) -> bool:
    op = info.op
    kind = getattr(info.layer, "kind", None)
    return op in runtime.fuse or (kind is not None and f"{op}:{kind}" in runtime.fuse)


def fused_layers(workload: Workload, runtime: Runtime | None) -> set[str]:
    """Names of the layers ``runtime`` fuses: a fusable op whose one input is a conv/fc (or a layer fused into one);
    with ``concat`` in ``fuse``, a concat all of whose inputs are such layers (they write into it in place)."""
    if runtime is None or not runtime.fuse:
        return set()
    fused: set[str] = set()
    anchors: set[str] = set()
    prev = next(iter(workload.inputs)) if workload.inputs else None
    for info in workload:
        srcs = tuple(info.layer.inputs) or ((prev,) if prev else ())
        if info.op in FUSE_INTO:
            anchors.add(info.name)
        elif _fusable(info, runtime) and len(srcs) >= 1 and srcs[0] in anchors and \
                (len(srcs) == 1 or info.op == "add"):
            fused.add(info.name)
            anchors.add(info.name)
        elif info.op == "concat" and "concat" in runtime.fuse and srcs and all(s in anchors for s in srcs):
            fused.add(info.name)     # concat elimination: each producer writes its slice of the output in place
            anchors.add(info.name)
        prev = info.name
    return fused


def fused_cost(cost: LayerCost) -> LayerCost:
    """A fused layer: its work happens inside the producer's kernel (no pass over memory, no dispatch)."""
    return dataclasses.replace(cost, compute_cycles=0, memory_cycles=0, overhead_cycles=0, dram_read_bytes=0,
                               dram_write_bytes=0, sram_read_bytes=0, level_bytes={}, compute_energy_pj=0.0,
                               sram_energy_pj=0.0, algorithm="fused")
