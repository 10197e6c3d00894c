"""SIMT cost model: GPUs (Adreno, Mali, NVIDIA Maxwell to Ampere, with tensor cores where present).

A layer's outputs are split into thread blocks of ``outputs_per_block``
elements; ``cores x blocks_per_core`` blocks run at once, so a layer takes
``ceil(blocks / slots)`` waves and a partly filled last wave (or a layer too
small to fill the GPU) wastes the idle slots: occupancy = blocks / (waves x
slots). Dense and 1x1 convolutions and fully connected layers run at the
format's ``macs_per_cycle`` (the tensor-core rate where the format uses
them); depthwise and element-wise layers at ``vector_macs_per_cycle`` (the
ALU rate). Each layer pays ``layer_overhead_us`` of kernel launch.
"""
from __future__ import annotations

import math

from accelsim.cost.base import LayerCost
from accelsim.cost.opclass import op_class
from accelsim.cost.precision import precision_spec
from accelsim.cost.tiling import hierarchy_traffic
from accelsim.hardware.schema import MemoryLevel, SimtSpec, Unit
from accelsim.workload.graph import LayerInfo

MAC_CLASSES = ("conv", "pointwise", "fc")
REGISTER_TILE_BYTES = 64 * 1024  # estimate: register-file share holding one SM's accumulator and operand tiles


def occupancy(outputs: int, cores: int, simt: SimtSpec) -> float:
    """Share of the GPU's block slots busy over the layer's waves, in (0, 1]."""
    blocks = max(1, math.ceil(outputs / simt.outputs_per_block))
    slots = cores * simt.blocks_per_core
    waves = math.ceil(blocks / slots)
    return blocks / (waves * slots)


def cost_simt(info: LayerInfo, unit: Unit, *, memories: list[MemoryLevel] | tuple = (),
              threads: int | None = None) -> LayerCost:
    """Cycles, traffic and energy of ``info`` on SIMT ``unit`` (``threads`` is ignored)."""
    spec = precision_spec(unit, info.precision, info.name)
    cls = op_class(info)
    rate = spec.macs_per_cycle if cls in MAC_CLASSES else spec.vector_rate
    work = info.macs if info.macs > 0 else info.elem_ops
    eff = unit.efficiency.of(cls)
    occ = occupancy(info.ofmap_elems, unit.cores, unit.simt or SimtSpec())
    compute = math.ceil(work / (rate * eff * occ)) if work else 0
    bpe = info.bytes_per_elem
    mem = hierarchy_traffic(info.ifmap_elems * bpe, info.params * bpe, info.ofmap_elems * bpe, info.macs, bpe,
                            list(memories), REGISTER_TILE_BYTES, unit.cores, unit.clock_ghz)
    overhead = math.ceil(unit.layer_overhead_us * 1e3 * unit.clock_ghz)
    return LayerCost(name=info.name, op=info.op, unit=unit.name, precision=info.precision, macs=info.macs,
                     compute_cycles=compute, n_tiles=max(1, min(64, math.ceil(info.ofmap_elems / 4096))),
                     dram_read_bytes=mem.dram_read_bytes, dram_write_bytes=mem.dram_write_bytes,
                     sram_read_bytes=sum(mem.level_bytes.values()), sram_write_bytes=0,
                     compute_energy_pj=float(work * spec.energy_pj_per_mac), sram_energy_pj=mem.energy_pj,
                     peak_macs_per_cycle=rate * occ, op_class=cls, efficiency=eff, memory_cycles=mem.memory_cycles,
                     overhead_cycles=overhead, level_bytes=mem.level_bytes)
