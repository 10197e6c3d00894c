"""``accelsim.simulate``: profile + workload -> RunResult."""
from __future__ import annotations

from pathlib import Path

from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.sim import RunResult, run_analytical, run_event
from accelsim.workload import Workload, load_workload

FIDELITIES = ("analytical", "event")


def simulate(profile: str | Path | Profile | None = None, workload: str | Path | Workload | None = None, *,
             dataflow: str | None = None, fidelity: str = "analytical", unit: str | None = None,
             precision: str | None = None) -> RunResult:
    """Run ``workload`` on one unit of ``profile`` (names, paths or loaded objects).

    ``dataflow`` overrides a systolic unit's dataflow; ``precision`` sets the
    format of every layer that does not fix its own.
    """
    if fidelity not in FIDELITIES:
        raise AccelsimError(f"fidelity: got {fidelity!r}; allowed: {', '.join(FIDELITIES)}")
    if dataflow is not None and dataflow not in ("os", "ws", "is"):
        raise AccelsimError(f"dataflow: got {dataflow!r}; allowed: os, ws, is")
    prof = load_profile(profile)
    wl = load_workload(workload)
    if precision is not None:
        wl = wl.with_precision(precision)
    u = prof.unit(unit)
    costs = [cost_layer(info, u, dataflow=dataflow) for info in wl]
    runner = run_analytical if fidelity == "analytical" else run_event
    layers = runner(costs, u, prof)
    used_dataflow = (dataflow or u.array.dataflow) if u.array else None
    return RunResult(profile=prof.name, workload=wl.name, fidelity=fidelity, unit=u.name, dataflow=used_dataflow,
                     clock_ghz=u.clock_ghz, layers=layers)
