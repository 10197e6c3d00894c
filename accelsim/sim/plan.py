"""An execution plan: a workload's layers in order, each on a unit, with the copies between units.

A frame runs its layers one after another in the workload's (topological)
order. Before a layer runs, every input tensor that its unit does not hold yet
is copied to it (see :mod:`accelsim.sim.crossing`) from the holder that is
cheapest to copy from; a tensor is copied to a unit once, however many of the
unit's layers read it. Graph inputs (the camera frame) are in DRAM, readable by
every unit for free. The partitioner prices mappings with exactly these rules.
"""
from __future__ import annotations

from dataclasses import dataclass

from accelsim.cost.base import LayerCost
from accelsim.errors import AccelsimError
from accelsim.sim.cost_table import CostTable
from accelsim.sim.crossing import Crossing, crossing


@dataclass(frozen=True)
class Copy:
    tensor: str
    crossing: Crossing


@dataclass(frozen=True)
class Step:
    index: int
    name: str
    unit: str
    cost: LayerCost
    copies: tuple[Copy, ...]


@dataclass(frozen=True)
class Plan:
    workload: str
    steps: tuple[Step, ...]
    latency_ns: float       # analytical, on an idle chip: layers plus copies, back to back
    energy_pj: float

    @property
    def mapping(self) -> dict[str, str]:
        return {s.name: s.unit for s in self.steps}

    @property
    def copies(self) -> list[Copy]:
        return [c for s in self.steps for c in s.copies]


def best_source(table: CostTable, holders: list[str], dst: str, nbytes: int) -> Crossing:
    """The cheapest (time, then energy) copy to ``dst`` from any unit holding the tensor."""
    options = [crossing(table.profile, src, dst, nbytes) for src in holders]
    return min(options, key=lambda c: (c.time_ns, c.energy_pj))


def build_plan(table: CostTable, units: list[str]) -> Plan:
    """The plan running layer ``i`` on ``units[i]``; a unit that cannot run its layer is an error."""
    if len(units) != len(table):
        raise AccelsimError(f"mapping has {len(units)} units for {len(table)} layers")
    holders: dict[int, list[str]] = {}
    steps, latency, energy = [], 0.0, 0.0
    for i, (info, unit) in enumerate(zip(table.workload, units)):
        cost = table.cost(i, unit)
        copies = []
        for p in table.producers[i]:
            have = holders[p]
            if unit not in have:
                c = best_source(table, have, unit, table.out_bytes[p])
                copies.append(Copy(table.workload[p].name, c))
                have.append(unit)
                latency += c.time_ns
                energy += c.energy_pj
        holders[i] = [unit]
        latency += table.latency_ns(i, unit)
        energy += table.energy_pj(i, unit)
        steps.append(Step(i, info.name, unit, cost, tuple(copies)))
    return Plan(table.workload.name, tuple(steps), latency, energy)


def cpu_unit(table: CostTable) -> str | None:
    """The profile's CPU (the first unit of kind ``cpu``), where unsupported layers fall back."""
    return next((u.name for u in table.units if u.kind == "cpu"), None)


def single_unit_mapping(table: CostTable, unit: str) -> list[str]:
    """Every layer on ``unit``, except layers it cannot run: those fall back to the CPU, as NNAPI does."""
    table.unit(unit)  # unknown unit names are an error
    fallback = cpu_unit(table)
    units = []
    for i, info in enumerate(table.workload):
        if unit in table.feasible(i):
            units.append(unit)
        elif fallback is not None and fallback in table.feasible(i):
            units.append(fallback)
        else:
            where = f"and the CPU {fallback!r} cannot either" if fallback else "and the profile has no CPU to fall back to"
            raise AccelsimError(f"layer {info.name!r}: unit {unit!r} cannot run it ({table.why_not[i, unit]}) {where}")
    return units
