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
             precision: str | None = None, compress: str | Transform | None = None) -> RunResult:
    """Run ``workload`` on one unit of ``profile`` (names, paths or loaded objects).

    ``dataflow`` overrides a systolic unit's dataflow; ``precision`` sets the
    format of every layer that does not fix its own. ``compress`` (a
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
    prof = load_profile(profile)
    wl = load_workload(workload)
    if precision is not None:
        wl = wl.with_precision(precision)
    u = prof.unit(unit)
    if pipeline is not None:
        return _simulate_compressed(prof, wl, u, pipeline, compress, dataflow, fidelity)
    return _simulate_workload(prof, wl, u, dataflow, fidelity)


def _simulate_workload(prof: Profile, wl: Workload, u, dataflow: str | None, fidelity: str) -> RunResult:
    costs = [cost_layer(info, u, dataflow=dataflow) for info in wl]
    runner = run_analytical if fidelity == "analytical" else run_event
    layers = runner(costs, u, prof)
    used_dataflow = (dataflow or u.array.dataflow) if u.array else None
    return RunResult(profile=prof.name, workload=wl.name, fidelity=fidelity, unit=u.name, dataflow=used_dataflow,
                     clock_ghz=u.clock_ghz, layers=layers)


def _simulate_compressed(prof: Profile, wl: Workload, u, pipeline, spec, dataflow: str | None,
                         fidelity: str) -> RunResult:
    """The compressed run, with the ``compression`` block comparing it to the uncompressed one."""
    small = pipeline.apply(wl)
    before = _simulate_workload(prof, wl, u, dataflow, fidelity)
    after = _simulate_workload(prof, small, u, dataflow, fidelity)
    summary = CompressionSummary(spec=spec if isinstance(spec, str) else pipeline.spec(),
                                 lineage=small.lineage[len(wl.lineage):],
                                 before=workload_figures(wl).with_run(before),
                                 after=workload_figures(small).with_run(after))
    return dataclasses.replace(after, compression=summary)
