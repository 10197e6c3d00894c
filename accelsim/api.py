"""``accelsim.simulate``: profile + workload -> RunResult."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from accelsim.argcheck import check_simulate_args
from accelsim.compress import CompressionSummary, Transform, parse_spec, workload_figures
from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.cost.power import board_extra_mw, default_host_cores, host_busy_mw
from accelsim.hardware import Profile, load_profile
from accelsim.provenance import run_inputs
from accelsim.hardware.power_mode import apply_power_mode
from accelsim.map import MAPPINGS
from accelsim.map.memory_plan import residency_for_unit
from accelsim.sim import RunResult, run_analytical, run_event
from accelsim.sim.host_link import host_transfer, resolve_link
from accelsim.sim.soc_result import SocRunResult
from accelsim.workload import Workload, load_workload

FIDELITIES = ("analytical", "event", "cycle")


def simulate(profile: str | Path | Profile | None = None, workload: str | Path | Workload | None = None, *,
             dataflow: str | None = None, fidelity: str = "analytical", unit: str | None = None,
             precision: str | None = None, threads: int | None = None, calibrated: bool = True,
             compress: str | Transform | None = None, seed: int = 0, weights: Mapping | None = None,
             objective: str = "latency", latency_bound_ms: float | None = None,
             timeline=None, power_mode: str | None = None, mapping: str | None = None, runtime=None,
             cores: str | None = None, host_link: str | None = None) -> RunResult | SocRunResult:
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
    ``accelsim.sim.timeline.Timeline``) when one is given. ``power_mode`` runs the
    chip in one of its profile's named power modes (DVFS points; None: the
    default mode, whose clocks the profile lists). ``mapping`` sets how
    systolic units map layers onto their arrays: ``auto`` (the fastest legal
    mapping, accelsim/map) or ``scalesim`` (SCALE-Sim v3's, cycle-exact);
    default: each unit's own (``auto`` for profile units, ``scalesim`` for .cfg files).
    ``accelsim.sim.timeline.Timeline``) when one is given. ``runtime`` (a name
    in hw_profiles/runtimes/, a YAML path or an ``accelsim.runtime.Runtime``;
    None = the unit's cost model alone, as before) prices every layer as that
    software stack runs it (algorithm, formats, fusion, dispatch, thread
    placement on ``cores``: big, little or all), with the ``runtime_factors`` of
    calibration.yaml unless ``calibrated`` is False. ``host_link`` (a link of the profile's ``host_link``,
    ``default`` for the profile's default link, or None / ``none``: the chip alone) adds the upload of the
    inputs and the download of the outputs over that bus, and the chip's power while it waits, to a run of
    a chip a host reaches over a bus (a USB stick; accelsim/sim/host_link.py).
    """
    check_simulate_args(profile, workload, unit=unit, precision=precision, threads=threads, calibrated=calibrated,
                        seed=seed, weights=weights, objective=objective, latency_bound_ms=latency_bound_ms)
    if fidelity not in FIDELITIES:
        raise AccelsimError(f"fidelity: got {fidelity!r}; allowed: {', '.join(FIDELITIES)}")
    if dataflow is not None and dataflow not in ("os", "ws", "is"):
        raise AccelsimError(f"dataflow: got {dataflow!r}; allowed: os, ws, is")
    if mapping is not None and mapping not in MAPPINGS:
        raise AccelsimError(f"mapping: got {mapping!r}; allowed: {', '.join(MAPPINGS)}")
    if mapping == "auto" and fidelity == "cycle":
        raise AccelsimError("mapping: 'auto' is not available with fidelity 'cycle' (the kernels' PE array runs "
                            "SCALE-Sim's folds); use mapping 'scalesim' or the analytical / event fidelity")
    pipeline = None
    if compress is not None:
        pipeline = compress if isinstance(compress, Transform) else parse_spec(compress)
    # under a runtime, calibration.yaml's runtime_factors act on the spec efficiencies (as `accelsim validate`
    # prices a row): the per-unit factors of the same file would count the calibration twice
    priced_by_runtime = (runtime is not None or cores is not None) and unit != "auto"
    prof, mode = apply_power_mode(load_profile(profile, calibrated=calibrated, unit_factors=not priced_by_runtime),
                                  power_mode)
    wl = load_workload(workload)
    if precision is not None:
        wl = wl.with_precision(precision)
    if dataflow is not None:
        _check_dataflow_applies(prof, unit, dataflow)
    inputs = run_inputs(profile, prof, workload, wl, calibrated, dataflow=dataflow, fidelity=fidelity, unit=unit,
                        precision=precision, threads=threads,
                        compress=compress if compress is None or isinstance(compress, str) else pipeline.spec(),
                        seed=seed, objective=objective, latency_bound_ms=latency_bound_ms, power_mode=power_mode,
                        mapping=mapping, cores=cores,
                        runtime=runtime if runtime is None or isinstance(runtime, str)
                        else getattr(runtime, "name", None),
                        **({"host_link": host_link} if host_link is not None else {}))
    resolve_link(prof, host_link)   # an unknown link is refused before anything runs
    if unit == "auto":
        if threads is not None:
            raise AccelsimError(f"threads: got {threads!r}; a thread count needs a named simd unit, not unit 'auto'")
        if runtime is not None or cores is not None:
            raise AccelsimError("runtime / cores: a runtime prices the layers of one named unit; unit 'auto' "
                                "partitions with the units' own cost models (give --unit NAME)")
        if resolve_link(prof, host_link) is not None:
            raise AccelsimError(f"host_link: got {host_link!r}; a host link is priced for one named unit, not unit "
                                f"'auto' (give --unit NAME, or host link none)")
        from accelsim.sim.soc_run import run_partitioned
        result = run_partitioned(prof, wl, objective=objective, latency_bound_ms=latency_bound_ms,
                                 fidelity=fidelity, dataflow=dataflow, timeline=timeline, mapping=mapping)
        return dataclasses.replace(result, power_mode=mode, board_extra_mw=board_extra_mw(prof), inputs=inputs)
    u = prof.unit(unit)
    if threads is not None:
        if u.cost_model != "simd":
            raise AccelsimError(f"threads: got {threads!r}; only simd units (CPU, DSP, VPU cores) take a thread "
                                f"count, and unit {u.name!r} is {u.cost_model}")
        if not isinstance(threads, int) or not 1 <= threads <= u.core_count:
            raise AccelsimError(f"threads: got {threads!r}; unit {u.name!r} has {u.core_count} cores, "
                                f"allowed: 1..{u.core_count}")
    run = dict(dataflow=dataflow, fidelity=fidelity, threads=threads, seed=seed, weights=weights, timeline=timeline,
               mapping=mapping, host_link=host_link)
    if runtime is not None or cores is not None:
        from accelsim.runtime.run import runtime_context
        run["rt"] = runtime_context(prof, u, runtime, cores, calibrated)
    if pipeline is not None:
        result = _simulate_compressed(prof, wl, u, pipeline, compress, **run)
    else:
        result = _simulate_workload(prof, wl, u, **run)
    return dataclasses.replace(result, power_mode=mode, board_extra_mw=board_extra_mw(prof), inputs=inputs)


