"""``accelsim.simulate``: profile + workload -> RunResult."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from accelsim.compress import CompressionSummary, Transform, parse_spec, workload_figures
from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.sim import RunResult, run_analytical, run_event
from accelsim.workload import Workload, load_workload

FIDELITIES = ("analytical", "event")


def simulate(profile: str | Path | Profile | None = None, workload: str | Path | Workload | None = None, *,
             dataflow: str | None = None, fidelity: str = "analytical", unit: str | None = None,
             precision: str | None = None, threads: int | None = None, calibrated: bool = True,
             compress: str | Transform | None = None) -> RunResult:
    """Run ``workload`` on one unit of ``profile`` (names, paths or loaded objects).

    ``dataflow`` overrides a systolic unit's dataflow; ``precision`` sets the
    format of every layer that does not fix its own; ``threads`` is the thread
    count of a SIMD (CPU) unit. A profile loaded by name or path uses the
    fitted factors of ``calibration.yaml`` beside it unless ``calibrated`` is
    False (the result's ``calibration`` says which). ``compress`` (a
    ``--compress`` spec or an ``accelsim.compress`` transform) runs the
    workload before and after compression and returns the compressed run with
    a ``compression`` block (before/after figures).
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
    u = prof.unit(unit)
    if threads is not None:
        if u.cost_model != "simd":
            raise AccelsimError(f"threads: got {threads!r}; only simd units (CPU, DSP, VPU cores) take a thread "
                                f"count, and unit {u.name!r} is {u.cost_model}")
        if not isinstance(threads, int) or not 1 <= threads <= u.core_count:
            raise AccelsimError(f"threads: got {threads!r}; unit {u.name!r} has {u.core_count} cores, "
                                f"allowed: 1..{u.core_count}")
    if pipeline is not None:
        return _simulate_compressed(prof, wl, u, pipeline, compress, dataflow, fidelity, threads)
    return _simulate_workload(prof, wl, u, dataflow, fidelity, threads)


def _simulate_workload(prof: Profile, wl: Workload, u, dataflow: str | None, fidelity: str,
                       threads: int | None) -> RunResult:
    costs = [cost_layer(info, u, dataflow=dataflow, profile=prof, threads=threads) for info in wl]
    runner = run_analytical if fidelity == "analytical" else run_event
    layers = runner(costs, u, prof)
    used_dataflow = (dataflow or u.array.dataflow) if u.array else None
    used_threads = len(u.thread_speeds(threads)) if u.cost_model == "simd" else None
    return RunResult(profile=prof.name, workload=wl.name, fidelity=fidelity, unit=u.name, dataflow=used_dataflow,
                     clock_ghz=u.clock_ghz, layers=layers, threads=used_threads, calibration=u.calibration)


def _simulate_compressed(prof: Profile, wl: Workload, u, pipeline, spec, dataflow: str | None, fidelity: str,
                         threads: int | None) -> RunResult:
    """The compressed run, with the ``compression`` block comparing it to the uncompressed one."""
    small = pipeline.apply(wl)
    before = _simulate_workload(prof, wl, u, dataflow, fidelity, threads)
    after = _simulate_workload(prof, small, u, dataflow, fidelity, threads)
    summary = CompressionSummary(spec=spec if isinstance(spec, str) else pipeline.spec(),
                                 lineage=small.lineage[len(wl.lineage):],
                                 before=workload_figures(wl).with_run(before),
                                 after=workload_figures(small).with_run(after))
    return dataclasses.replace(after, compression=summary)
