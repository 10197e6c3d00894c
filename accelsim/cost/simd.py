"""SIMD cost model: CPU cores with NEON (SDOT), Hexagon HVX contexts, Myriad SHAVE processors.

A layer's work is split over ``threads`` cores (taken in the unit's cluster
order, each at its own clock; dynamic scheduling, so the rate is the sum of
the cores' rates). Per core and cycle a format reaches ``macs_per_cycle``
(dense and 1x1 conv, fully connected) or ``vector_macs_per_cycle``
(depthwise, element-wise), times the unit's efficiency for the op class.
Memory time is the slowest on-chip level's traffic over its bandwidth
(:mod:`accelsim.cost.tiling`); the analytical fidelity takes the larger of
compute, on-chip memory and DRAM time, then adds the per-layer overhead
(thread-pool fork/join, DSP op dispatch).
"""
from __future__ import annotations

import math

from accelsim.cost.base import LayerCost
from accelsim.cost.opclass import op_class
from accelsim.cost.precision import precision_spec
from accelsim.cost.tiling import hierarchy_traffic
from accelsim.hardware.schema import MemoryLevel, Unit
from accelsim.workload.graph import LayerInfo

VECTOR_REGISTERS = 32   # NEON (AArch64), HVX and SHAVE each have 32 vector registers
MAC_CLASSES = ("conv", "pointwise", "fc")


def cost_simd(info: LayerInfo, unit: Unit, *, memories: list[MemoryLevel] | tuple = (),
              threads: int | None = None) -> LayerCost:
    """Cycles (at ``unit.clock_ghz``), traffic and energy of ``info`` on SIMD ``unit``."""
    spec = precision_spec(unit, info.precision, info.name)
    cls = op_class(info)
    speeds = unit.thread_speeds(threads)
    rate = (spec.macs_per_cycle if cls in MAC_CLASSES else spec.vector_rate) * sum(speeds)
    work = info.macs if info.macs > 0 else info.elem_ops
    eff = unit.efficiency.of(cls)
    compute = math.ceil(work / (rate * eff)) if work else 0
    bpe = info.bytes_per_elem
    register_bytes = VECTOR_REGISTERS * unit.lanes * 4   # lanes: 32-bit lanes of one vector register
    mem = hierarchy_traffic(info.ifmap_elems * bpe, info.params * bpe, info.ofmap_elems * bpe, info.macs, bpe,
                            list(memories), register_bytes, len(speeds), unit.clock_ghz)
    overhead = math.ceil(unit.layer_overhead_us * 1e3 * unit.clock_ghz)
    served = sum(mem.level_bytes.values())
    return LayerCost(name=info.name, op=info.op, unit=unit.name, precision=info.precision, macs=info.macs,
                     compute_cycles=compute, n_tiles=max(1, min(64, math.ceil(info.ofmap_elems / 4096))),
                     dram_read_bytes=mem.dram_read_bytes, dram_write_bytes=mem.dram_write_bytes,
                     sram_read_bytes=served, sram_write_bytes=0,
                     compute_energy_pj=float(work * spec.energy_pj_per_mac), sram_energy_pj=mem.energy_pj,
                     peak_macs_per_cycle=rate, op_class=cls, efficiency=eff, memory_cycles=mem.memory_cycles,
                     overhead_cycles=overhead, threads=len(speeds), level_bytes=mem.level_bytes)
