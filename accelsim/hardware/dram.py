"""DRAM energy by generation: read/write energy per bit including I/O, and background power.

A profile's ``dram`` names its ``generation`` (``lpddr4x``, ...); the figures
below then fill ``energy_pj_per_byte`` (read), ``write_energy_pj_per_byte``
and ``background_power_mw`` unless the profile gives its own.

Energy per bit (DRAM core + interface, both ends of the I/O, at high bus
utilization) -- estimates anchored on published figures:

- DDR4 ~15 pJ/bit read: O'Connor et al., "Fine-grained DRAM", MICRO 2017
  (DDR4-class ~15 pJ/bit beside GDDR5 14 and HBM2 3.9 pJ/bit); Micron DDR4
  system-power calculator (TN-40-07) gives 12-20 pJ/bit for reads with ODT.
- LPDDR3 ~8 pJ/bit: Malladi et al., "Towards energy-proportional datacenter
  memory with mobile DRAM", ISCA 2012 (LPDDR2/3 I/O without termination,
  ~2-3x below DDR3 per bit); Ghose et al., SIGMETRICS 2018 (measured DDR3L
  read energies of the same order once I/O is counted).
- LPDDR4 = 0.6 x LPDDR3: Samsung's 8 Gb LPDDR4 announcement (Dec 2014):
  "40% less energy" than LPDDR3 at 1.1 V.
- LPDDR4X = 0.82 x LPDDR4: Samsung LPDDR4X (2017): VDDQ 1.1 -> 0.6 V cuts
  memory power by ~18%.
- LPDDR5 = 0.8 x LPDDR4X: Samsung LPDDR5 announcement (Jul 2018): up to 30%
  lower power than LPDDR4X (the conservative 20% is used).
- LPDDR2 = 1.25 x LPDDR3 (estimate: 1.2 V core, no data-bus inversion).

Writes cost ~10% more than reads (estimate: write drivers and ODT on the SoC
side; Micron power calculators show write I/O power ~1.1x read).

Background (active standby + refresh, DRAM and the SoC's PHY), per 16-bit
channel while a run keeps the memory awake -- estimates from IDD3N-class
datasheet currents (LPDDR4 ~20-30 mA at 1.1 V per die, PHY about as much):
LPDDR2 50, LPDDR3 45, LPDDR4 40, LPDDR4X 35, LPDDR5 30, DDR4 (x16 of two x8
devices, 1.2 V) 100 mW. Idle (self-refresh) power is part of a board's
measured idle power and not modelled separately here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class DramGeneration:
    name: str
    read_pj_per_bit: float
    write_pj_per_bit: float
    background_mw_per_x16: float     # active standby + refresh, DRAM + PHY, per 16-bit channel
    data_rate_mtps: float            # a typical transfer rate, to count channels from bandwidth
    self_refresh_mw_per_x16: float   # idle, for reference (board idle figures include it)

    @property
    def read_pj_per_byte(self) -> float:
        return self.read_pj_per_bit * 8

    @property
    def write_pj_per_byte(self) -> float:
        return self.write_pj_per_bit * 8


_LPDDR3 = 8.0
_LPDDR4 = _LPDDR3 * 0.6
_LPDDR4X = _LPDDR4 * 0.82
_LPDDR5 = _LPDDR4X * 0.8
_WRITE = 1.1

GENERATIONS: dict[str, DramGeneration] = {
    g.name: g for g in (
        DramGeneration("lpddr2", _LPDDR3 * 1.25, _LPDDR3 * 1.25 * _WRITE, 50.0, 1066, 1.0),
        DramGeneration("lpddr3", _LPDDR3, _LPDDR3 * _WRITE, 45.0, 1866, 1.0),
        DramGeneration("lpddr4", _LPDDR4, _LPDDR4 * _WRITE, 40.0, 3200, 1.5),
        DramGeneration("lpddr4x", _LPDDR4X, _LPDDR4X * _WRITE, 35.0, 4266, 1.2),
        DramGeneration("lpddr5", _LPDDR5, _LPDDR5 * _WRITE, 30.0, 6400, 1.0),
        DramGeneration("ddr4", 15.0, 15.0 * _WRITE, 100.0, 2400, 10.0),
    )
}
GENERATION_NAMES = tuple(GENERATIONS)


def channels_x16(bandwidth_gbps: float | None, generation: DramGeneration) -> int:
    """16-bit channels needed for ``bandwidth_gbps`` at the generation's typical rate (at least one)."""
    if bandwidth_gbps is None or math.isinf(bandwidth_gbps):
        return 1
    per_channel = generation.data_rate_mtps * 2 / 1000     # GB/s of one 16-bit channel
    return max(1, round(bandwidth_gbps / per_channel))


def fill_dram(dram: dict) -> dict:
    """Fill read/write energy and background power of a raw ``dram`` mapping from its ``generation``."""
    gen = GENERATIONS.get(dram.get("generation")) if isinstance(dram.get("generation"), str) else None
    if gen is None:
        return dram
    out = dict(dram)
    if out.get("energy_pj_per_byte") is None:
        out["energy_pj_per_byte"] = round(gen.read_pj_per_byte, 4)
    if out.get("write_energy_pj_per_byte") is None:
        out["write_energy_pj_per_byte"] = round(gen.write_pj_per_byte, 4)
    if out.get("background_power_mw") is None:
        bw = out.get("bandwidth_gbps")
        # a bandwidth the schema will refuse (bool, inf, nan, out of range) counts as none here
        bw = bw if isinstance(bw, (int, float)) and not isinstance(bw, bool) and 0 < bw < 1e7 else None
        out["background_power_mw"] = round(gen.background_mw_per_x16 * channels_x16(bw, gen), 3)
    return out