def _check_dataflow_applies(prof: Profile, unit: str | None, dataflow: str) -> None:
    """A dataflow is a systolic array's: refuse it for a unit without one (or a partition with none)."""
    units = prof.units if unit == "auto" else [prof.unit(unit)]
    if not any(u.cost_model == "systolic" and u.array is not None for u in units):
        what = (f"profile {prof.name!r} has no systolic unit" if unit == "auto" else
                f"unit {units[0].name!r} of {prof.name!r} is a {units[0].kind} ({units[0].cost_model}) unit")
        raise AccelsimError(f"dataflow: got {dataflow!r}; a dataflow applies to systolic arrays (NPUs), "
                            f"and {what}")


def _simulate_workload(prof: Profile, wl: Workload, u, *, dataflow: str | None, fidelity: str,
                       threads: int | None, seed: int, weights: Mapping | None, timeline=None,
                       mapping: str | None = None, rt=None, host_link: str | None = None) -> RunResult:
    if fidelity == "cycle":
        mapping = "scalesim"  # the kernels' PE array runs SCALE-Sim's folds (accelsim/kernels/cycles.py)
    if rt is None:
        kept = residency_for_unit(wl, u, mapping) or [None] * len(wl)  # activations on chip (auto mapping, map/)
        costs = [cost_layer(info, u, dataflow=dataflow, profile=prof, threads=threads, mapping=mapping, residency=r)
                 for info, r in zip(wl, kept)]
    else:
        from accelsim.runtime.run import runtime_costs
        costs = runtime_costs(wl, prof, u, rt, dataflow=dataflow, threads=threads)
    if fidelity == "cycle":
        from accelsim.sim.cycle import run_cycle  # imports Numba kernels: only when asked for
        layers = run_cycle(list(wl), costs, u, prof, dataflow=dataflow, seed=seed, threads=threads,
                           weights=weights if weights is not None else getattr(wl, "weights", None))
    elif fidelity == "analytical":
        from accelsim.sim.scalesim_memory import run_scalesim_user   # SCALE-Sim .cfg in USER bandwidth mode
        layers = run_scalesim_user(costs, wl, u, prof, dataflow) or run_analytical(costs, u, prof)
    else:
        layers = run_event(costs, u, prof, timeline=timeline)
    used_dataflow = (dataflow or u.array.dataflow) if u.array else None
    used_threads = len(u.thread_speeds(threads)) if u.cost_model == "simd" else None
    if rt is not None and rt.runtime is not None and costs and costs[0].threads is not None:
        used_threads = costs[0].threads
    return RunResult(profile=prof.name, workload=wl.name, fidelity=fidelity, unit=u.name, dataflow=used_dataflow,
                     clock_ghz=u.clock_ghz, layers=layers, threads=used_threads,
                     calibration=rt.calibration if rt is not None and rt.runtime is not None else u.calibration,
                     runtime=rt.runtime.name if rt is not None and rt.runtime is not None else None,
                     host_link=host_transfer(prof, u, wl, host_link),
                     host_cpu_mw=host_busy_mw(prof, u, rt.runtime.host_cores_busy
                                              if rt is not None and rt.runtime is not None else default_host_cores(u)))


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
