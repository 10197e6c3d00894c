"""Layer-to-unit partitioning by dynamic programming over the layer graph.

The cost of a mapping is what :mod:`accelsim.sim.plan` charges: each layer's
analytical latency and energy on its unit plus the copies of tensors that cross
units (once per tensor and destination unit, from the cheapest holder). Layers
a unit cannot run (unsupported precision or op, CPU-only layers) are never
placed there. Objectives:

- ``latency``: minimise the frame's end-to-end latency (ties: less energy);
- ``energy``: minimise energy among mappings whose latency is within
  ``latency_bound_ms``; when none is, the fastest mapping is returned with
  ``bound_met = False``.

The DP walks the layers in topological order. Its state is, for every *live*
tensor (produced, still to be read by a later layer), the set of units holding
a copy. Layer costs add up and a layer's copy costs depend only on that state
and its own unit, so keeping the best partial mapping per state (latency
objective) or the Pareto front of (latency, energy) per state (energy
objective; labels over the bound are dropped, since latency only grows) is
exact: on a chain there is one live tensor and the DP is the classic Viterbi
over units, on branching graphs (residuals, SSD heads) it is exact as long as
the state count stays within ``max_states`` and fronts within ``max_labels``.
Beyond those caps the cheapest states / an evenly thinned front are kept, an
approximation the result reports as ``exact = False``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.errors import AccelsimError
from accelsim.sim.cost_table import CostTable
from accelsim.sim.crossing import crossing

OBJECTIVES = ("latency", "energy")
MAX_STATES = 4096
MAX_LABELS = 64


@dataclass(frozen=True)
class Partition:
    """The chosen unit of every layer and what that mapping costs on an idle chip (analytical)."""

    units: tuple[str, ...]
    layer_names: tuple[str, ...]
    objective: str
    latency_ms: float
    energy_mj: float
    latency_bound_ms: float | None
    bound_met: bool
    exact: bool

    @property
    def mapping(self) -> dict[str, str]:
        return dict(zip(self.layer_names, self.units))

    def to_dict(self) -> dict:
        return {"objective": self.objective, "latency_ms": self.latency_ms, "energy_mj": self.energy_mj,
                "latency_bound_ms": self.latency_bound_ms, "bound_met": self.bound_met, "exact": self.exact,
                "mapping": self.mapping}


class _Label:
    """A partial mapping: its latency and energy so far, its last unit and the label it extends."""

    __slots__ = ("lat", "en", "unit", "parent")

    def __init__(self, lat: float, en: float, unit: int, parent: "_Label | None"):
        self.lat, self.en, self.unit, self.parent = lat, en, unit, parent


def _pareto(labels: list[_Label]) -> list[_Label]:
    labels.sort(key=lambda lb: (lb.lat, lb.en))
    front, best = [], math.inf
    for lb in labels:
        if lb.en < best:
            front.append(lb)
            best = lb.en
    return front


def _thin(front: list[_Label], keep: int) -> list[_Label]:
    idx = sorted({round(k * (len(front) - 1) / (keep - 1)) for k in range(keep)})
    return [front[k] for k in idx]


def partition(table: CostTable, objective: str = "latency", latency_bound_ms: float | None = None, *,
              max_states: int = MAX_STATES, max_labels: int = MAX_LABELS) -> Partition:
    """The best mapping of ``table``'s workload onto its profile's units for ``objective``."""
    if objective not in OBJECTIVES:
        raise AccelsimError(f"objective: got {objective!r}; allowed: {', '.join(OBJECTIVES)}")
    if latency_bound_ms is not None and not latency_bound_ms > 0:
        raise AccelsimError(f"latency bound: got {latency_bound_ms!r} ms; must be > 0")
    names = [u.name for u in table.units]
    n = len(table)
    for i in range(n):
        if not table.feasible(i):
            reasons = "; ".join(table.why_not.get((i, u), "") for u in names)
            raise AccelsimError(f"layer {table.workload[i].name!r}: no unit of {table.profile.name} can run it "
                                f"({reasons})")
    bound_ns = math.inf if objective == "latency" or latency_bound_ms is None else latency_bound_ms * 1e6
    pareto = objective == "energy"
    result = _dp(table, names, pareto, bound_ns, max_states, max_labels)
    if result is None:  # no mapping meets the bound: report the fastest one
        result = _dp(table, names, False, math.inf, max_states, max_labels)
    best, exact = result
    units = []
    lb = best
    while lb is not None and lb.unit >= 0:
        units.append(names[lb.unit])
        lb = lb.parent
    units.reverse()
    met = latency_bound_ms is None or best.lat <= latency_bound_ms * 1e6 * (1 + 1e-12)
    return Partition(tuple(units), tuple(info.name for info in table.workload), objective, best.lat * 1e-6,
                     best.en * 1e-9, latency_bound_ms, met, exact)


def _dp(table: CostTable, names: list[str], pareto: bool, bound_ns: float, max_states: int, max_labels: int):
    n = len(table)
    last_use = {}
    for i, prods in enumerate(table.producers):
        for p in prods:
            last_use[p] = i
    cross_cache: dict[tuple[int, int, int], tuple[float, float]] = {}

    def copy_cost(mask: int, dst: int, nbytes: int) -> tuple[float, float]:
        key = (mask, dst, nbytes)
        if key not in cross_cache:
            options = [crossing(table.profile, names[k], names[dst], nbytes)
                       for k in range(len(names)) if mask >> k & 1]
            c = min(options, key=lambda c: (c.time_ns, c.energy_pj))
            cross_cache[key] = (c.time_ns, c.energy_pj)
        return cross_cache[key]

    live: list[int] = []                       # tensors (layer indexes) alive before layer i
    states: dict[tuple[int, ...], list[_Label]] = {(): [_Label(0.0, 0.0, -1, None)]}
    exact = True
    for i in range(n):
        pos = {t: k for k, t in enumerate(live)}
        ins = [pos[p] for p in table.producers[i]]
        keep = [k for k, t in enumerate(live) if last_use[t] > i]
        produces = last_use.get(i, -1) > i
        new_states: dict[tuple[int, ...], list[_Label]] = {}
        options = [(names.index(u), table.latency_ns(i, u), table.energy_pj(i, u)) for u in table.feasible(i)]
        for state, labels in states.items():
            for u, lat_u, en_u in options:
                add_lat, add_en = lat_u, en_u
                masks = list(state)
                for k in ins:
                    if not masks[k] & (1 << u):
                        t_ns, e_pj = copy_cost(masks[k], u, table.out_bytes[live[k]])
                        add_lat += t_ns
                        add_en += e_pj
                        masks[k] |= 1 << u
                new_state = tuple(masks[k] for k in keep) + ((1 << u,) if produces else ())
                bucket = new_states.setdefault(new_state, [])
                for lb in labels:
                    lat, en = lb.lat + add_lat, lb.en + add_en
                    if lat > bound_ns:
                        continue
                    if pareto:
                        bucket.append(_Label(lat, en, u, lb))
                    elif not bucket or (lat, en) < (bucket[0].lat, bucket[0].en):
                        bucket[:] = [_Label(lat, en, u, lb)]
        for state in list(new_states):
            labels = new_states[state]
            if not labels:
                del new_states[state]
                continue
            if pareto:
                front = _pareto(labels)
                if len(front) > max_labels:
                    front, exact = _thin(front, max_labels), False
                new_states[state] = front
        if not new_states:
            return None
        if len(new_states) > max_states:
            ranked = sorted(new_states.items(), key=lambda kv: min((lb.en if pareto else lb.lat) for lb in kv[1]))
            new_states, exact = dict(ranked[:max_states]), False
        states = new_states
        live = [live[k] for k in keep] + ([i] if produces else [])
    finals = [lb for labels in states.values() for lb in labels]
    best = min(finals, key=lambda lb: (lb.en, lb.lat) if pareto else (lb.lat, lb.en))
    return best, exact
