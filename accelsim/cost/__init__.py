"""Analytical cost models, one per unit kind, behind one dispatcher."""
from __future__ import annotations

import dataclasses
from typing import Callable

from accelsim.cost.base import LayerCost
from accelsim.cost.compression import dense_stored, energy_then_time
from accelsim.cost.simd import cost_simd
from accelsim.cost.simt import cost_simt
from accelsim.cost.systolic_unit import cost_systolic, resolve_mapping
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile, Unit
from accelsim.workload.graph import LayerInfo

COST_MODELS: dict[str, Callable[..., LayerCost]] = {"systolic": cost_systolic, "simd": cost_simd,
                                                    "simt": cost_simt}


def cost_layer(info: LayerInfo, unit: Unit, *, dataflow: str | None = None, profile: Profile | None = None,
               threads: int | None = None, mapping: str | None = None,
               residency: tuple[float, bool] | None = None, runtime=None, cores: str | None = None,
               runtime_factors: dict | None = None) -> LayerCost:
    """Price one layer on one unit with the unit's cost model.

    ``profile`` supplies the unit's on-chip memory levels (simd, simt) and the
    DRAM rate the systolic auto mapper weighs; ``threads`` the thread count of
    a simd unit; ``mapping`` a systolic unit's array mapping ('auto' or
    'scalesim'; default: the unit's); ``residency`` the memory plan's (share of
    the layer's input bytes kept on chip, output kept on chip) under auto mapping.
    ``runtime`` (a name, path or ``accelsim.runtime.Runtime``; None = the unit's
    cost model alone) re-prices the layer as that software stack runs it, on
    ``cores`` (big, little, all) of a CPU, with ``runtime_factors`` fitted by
    ``accelsim calibrate``.
    """
    if runtime is not None:
        from accelsim.runtime import load_runtime
        from accelsim.runtime.cost import cost_with_runtime
        rt = load_runtime(runtime)
        memories = profile.unit_memories(unit) if profile is not None else []
        base = cost_layer(info, unit, dataflow=dataflow, profile=profile, mapping=mapping, residency=residency,
                          threads=min(threads, unit.core_count) if threads and unit.cost_model == "simd" else None)
        return cost_with_runtime(info, unit, rt, base, memories=memories, threads=threads, cores=cores,
                                 factors=runtime_factors, profile=profile)
    model = COST_MODELS.get(unit.cost_model)
    if model is None:
        raise AccelsimError(f"unit {unit.name!r}: cost_model {unit.cost_model!r} is not implemented; "
                            f"available: {', '.join(COST_MODELS)}")
    memories = profile.unit_memories(unit) if profile is not None else []

    def price(i: LayerInfo) -> LayerCost:
        if unit.cost_model == "systolic":
            bw = profile.dram.bandwidth_gbps if profile is not None and not profile.dram.unlimited else None
            return model(i, unit, dataflow, mapping=mapping, dram_bytes_per_cycle=bw / unit.clock_ghz if bw else None,
                         residency=residency,
                         dram_pj_per_byte=profile.dram.energy_pj_per_byte if profile is not None else None)
        return model(i, unit, memories=memories, threads=threads)

    # sparse weights: stored compressed (decoded on the unit) or dense, whichever costs less (cost/compression.py);
    # SCALE-Sim's mapping moves them as stored
    scalesim = unit.cost_model == "systolic" and resolve_mapping(unit, mapping) != "auto"
    dense = None if scalesim else dense_stored(info)
    if dense is None:
        return price(info)
    options = [price(info), price(dense)]
    best = min(options, key=lambda c: energy_then_time(c, unit, profile))
    if best is options[0] or best.mapping is None:
        return best
    return dataclasses.replace(best, mapping=dict(best.mapping, weights_stored="dense"))


__all__ = ["COST_MODELS", "LayerCost", "cost_layer"]
