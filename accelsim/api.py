"""``accelsim.simulate``: profile + workload -> RunResult."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from accelsim.compress import CompressionSummary, Transform, parse_spec, workload_figures
from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.sim import RunResult, run_analytical, run_event
from accelsim.sim.soc_result import SocRunResult
from accelsim.workload import Workload, load_workload

FIDELITIES = ("analytical", "event", "cycle")


def simulate(profile: str | Path | Profile | None = None, workload: str | Path | Workload | None = None, *,
             dataflow: str | None = None, fidelity: str = "analytical", unit: str | None = None,
             precision: str | None = None, threads: int | None = None, calibrated: bool = True,
             compress: str | Transform | None = None, seed: int = 0, weights: Mapping | None = None,
             objective: str = "latency", latency_bound_ms: float | None = None,
             timeline=None, runtime=None, cores: str | None = None) -> RunResult | SocRunResult:
    """Run ``workload`` on one unit of ``profile`` (names, paths or loaded objects).

    ``dataflow`` overrides a systolic unit's dataflow; ``precision`` sets the
    format of every layer that does not fix its own; ``threads`` is the thread
    count of a SIMD (CPU) unit. A profile loaded by name or path uses the
    fitted factors of ``calibration.yaml`` beside it unless ``calibrated`` is
    False (the result's ``calibration`` says which). ``compress`` (a
    ``--compress`` spec or an ``accelsim.compress`` transform) runs the
    workload before and after compression and returns the compressed run with
    a ``compression`` block (before/after figures). The cycle fidelity draws its
    random tensors from ``seed`` and uses ``weights`` (layer name -> int8 array, or
    the workload's own ``weights`` mapping if it has one) where given.
    ``unit="auto"`` partitions the layers over all units for ``objective``
    (``latency``, or ``energy`` within ``latency_bound_ms``) and returns a
    ``SocRunResult``; an event run fills ``timeline`` (an
    ``accelsim.sim.timeline.Timeline``) when one is given. ``runtime`` (a name
    in hw_profiles/runtimes/, a YAML path or an ``accelsim.runtime.Runtime``;
    None = the unit's cost model alone, as before) prices every layer as that
    software stack runs it (algorithm, formats, fusion, dispatch, thread
    placement on ``cores``: big, little or all), with the ``runtime_factors`` of
    calibration.yaml unless ``calibrated`` is False.
    """
    if fidelity not in FIDELITIES:
        raise AccelsimError(f"fidelity: got {fidelity!r}; allowed: {', '.join(FIDELITIES)}")
    if dataflow is not None and dataflow not in ("os", "ws", "is"):
        raise AccelsimError(f"dataflow: got {dataflow!r}; allowed: os, ws, is")
    pipeline = None
    if compress is not None:
        pipeline = compress if isinstance(compress, Transform) else parse_spec(compress)
    prof = load_profile(profile, calibrated=calibrated)
    wl = load_workload(workload)
    if precision is not None:
        wl = wl.with_precision(precision)
    if unit == "auto":
        if threads is not None:
            raise AccelsimError(f"threads: got {threads!r}; a thread count needs a named simd unit, not unit 'auto'")
        from accelsim.sim.soc_run import run_partitioned
        return run_partitioned(prof, wl, objective=objective, latency_bound_ms=latency_bound_ms, fidelity=fidelity,
                               dataflow=dataflow, timeline=timeline)
    u = prof.unit(unit)
    if threads is not None:
        if u.cost_model != "simd":
            raise AccelsimError(f"threads: got {threads!r}; only simd units (CPU, DSP, VPU cores) take a thread "
                                f"count, and unit {u.name!r} is {u.cost_model}")
        if not isinstance(threads, int) or not 1 <= threads <= u.core_count:
            raise AccelsimError(f"threads: got {threads!r}; unit {u.name!r} has {u.core_count} cores, "
                                f"allowed: 1..{u.core_count}")
    run = dict(dataflow=dataflow, fidelity=fidelity, threads=threads, seed=seed, weights=weights, timeline=timeline)
    if runtime is not None or cores is not None:
        from accelsim.runtime.run import runtime_context
        run["rt"] = runtime_context(prof, u, runtime, cores, calibrated)
    if pipeline is not None:
        return _simulate_compressed(prof, wl, u, pipeline, compress, **run)
    return _simulate_workload(prof, wl, u, **run)


def _simulate_workload(prof: Profile, wl: Workload, u, *, dataflow: str | None, fidelity: str,
                       threads: int | None, seed: int, weights: Mapping | None, timeline=None, rt=None) -> RunResult:
    if rt is None:
        costs = [cost_layer(info, u, dataflow=dataflow, profile=prof, threads=threads) for info in wl]
    else:
        from accelsim.runtime.run import runtime_costs
        costs = runtime_costs(wl, prof, u, rt, dataflow=dataflow, threads=threads)
    if fidelity == "cycle":
        from accelsim.sim.cycle import run_cycle  # imports Numba kernels: only when asked for
        layers = run_cycle(list(wl), costs, u, prof, dataflow=dataflow, seed=seed,
                           weights=weights if weights is not None else getattr(wl, "weights", None))
    elif fidelity == "analytical":
        layers = run_analytical(costs, u, prof)
    else:
        layers = run_event(costs, u, prof, timeline=timeline)
    used_dataflow = (dataflow or u.array.dataflow) if u.array else None
    used_threads = len(u.thread_speeds(threads)) if u.cost_model == "simd" else None
    if rt is not None and rt.runtime is not None and costs and costs[0].threads is not None:
        used_threads = costs[0].threads
    return RunResult(profile=prof.name, workload=wl.name, fidelity=fidelity, unit=u.name, dataflow=used_dataflow,
                     clock_ghz=u.clock_ghz, layers=layers, threads=used_threads,
                     calibration=rt.calibration if rt is not None and rt.runtime is not None else u.calibration,
                     runtime=rt.runtime.name if rt is not None and rt.runtime is not None else None)


def _simulate_compressed(prof: Profile, wl: Workload, u, pipeline, spec, **run) -> RunResult:
    """The compressed run, with the ``compression`` block comparing it to the uncompressed one."""
    small = pipeline.apply(wl)
    before = _simulate_workload(prof, wl, u, **run)
    after = _simulate_workload(prof, small, u, **run)
    summary = CompressionSummary(spec=spec if isinstance(spec, str) else pipeline.spec(),
                                 lineage=small.lineage[len(wl.lineage):],
                                 before=workload_figures(wl).with_run(before),
                                 after=workload_figures(small).with_run(after))
    return dataclasses.replace(after, compression=summary)
