"""A whole workload priced under a runtime: per-layer costs with fusion, placement and fitted factors."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from accelsim.cost import LayerCost, cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile, Unit
from accelsim.runtime.fusion import fused_cost, fused_layers
from accelsim.runtime.loader import load_runtime, runtime_factors
from accelsim.runtime.placement import CORES
from accelsim.runtime.schema import Runtime
from accelsim.workload.graph import Workload

# the runtime a unit gets when none is named (validate's fallback for an unknown framework)
DEFAULT_RUNTIME = {"cpu": "tflite", "gpu": "tflite-gpu", "dsp": "snpe", "npu": "paddle-lite", "vpu": "openvino",
                   "dla": "tensorrt"}


def default_runtime(unit: Unit) -> str:
    """tensorrt on NVIDIA GPUs, otherwise ``DEFAULT_RUNTIME`` by unit kind."""
    if unit.kind == "gpu" and "nvidia" in unit.group:
        return "tensorrt"
    return DEFAULT_RUNTIME[unit.kind]


@dataclass(frozen=True)
class RuntimeContext:
    runtime: Runtime | None
    cores: str | None
    factors: dict
    calibration: str | None


def runtime_context(prof: Profile, unit: Unit, runtime, cores: str | None, calibrated: bool) -> RuntimeContext:
    """Check ``runtime``/``cores`` against ``unit`` and find the fitted factors (calibration.yaml)."""
    from accelsim.calibration.calibrate import DEFAULT_OUT

    if cores is not None and cores not in CORES:
        raise AccelsimError(f"cores: got {cores!r}; allowed: {', '.join(CORES)}")
    if cores is not None and unit.kind != "cpu":
        raise AccelsimError(f"cores: got {cores!r}; only CPU units place threads on big/little cores, and unit "
                            f"{unit.name!r} is a {unit.kind}")
    rt = load_runtime(runtime if runtime is not None else default_runtime(unit))
    for r in (rt, pricing_runtime(rt)):
        if unit.kind not in r.units:
            raise AccelsimError(f"runtime: {r.name!r} drives {', '.join(r.units)} units, not unit {unit.name!r} "
                                f"({unit.kind})")
    use = calibrated and prof.use_calibration and DEFAULT_OUT.is_file()
    factors = runtime_factors(DEFAULT_OUT) if use else {}
    return RuntimeContext(rt, cores, factors, str(DEFAULT_OUT) if use and factors else None)


def pricing_runtime(rt: Runtime) -> Runtime:
    """The runtime whose rules price ``rt``'s layers: ``rt`` itself, or the one its ``relative_to`` names."""
    if rt.relative_to is None:
        return rt
    base = load_runtime(rt.relative_to.runtime)
    if base.relative_to is not None:
        raise AccelsimError(f"runtime {rt.name!r}: relative_to.runtime {base.name!r} is itself relative to "
                            f"{base.relative_to.runtime!r}; allowed: a runtime priced by its own rules")
    return base


def runtime_costs(wl: Workload, prof: Profile, unit: Unit, ctx: RuntimeContext, *, dataflow: str | None = None,
                  threads: int | None = None) -> list[LayerCost]:
    """Every layer of ``wl`` priced on ``unit`` as ``ctx.runtime`` runs it (fused layers cost nothing)."""
    priced_by = pricing_runtime(ctx.runtime)
    fused = fused_layers(wl, priced_by)
    out = []
    for info in wl:
        c = cost_layer(info, unit, dataflow=dataflow, profile=prof, threads=threads, runtime=priced_by,
                       cores=ctx.cores, runtime_factors=ctx.factors)
        out.append(fused_cost(c) if info.name in fused else c)
    if ctx.runtime.relative_to is not None:
        out = scaled_costs(out, ctx.runtime, unit.clock_ghz)
    return out


def scaled_costs(costs: list[LayerCost], rt: Runtime, clock_ghz: float) -> list[LayerCost]:
    """``costs`` (priced by ``rt.relative_to.runtime``) as ``rt`` runs them: compute, on-chip memory and
    per-layer overhead x ``time_factor`` (efficiency / ``time_factor``); ``call_overhead_ms`` once per
    inference, charged to the first layer's overhead. DRAM bytes stay: the same tensors move."""
    rel = rt.relative_to
    k = rel.time_factor
    out = [dataclasses.replace(c, compute_cycles=math.ceil(c.compute_cycles * k),
                               memory_cycles=math.ceil(c.memory_cycles * k),
                               overhead_cycles=math.ceil(c.overhead_cycles * k), efficiency=c.efficiency / k,
                               runtime=rt.name) for c in costs]
    if out:
        call = math.ceil(rel.call_overhead_ms * 1e6 * clock_ghz)   # ms -> cycles
        out[0] = dataclasses.replace(out[0], overhead_cycles=out[0].overhead_cycles + call)
    return out
