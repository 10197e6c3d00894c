"""Memory traffic of one layer through a hierarchy of caches or scratchpads.

A level of capacity S bytes sees each operand once if all of a layer's
operands fit in the level inside it; otherwise the layer runs as a blocked
GEMM with three b x b tiles in the inner level (b = sqrt(S / 3) words), which
moves 2 * MACs / b words (the Hong & Kung 1981 I/O bound up to a constant),
never less than the compulsory traffic. Activations that fit in the last
on-chip level stay there between layers and never reach DRAM.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.hardware.schema import MemoryLevel


def blocked_traffic_bytes(ifmap_b: float, weights_b: float, ofmap_b: float, macs: float, bytes_per_elem: float,
                          inner_capacity_b: float | None) -> float:
    """Bytes read from a level into an inner level of ``inner_capacity_b`` (None: unlimited)."""
    compulsory = ifmap_b + weights_b + ofmap_b
    if inner_capacity_b is None or compulsory <= inner_capacity_b:
        return compulsory
    tile_words = max(1.0, math.sqrt(inner_capacity_b / bytes_per_elem / 3.0))
    return max(compulsory, 2.0 * macs * bytes_per_elem / tile_words)


@dataclass(frozen=True)
class LevelTraffic:
    level_bytes: dict[str, int]       # bytes each on-chip level serves
    memory_cycles: int                # slowest on-chip level, in unit cycles
    dram_read_bytes: int
    dram_write_bytes: int
    energy_pj: float                  # on-chip levels' access energy


def hierarchy_traffic(ifmap_b: float, weights_b: float, ofmap_b: float, macs: float, bytes_per_elem: float,
                      levels: list[MemoryLevel], register_bytes: float, active_cores: int,
                      clock_ghz: float) -> LevelTraffic:
    """Traffic, time and energy of one layer through ``levels`` (inner to outer) and DRAM.

    Level i serves what the level inside it (registers for the innermost)
    cannot hold; per-core levels tile with one core's share of capacity and
    give ``active_cores`` times their bandwidth.
    """
    served: dict[str, int] = {}
    cycles = 0.0
    energy = 0.0
    inner_cap = register_bytes
    for level in levels:
        traffic = blocked_traffic_bytes(ifmap_b, weights_b, ofmap_b, macs, bytes_per_elem, inner_cap)
        served[level.name] = int(math.ceil(traffic))
        if not level.unlimited:
            bw = level.bandwidth_gbps * (active_cores if level.per_core else 1)
            cycles = max(cycles, traffic / (bw / clock_ghz))
        energy += traffic * level.energy_pj_per_byte
        inner_cap = level.size_bytes
    if levels:
        last = levels[-1]
        cap = last.size_bytes if not last.per_core else (last.size_bytes or 0) * active_cores
        total = blocked_traffic_bytes(ifmap_b, weights_b, ofmap_b, macs, bytes_per_elem, cap)
        resident = cap is not None and ifmap_b + ofmap_b <= cap / 2  # activations stay on chip between layers
        writes = 0.0 if resident else ofmap_b
        reads = total - ofmap_b - (ifmap_b if resident else 0.0)
    else:
        reads, writes = ifmap_b + weights_b, ofmap_b
    return LevelTraffic(served, int(math.ceil(cycles)), int(math.ceil(reads)), int(math.ceil(writes)), energy)
