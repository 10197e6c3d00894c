"""Analytical cost models, one per unit kind, behind one dispatcher."""
from __future__ import annotations

from typing import Callable

from accelsim.cost.base import LayerCost
from accelsim.cost.simd import cost_simd
from accelsim.cost.simt import cost_simt
from accelsim.cost.systolic_unit import cost_systolic
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
    if unit.cost_model == "systolic":
        bw = profile.dram.bandwidth_gbps if profile is not None and not profile.dram.unlimited else None
        return model(info, unit, dataflow, mapping=mapping,
                     dram_bytes_per_cycle=bw / unit.clock_ghz if bw else None, residency=residency,
                     dram_pj_per_byte=profile.dram.energy_pj_per_byte if profile is not None else None)
    memories = profile.unit_memories(unit) if profile is not None else []
    return model(info, unit, memories=memories, threads=threads)


__all__ = ["COST_MODELS", "LayerCost", "cost_layer"]
