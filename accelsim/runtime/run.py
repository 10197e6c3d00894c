"""A whole workload priced under a runtime: per-layer costs with fusion, placement and fitted factors."""
from __future__ import annotations

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
    if unit.kind not in rt.units:
        raise AccelsimError(f"runtime: {rt.name!r} drives {', '.join(rt.units)} units, not unit {unit.name!r} "
                            f"({unit.kind})")
    use = calibrated and prof.use_calibration and DEFAULT_OUT.is_file()
    factors = runtime_factors(DEFAULT_OUT) if use else {}
    return RuntimeContext(rt, cores, factors, str(DEFAULT_OUT) if use and factors else None)


def runtime_costs(wl: Workload, prof: Profile, unit: Unit, ctx: RuntimeContext, *, dataflow: str | None = None,
                  threads: int | None = None) -> list[LayerCost]:
    """Every layer of ``wl`` priced on ``unit`` as ``ctx.runtime`` runs it (fused layers cost nothing)."""
    fused = fused_layers(wl, ctx.runtime)
    out = []
    for info in wl:
        c = cost_layer(info, unit, dataflow=dataflow, profile=prof, threads=threads, runtime=ctx.runtime,
                       cores=ctx.cores, runtime_factors=ctx.factors)
        out.append(fused_cost(c) if info.name in fused else c)
    return out
