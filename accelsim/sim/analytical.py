"""Analytical fidelity: per layer, the larger of compute and memory time (roofline)."""
from __future__ import annotations

import math

from accelsim.cost.base import LayerCost
from accelsim.hardware.schema import Profile, Unit
from accelsim.sim.memory import transfer_cycles
from accelsim.sim.result import LayerResult


def layer_result(cost: LayerCost, unit: Unit, profile: Profile, total_cycles: int) -> LayerResult:
    """Assemble a LayerResult once the layer's total cycles are known (any fidelity)."""
    latency_ms = total_cycles / (unit.clock_ghz * 1e6)
    energy_pj = (cost.compute_energy_pj + cost.sram_energy_pj + cost.dram_bytes * profile.dram.energy_pj_per_byte
                 + unit.static_power_mw * latency_ms * 1e6)  # mW * ms = uJ = 1e6 pJ
    util = cost.macs / (total_cycles * cost.peak_macs_per_cycle) if total_cycles else 0.0
    return LayerResult(name=cost.name, op=cost.op, unit=cost.unit, precision=cost.precision, macs=cost.macs,
                       compute_cycles=cost.compute_cycles, stall_cycles=total_cycles - cost.compute_cycles,
                       total_cycles=total_cycles, latency_ms=latency_ms, energy_mj=energy_pj * 1e-9,
                       dram_bytes=cost.dram_bytes, dram_read_bytes=cost.dram_read_bytes,
                       dram_write_bytes=cost.dram_write_bytes,
                       sram_bytes=cost.sram_read_bytes + cost.sram_write_bytes, utilization=util,
                       algorithm=cost.algorithm)


def analytical_cycles(cost: LayerCost, unit: Unit, profile: Profile) -> int:
    """max(compute, on-chip memory, DRAM transfer time) + fixed overhead: memory and compute overlap perfectly."""
    memory = transfer_cycles(cost.dram_bytes, profile.dram, unit.clock_ghz)
    return max(cost.compute_cycles, cost.memory_cycles, math.ceil(memory)) + cost.overhead_cycles


def run_analytical(costs: list[LayerCost], unit: Unit, profile: Profile) -> list[LayerResult]:
    return [layer_result(c, unit, profile, analytical_cycles(c, unit, profile)) for c in costs]
