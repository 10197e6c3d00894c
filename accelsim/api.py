"""``accelsim.simulate``: profile + workload -> RunResult."""
from __future__ import annotations

from pathlib import Path

from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.sim import RunResult, run_analytical, run_event
from accelsim.sim.soc_result import SocRunResult
from accelsim.workload import Workload, load_workload

FIDELITIES = ("analytical", "event")


def simulate(profile: str | Path | Profile | None = None, workload: str | Path | Workload | None = None, *,
             dataflow: str | None = None, fidelity: str = "analytical", unit: str | None = None,
             precision: str | None = None, objective: str = "latency", latency_bound_ms: float | None = None,
             timeline=None) -> RunResult | SocRunResult:
    """Run ``workload`` on one unit of ``profile`` (names, paths or loaded objects).

    ``dataflow`` overrides a systolic unit's dataflow; ``precision`` sets the
    format of every layer that does not fix its own. ``unit="auto"`` partitions
    the layers over all units for ``objective`` (``latency``, or ``energy``
    within ``latency_bound_ms``) and returns a ``SocRunResult``; an event run
    fills ``timeline`` (an ``accelsim.sim.timeline.Timeline``) when one is given.
    """
    if fidelity not in FIDELITIES:
        raise AccelsimError(f"fidelity: got {fidelity!r}; allowed: {', '.join(FIDELITIES)}")
    if dataflow is not None and dataflow not in ("os", "ws", "is"):
        raise AccelsimError(f"dataflow: got {dataflow!r}; allowed: os, ws, is")
    prof = load_profile(profile)
    wl = load_workload(workload)
    if precision is not None:
        wl = wl.with_precision(precision)
    if unit == "auto":
        from accelsim.sim.soc_run import run_partitioned
        return run_partitioned(prof, wl, objective=objective, latency_bound_ms=latency_bound_ms, fidelity=fidelity,
                               dataflow=dataflow, timeline=timeline)
    u = prof.unit(unit)
    costs = [cost_layer(info, u, dataflow=dataflow) for info in wl]
    if fidelity == "analytical":
        layers = run_analytical(costs, u, prof)
    else:
        layers = run_event(costs, u, prof, timeline=timeline)
    used_dataflow = (dataflow or u.array.dataflow) if u.array else None
    return RunResult(profile=prof.name, workload=wl.name, fidelity=fidelity, unit=u.name, dataflow=used_dataflow,
                     clock_ghz=u.clock_ghz, layers=layers)
