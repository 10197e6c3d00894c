"""Named power modes (Jetson nvpmodel presets, phone governors): a profile at other DVFS points.

A profile's units list the clocks of its default mode. Another mode sets some
units to other clocks; each unit's voltage there is read (linearly
interpolated) from its ``operating_points``. First-order CMOS:

- dynamic energy per operation ~ C V^2: MAC, instruction and scratchpad
  energies scale by (V / V0)^2; the busy power (C V^2 f) by (V / V0)^2 (f / f0);
- leakage power ~ V x I_leak, with I_leak rising with V through DIBL: scaled by
  (V / V0)^3 (estimate: a common first-order fit over a DVFS range).

Shared caches and DRAM keep their energies (other voltage rails).
"""
from __future__ import annotations

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile, Unit

LEAKAGE_VOLTAGE_EXPONENT = 3.0


def voltage_at(unit: Unit, clock_ghz: float) -> float | None:
    """Supply voltage of ``unit`` at ``clock_ghz`` from its operating points (None without points)."""
    ops = unit.operating_points
    if not ops:
        return None
    if clock_ghz <= ops[0].clock_ghz:
        return ops[0].voltage_v                       # below the lowest point the voltage stays at its floor
    for a, b in zip(ops, ops[1:]):
        if clock_ghz <= b.clock_ghz:
            t = (clock_ghz - a.clock_ghz) / (b.clock_ghz - a.clock_ghz)
            return a.voltage_v + t * (b.voltage_v - a.voltage_v)
    return ops[-1].voltage_v


def unit_at_clock(unit: Unit, clock_ghz: float) -> Unit:
    """``unit`` moved to another DVFS point: clock, clusters, energies and static power rescaled."""
    if clock_ghz == unit.clock_ghz:
        return unit
    v0, v1 = voltage_at(unit, unit.clock_ghz), voltage_at(unit, clock_ghz)
    if v0 is None or v1 is None:
        raise AccelsimError(f"unit {unit.name!r}: no operating_points to take a voltage at {clock_ghz} GHz from")
    dyn = (v1 / v0) ** 2
    ratio = clock_ghz / unit.clock_ghz
    precisions = {k: p.model_copy(update={"energy_pj_per_mac": None if p.energy_pj_per_mac is None
                                          else p.energy_pj_per_mac * dyn})
                  for k, p in unit.precisions.items()}
    update = {"clock_ghz": clock_ghz, "precisions": precisions,
              "busy_power_mw": unit.busy_power_mw * dyn * ratio,
              "static_power_mw": unit.static_power_mw * (v1 / v0) ** LEAKAGE_VOLTAGE_EXPONENT}
    if unit.instruction_energy is not None:
        ie = unit.instruction_energy
        update["instruction_energy"] = ie.model_copy(update={"issue_pj": ie.issue_pj * dyn,
                                                             "lane_pj": ie.lane_pj * dyn})
    if unit.sram is not None:
        update["sram"] = unit.sram.model_copy(update={"energy_pj_per_byte": unit.sram.energy_pj_per_byte * dyn})
    if unit.clusters:
        update["clusters"] = [c.model_copy(update={"clock_ghz": c.clock_ghz * ratio}) for c in unit.clusters]
    return unit.model_copy(update=update)


def apply_power_mode(profile: Profile, mode: str | None) -> tuple[Profile, str | None]:
    """``profile`` in power mode ``mode`` (None: the default mode) and the mode's name (None if it has none)."""
    power = profile.power
    if mode is None:
        return profile, power.default_power_mode if power is not None else None
    modes = sorted(power.power_modes) if power is not None else []
    if mode not in modes:
        raise AccelsimError(f"power mode: got {mode!r}; profile {profile.name} has "
                            f"{', '.join(modes) if modes else 'no power modes'}")
    clocks = power.power_modes[mode].clocks_ghz
    units = [unit_at_clock(u, clocks[u.name]) if u.name in clocks else u for u in profile.units]
    return profile.model_copy(update={"units": units}), mode
