"""Event fidelity of one network on one unit: the SoC engine in tile mode, one job.

Each layer runs as its folds (grouped into at most ``max_tiles`` tiles). The
unit's DMA engine loads a tile's inputs from DRAM into one half of a
double-buffered scratchpad while the array computes on the other half; results
are written back from a double-buffered output scratchpad. All transfers of the
unit go through its one DMA engine, so loads and write-backs queue behind each
other, and when bandwidth is short the array stalls waiting for data. With
unlimited bandwidth every transfer is instantaneous and a layer takes exactly
its compute cycles, so this fidelity equals the analytical one. The machinery
lives in :mod:`accelsim.sim.soc`; this module keeps the single-unit interface.
"""
from __future__ import annotations

import math

from accelsim.cost.base import LayerCost
from accelsim.hardware.schema import Profile, Unit
from accelsim.sim.analytical import layer_result
from accelsim.sim.plan import Plan, Step
from accelsim.sim.result import LayerResult
from accelsim.sim.soc import MAX_TILES, Job, SocEngine, split
from accelsim.sim.timeline import Timeline

__all__ = ["MAX_TILES", "run_event", "split"]


def cycles_of(span_ns: float, clock_ghz: float) -> int:
    """Whole unit cycles of a simulated span (floating-point slack removed)."""
    return math.ceil(span_ns * clock_ghz - 1e-6)


def run_event(costs: list[LayerCost], unit: Unit, profile: Profile, *, max_tiles: int = MAX_TILES,
              timeline: Timeline | None = None) -> list[LayerResult]:
    """Simulate the layers back to back on ``unit``; one LayerResult each."""
    steps = tuple(Step(i, c.name, unit.name, c, ()) for i, c in enumerate(costs))
    soc = SocEngine(profile, granularity="tile", max_tiles=max_tiles, timeline=timeline)
    job = Job("run", keep_layers=True)
    soc.start(Plan("run", steps, 0.0, 0.0), job)
    soc.env.run()
    return [layer_result(c, unit, profile, max(c.compute_cycles, cycles_of(rec.end_ns - rec.start_ns, unit.clock_ghz)))
            for c, rec in zip(costs, job.layers)]
