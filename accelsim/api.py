"""``accelsim.simulate``: profile + workload -> RunResult."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.sim import RunResult, run_analytical, run_event
from accelsim.workload import Workload, load_workload

FIDELITIES = ("analytical", "event", "cycle")


def simulate(profile: str | Path | Profile | None = None, workload: str | Path | Workload | None = None, *,
             dataflow: str | None = None, fidelity: str = "analytical", unit: str | None = None,
             precision: str | None = None, seed: int = 0, weights: Mapping | None = None) -> RunResult:
    """Run ``workload`` on one unit of ``profile`` (names, paths or loaded objects).

    ``dataflow`` overrides a systolic unit's dataflow; ``precision`` sets the
    format of every layer that does not fix its own. The cycle fidelity draws its
    random tensors from ``seed`` and uses ``weights`` (layer name -> int8 array, or
    the workload's own ``weights`` mapping if it has one) where given.
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
    if fidelity == "cycle":
        from accelsim.sim.cycle import run_cycle  # imports Numba kernels: only when asked for
        layers = run_cycle(list(wl), costs, u, prof, dataflow=dataflow, seed=seed,
                           weights=weights if weights is not None else getattr(wl, "weights", None))
    else:
        layers = (run_analytical if fidelity == "analytical" else run_event)(costs, u, prof)
    used_dataflow = (dataflow or u.array.dataflow) if u.array else None
    return RunResult(profile=prof.name, workload=wl.name, fidelity=fidelity, unit=u.name, dataflow=used_dataflow,
                     clock_ghz=u.clock_ghz, layers=layers)
