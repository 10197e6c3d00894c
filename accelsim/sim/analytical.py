"""Analytical fidelity: per layer, the larger of compute and memory time (roofline)."""
from __future__ import annotations

import math

from accelsim.cost.base import LayerCost
from accelsim.cost.power import busy_ns, busy_power_mw, dram_energy_pj, system_static_mw
from accelsim.hardware.schema import Profile, Unit
from accelsim.sim.memory import transfer_cycles
from accelsim.sim.result import LayerResult


def layer_result(cost: LayerCost, unit: Unit, profile: Profile, total_cycles: int) -> LayerResult:
    """Assemble a LayerResult once the layer's total cycles are known (any fidelity).

    Cycles split into compute, fixed per-layer overhead and memory stall (the rest);
    energy into compute, on-chip memory, DRAM and static (accelsim/cost/power.py).
    """
    latency_ms = total_cycles / (unit.clock_ghz * 1e6)
    ns = latency_ms * 1e6                               # mW * ns = pJ
    overhead = max(0, min(cost.overhead_cycles, total_cycles - cost.compute_cycles))
    stall = max(0, total_cycles - cost.compute_cycles - overhead)
    compute_pj = cost.compute_energy_pj + busy_power_mw(unit, cost.threads) * busy_ns(unit, total_cycles, overhead)
    dram_pj = dram_energy_pj(profile, cost.dram_read_bytes, cost.dram_write_bytes)
    static_pj = (unit.static_power_mw + system_static_mw(profile)) * ns
    energy_pj = compute_pj + cost.sram_energy_pj + dram_pj + static_pj
    done = cost.macs if cost.effective_macs is None else cost.effective_macs  # MACs executed (zero skipping)
    util = done / (total_cycles * cost.peak_macs_per_cycle) if total_cycles else 0.0
    bound = "compute" if cost.compute_cycles >= max(stall, overhead) else ("memory" if stall >= overhead
                                                                            else "overhead")
    return LayerResult(name=cost.name, op=cost.op, unit=cost.unit, precision=cost.precision, macs=cost.macs,
                       compute_cycles=cost.compute_cycles, stall_cycles=stall,
                       total_cycles=total_cycles, latency_ms=latency_ms, energy_mj=energy_pj * 1e-9,
                       dram_bytes=cost.dram_bytes, dram_read_bytes=cost.dram_read_bytes,
                       dram_write_bytes=cost.dram_write_bytes,
                       sram_bytes=cost.sram_read_bytes + cost.sram_write_bytes, utilization=util,
                       op_class=cost.op_class, overhead_cycles=overhead, bound=bound, compute_energy_mj=compute_pj * 1e-9,
                       sram_energy_mj=cost.sram_energy_pj * 1e-9, dram_energy_mj=dram_pj * 1e-9,
                       static_energy_mj=static_pj * 1e-9, mapping=cost.mapping, emulated=cost.emulated,
                       algorithm=cost.algorithm)


def analytical_cycles(cost: LayerCost, unit: Unit, profile: Profile) -> int:
    """max(compute, on-chip memory, DRAM transfer time) + fixed overhead: memory and compute overlap perfectly."""
    memory = transfer_cycles(cost.dram_bytes, profile.dram, unit.clock_ghz)
    return max(cost.compute_cycles, cost.memory_cycles, math.ceil(memory)) + cost.overhead_cycles


def run_analytical(costs: list[LayerCost], unit: Unit, profile: Profile) -> list[LayerResult]:
    return [layer_result(c, unit, profile, analytical_cycles(c, unit, profile)) for c in costs]
