"""Silicon-area proxy of a profile: its MAC units plus its on-chip SRAM, at 45 nm.

A design-space sweep needs a third axis besides latency and energy: what the
design costs in silicon. This proxy counts the PEs of every unit (array
rows x cols, or lanes) and the bytes of every on-chip SRAM (unit scratchpads
and the profile's on-chip memory levels; DRAM is off chip) and prices them at
45 nm, the node of the energy figures the profiles use:

- a PE is an int8 MAC with a 32-bit accumulator: an 8-bit multiplier
  (282 um^2) plus a 32-bit adder (137 um^2), Horowitz, ISSCC 2014, 45 nm
  area table; pipeline registers and wiring are not counted;
- an SRAM byte is 8 six-transistor cells of 0.346 um^2 (Intel's 45 nm
  153 Mb SRAM test chip, announced January 2006); array periphery is not
  counted.

Both are lower bounds of real area, so ``area_mm2`` ranks designs; it is not
a die-size estimate.
"""
from __future__ import annotations

from accelsim.hardware.schema import Profile

PE_UM2 = 282.0 + 137.0     # Horowitz 2014 (45 nm): 8-bit multiplier + 32-bit adder
SRAM_BIT_UM2 = 0.346       # Intel 45 nm 6T SRAM cell (153 Mb test chip, 2006)


def pe_count(profile: Profile) -> int:
    """PEs of all units (MAC-array rows x cols, or lanes)."""
    return sum(u.pe_count for u in profile.units)


def sram_bytes(profile: Profile) -> int:
    """On-chip SRAM bytes: unit scratchpads plus the sized on-chip memory levels."""
    pads = sum(u.sram.ifmap_bytes + u.sram.filter_bytes + u.sram.ofmap_bytes for u in profile.units if u.sram)
    return pads + sum(m.size_bytes for m in profile.memories if m.size_bytes)


def area_mm2(pes, sram_b):
    """Area proxy in mm^2 of ``pes`` PEs and ``sram_b`` SRAM bytes (scalars or NumPy arrays)."""
    return (pes * PE_UM2 + sram_b * 8 * SRAM_BIT_UM2) / 1e6
