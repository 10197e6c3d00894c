"""Power over time: a unit's leakage and busy power, the SoC's always-on rails, DRAM background.

Energy of a layer (accelsim.sim.analytical.layer_result) is

- compute: the cost model's per-operation energy (MACs, instructions) plus the
  unit's ``busy_power_mw`` while it works (clock tree, pipeline control, cache
  activity a per-operation figure misses; per core for simd units): the whole
  layer on a CPU (its cores spin through thread-pool sync), the layer minus its
  fixed dispatch overhead on a GPU, DSP, VPU or NPU (it idles while the host
  launches the next kernel);
- on-chip memory: scratchpad / cache bytes x their energy per byte;
- DRAM: bytes read x read energy + bytes written x write energy of the DRAM's generation;
- static: the unit's leakage (``static_power_mw``) + the SoC's always-on power +
  DRAM background power, over the layer's time;
- host: while a GPU (or another non-CPU unit of the same SoC) runs an inference, the
  CPU cores the runtime's host side keeps busy (``host_cores_busy``: CUDA's default
  wait spins the calling thread) at the SoC CPU's busy power, over the whole run.
"""
from __future__ import annotations

from accelsim.hardware.schema import Profile, Unit


def active_cores(unit: Unit, threads: int | None = None) -> float:
    """Cores a layer keeps busy, weighted by their speed (little cores count less); 1 for non-simd units."""
    if unit.cost_model != "simd":
        return 1.0
    return float(sum(unit.thread_speeds(threads)))


def busy_power_mw(unit: Unit, threads: int | None = None) -> float:
    """Dynamic power of the unit while it runs, beyond its per-operation energies."""
    return unit.busy_power_mw * active_cores(unit, threads)


def busy_ns(unit: Unit, total_cycles: int, overhead_cycles: int) -> float:
    """Nanoseconds of a layer the unit spends busy (see the module docstring)."""
    cycles = total_cycles if unit.kind == "cpu" else total_cycles - overhead_cycles
    return cycles / unit.clock_ghz


def system_static_mw(profile: Profile) -> float:
    """Power drawn during any run whatever unit works: SoC always-on rails + DRAM background."""
    always_on = profile.power.soc_always_on_mw if profile.power is not None else 0.0
    return always_on + profile.dram.background_power_mw


def dram_energy_pj(profile: Profile, read_bytes: float, write_bytes: float) -> float:
    """Energy of moving bytes to and from DRAM at its generation's read and write energies."""
    return read_bytes * profile.dram.energy_pj_per_byte + write_bytes * profile.dram.write_pj_per_byte


def board_extra_mw(profile: Profile) -> float:
    """Board power (regulators, carrier, fan, idle parts) beyond what a run's SoC energy counts."""
    return profile.power.board_extra_mw if profile.power is not None else 0.0


def psu_efficiency(profile: Profile) -> float:
    return profile.power.psu_efficiency if profile.power is not None else 1.0


def default_host_cores(unit: Unit) -> float:
    """``host_cores_busy`` of the runtime a run on ``unit`` falls back on when it names none (tensorrt on
    NVIDIA GPUs and DLAs: 1; accelsim.runtime.run.default_runtime), so runs without a runtime charge the host
    cores the fitted busy-power factors were fitted with."""
    if unit.kind == "cpu":
        return 0.0
    from accelsim.runtime.loader import load_runtime     # lazy: accelsim.runtime.run imports the cost models
    from accelsim.runtime.run import default_runtime
    return load_runtime(default_runtime(unit)).host_cores_busy


def host_busy_mw(profile: Profile, unit: Unit, cores: float) -> float:
    """Busy power of ``cores`` of the SoC's CPU (its first, fastest core's share each) kept busy by the host
    side of a runtime while non-CPU ``unit`` runs; 0 for a CPU run or a chip with no CPU (a USB stick)."""
    if cores <= 0 or unit.kind == "cpu":
        return 0.0
    cpu = next((u for u in profile.units if u.kind == "cpu"), None)
    if cpu is None:
        return 0.0
    return busy_power_mw(cpu, 1) * cores
