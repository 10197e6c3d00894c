"""One network partitioned over the chip's units: ``simulate(..., unit="auto")``."""
from __future__ import annotations

from accelsim.hardware.schema import Profile
from accelsim.sim.analytical import layer_result
from accelsim.sim.cost_table import CostTable
from accelsim.sim.engine import cycles_of
from accelsim.sim.partition import partition
from accelsim.sim.plan import build_plan
from accelsim.sim.soc import Job, SocEngine
from accelsim.sim.soc_result import CopyResult, SocRunResult
from accelsim.sim.timeline import Timeline
from accelsim.workload.graph import Workload


def run_partitioned(profile: Profile, workload: Workload, *, objective: str = "latency",
                    latency_bound_ms: float | None = None, fidelity: str = "analytical", dataflow: str | None = None,
                    timeline: Timeline | None = None, mapping: str | None = None) -> SocRunResult:
    """Partition ``workload`` over ``profile``'s units, then price it (analytical) or simulate it (event, tiles)."""
    table = CostTable(workload, profile, dataflow=dataflow, mapping=mapping)
    part = partition(table, objective, latency_bound_ms)
    plan = build_plan(table, list(part.units))
    if fidelity == "analytical":
        layers = [table.analytical(s.index, s.unit) for s in plan.steps]
        copies = [CopyResult(c.tensor, c.crossing.src, c.crossing.dst, c.crossing.via, c.crossing.moved_bytes,
                             c.crossing.time_ns * 1e-6, c.crossing.energy_pj * 1e-9) for c in plan.copies]
        latency_ms = plan.latency_ns * 1e-6
    else:
        soc = SocEngine(profile, granularity="tile", timeline=timeline)
        job = Job(workload.name, keep_layers=True, category=workload.name)
        soc.start(plan, job)
        soc.env.run()
        layers = []
        for rec in job.layers:
            unit = soc.units[rec.unit]
            cycles = max(rec.cost.compute_cycles, cycles_of(rec.end_ns - rec.start_ns, unit.clock_ghz))
            layers.append(layer_result(rec.cost, unit, profile, cycles))
        copies = [CopyResult(c.tensor, c.crossing.src, c.crossing.dst, c.crossing.via, c.crossing.moved_bytes,
                             (end - start) * 1e-6, c.crossing.energy_pj * 1e-9) for c, start, end in job.copies]
        latency_ms = job.end_ns * 1e-6
    return SocRunResult(profile=profile.name, workload=workload.name, fidelity=fidelity, objective=objective,
                        latency_ms=latency_ms, latency_bound_ms=latency_bound_ms, bound_met=part.bound_met,
                        exact=part.exact, layers=layers, copies=copies)
