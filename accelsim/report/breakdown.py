"""Per-layer latency and energy split into their parts, from a result and its profile.

Latency splits into compute, fixed overhead and memory-stall cycles (all in
the result). Energy splits into compute, on-chip memory, DRAM and static: a
result's ``*_energy_mj`` layer fields when it has them; for an older result
storing only the total, the parts priced by the profile's per-byte and static
figures are recomputed (DRAM bytes x DRAM pJ/B, scratchpad bytes x scratchpad
pJ/B, static power x latency) and the rest is the compute energy. The parts
always sum to the layer's energy.
"""
from __future__ import annotations

from dataclasses import dataclass

from accelsim.hardware.schema import Profile

ENERGY_PARTS = ("compute", "sram", "dram", "static")


@dataclass(frozen=True)
class LayerBreakdown:
    name: str
    op: str
    unit: str
    compute_ms: float
    stall_ms: float
    energy_mj: dict[str, float]     # ENERGY_PARTS -> mJ
    utilization: float
    overhead_ms: float = 0.0        # fixed per-layer cost (launch, sync, dispatch); stall_ms is memory only


def layer_breakdowns(result: dict, profile: Profile) -> list[LayerBreakdown]:
    """One breakdown per layer of ``result`` (a ``RunResult.to_dict()``)."""
    out = []
    units = {u.name: u for u in profile.units}
    for layer in result["layers"]:
        unit = units.get(layer["unit"])
        total_cyc = layer["total_cycles"]
        ms = layer["latency_ms"]
        compute_ms = ms * layer["compute_cycles"] / total_cyc if total_cyc else 0.0
        overhead_ms = ms * layer.get("overhead_cycles", 0) / total_cyc if total_cyc else 0.0
        stored = [layer.get(f"{p}_energy_mj") for p in ENERGY_PARTS]
        if all(v is not None for v in stored) and sum(stored) > 0:
            total = sum(stored)
            scale = layer["energy_mj"] / total
            parts = {p: v * scale for p, v in zip(ENERGY_PARTS, stored)}
            out.append(LayerBreakdown(layer["name"], layer.get("op_class") or layer["op"], layer["unit"], compute_ms,
                                      ms - compute_ms - overhead_ms, parts, layer["utilization"], overhead_ms))
            continue
        sram_pj_per_b = unit.sram.energy_pj_per_byte if unit is not None and unit.sram else 0.0
        static_mw = unit.static_power_mw if unit is not None else 0.0
        dram_mj = layer["dram_bytes"] * profile.dram.energy_pj_per_byte * 1e-9
        sram_mj = layer.get("sram_bytes", 0) * sram_pj_per_b * 1e-9
        static_mj = static_mw * ms * 1e-3   # mW * ms = uJ
        # The remainder is the compute energy; clip the rounding of the recomputed parts.
        compute_mj = max(0.0, layer["energy_mj"] - dram_mj - sram_mj - static_mj)
        scale = layer["energy_mj"] / (compute_mj + sram_mj + dram_mj + static_mj) if layer["energy_mj"] > 0 else 0.0
        parts = {"compute": compute_mj * scale, "sram": sram_mj * scale, "dram": dram_mj * scale,
                 "static": static_mj * scale}
        out.append(LayerBreakdown(layer["name"], layer.get("op_class") or layer["op"], layer["unit"], compute_ms,
                                  ms - compute_ms - overhead_ms, parts, layer["utilization"], overhead_ms))
    return out
