"""DRAM timing shared by the analytical and event fidelities."""
from __future__ import annotations

import math

from accelsim.hardware.schema import MemoryLevel


def bytes_per_cycle(dram: MemoryLevel, clock_ghz: float) -> float:
    """DRAM bytes per unit clock cycle; ``inf`` for unlimited bandwidth."""
    return math.inf if dram.unlimited else dram.bandwidth_gbps / clock_ghz


def latency_cycles(dram: MemoryLevel, clock_ghz: float) -> float:
    """DRAM access latency in unit cycles (zero for an ideal, unlimited memory)."""
    return 0.0 if dram.unlimited else dram.latency_ns * clock_ghz


def transfer_cycles(nbytes: float, dram: MemoryLevel, clock_ghz: float) -> float:
    """Cycles one transfer of ``nbytes`` takes on an otherwise idle DRAM."""
    if nbytes <= 0:
        return 0.0
    return latency_cycles(dram, clock_ghz) + nbytes / bytes_per_cycle(dram, clock_ghz)
