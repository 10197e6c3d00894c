"""Layer-to-unit partitioning by dynamic programming over the layer graph.

The cost of a mapping is what :mod:`accelsim.sim.plan` charges: each layer's
analytical latency and energy on its unit plus the copies of tensors that cross
units (once per tensor and destination unit, from the cheapest holder). Layers
a unit cannot run (unsupported precision or op, CPU-only layers) are never
placed there. Objectives:

- ``latency``: minimise the frame's end-to-end latency (ties: less energy);
  a frame's layers run one after another, as the engine runs them, so this is
  the sum of layers and copies (independent branches on two units at once are
  not modelled);
- ``energy``: minimise energy among mappings whose latency is within
  ``latency_bound_ms``; when none is, the fastest mapping is returned with
  ``bound_met = False``.

The DP walks the layers in topological order. Its state is, for every *live*
tensor (produced, still to be read by a later layer), the set of units holding
a copy. Layer costs add up and a layer's copy costs depend only on that state
and its own unit, so keeping the best partial mapping per state is exact: on a
chain there is one live tensor and the DP is the classic Viterbi over units; on
branching graphs (residuals, SSD heads) it stays exact as long as the number of
states stays within ``max_states``. The energy objective first finds the
least-energy mapping (the same DP, energy first); if it misses the bound it
keeps per state the Pareto front of (latency, energy) labels and drops labels
that cannot finish within the bound, or under the fastest mapping's energy,
even on their cheapest units (branch and bound; still exact). Beyond the caps
the cheapest states / an evenly thinned front are kept, an approximation the
result reports as ``exact = False``. SSD-MobileNet-V2 on snapdragon855 is exact
within the default caps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.errors import AccelsimError
from accelsim.sim.cost_table import CostTable
from accelsim.sim.crossing import crossing

OBJECTIVES = ("latency", "energy")
MAX_STATES = 1 << 16
MAX_LABELS = 4096


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


# A label is a partial mapping: (latency ns, energy pJ, unit index of the layer just placed, the label it extends).
_LAT, _EN, _UNIT, _PARENT = range(4)


def _pareto(labels: list[tuple]) -> list[tuple]:
    labels.sort()
    front, best = [], math.inf
    for lb in labels:
        if lb[_EN] < best:
            front.append(lb)
            best = lb[_EN]
    return front


def _thin(front: list[tuple], keep: int) -> list[tuple]:
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
    for i in range(len(table)):
        if not table.feasible(i):
            reasons = "; ".join(table.why_not.get((i, u), "") for u in names)
            raise AccelsimError(f"layer {table.workload[i].name!r}: no unit of {table.profile.name} can run it "
                                f"({reasons})")
    best, units, exact = _dp(table, names, "latency", math.inf, math.inf, max_states, max_labels)
    if objective == "energy":
        bound_ns = math.inf if latency_bound_ms is None else latency_bound_ms * 1e6 * (1 + 1e-12)
        frugal = _dp(table, names, "energy", math.inf, math.inf, max_states, max_labels)
        if frugal[0][_LAT] <= bound_ns:   # the least-energy mapping already meets the bound
            best, units, exact = frugal
        elif best[_LAT] <= bound_ns:      # else search the fronts, capped by the best feasible energy known
            cap = _lagrangian_incumbent(table, names, bound_ns, best, max_states, max_labels)
            best, units, exact_e = _dp(table, names, "pareto", bound_ns, cap * (1 + 1e-12), max_states, max_labels)
            exact = exact and exact_e
        # else no mapping meets the bound: report the fastest one
    units = [names[u] for u in units]
    met = latency_bound_ms is None or best[_LAT] <= latency_bound_ms * 1e6 * (1 + 1e-12)
    return Partition(tuple(units), tuple(info.name for info in table.workload), objective, best[_LAT] * 1e-6,
                     best[_EN] * 1e-9, latency_bound_ms, met, exact)


def _lagrangian_incumbent(table: CostTable, names: list[str], bound_ns: float, fastest: tuple, max_states: int,
                          max_labels: int, steps: int = 10) -> float:
    """A low energy among mappings within the bound: minimise ``energy + w * latency`` for a few weights ``w``
    (a scalar DP each, bracketing then bisecting the weight where the bound starts to hold). Only a cap for
    the exact search's pruning, so any feasible energy is sound; a near-optimal one makes that search fast."""
    best = fastest[_EN]
    lo, hi = None, None
    w = fastest[_EN] / max(fastest[_LAT], 1e-9)      # pJ per ns: energy and latency of the same order
    for _ in range(steps):
        label = _dp(table, names, w, math.inf, math.inf, max_states, max_labels)[0]
        if label[_LAT] <= bound_ns:
            best, hi = min(best, label[_EN]), w
        else:
            lo = w
        if lo is None:
            w /= 10
        elif hi is None:
            w *= 10
        else:
            w = math.sqrt(lo * hi)
    return best


def _orders(producers: list[tuple[int, ...]], consumers: list[list[int]]) -> list[list[int]]:
    """Candidate orders to assign layers in: the topological one, and depth-first ones that finish short
    branches (detector heads) first and take a join (concat) as soon as one of its inputs is placed."""
    n = len(producers)
    reach = [0] * n
    for v in range(n - 1, -1, -1):
        for c in consumers[v]:
            reach[v] |= (1 << c) | reach[c]
    size = [bin(r).count("1") for r in reach]
    orders = [list(range(n))]
    for join_fanin in (2, 3):
        order, added = [], set()
        for root in range(n):
            stack = [root]
            while stack:
                v = stack.pop()
                if v in added:
                    continue
                added.add(v)
                order.append(v)
                ready = [c for c in consumers[v] if c not in added
                         and (len(producers[c]) >= join_fanin or all(p in added for p in producers[c]))]
                stack += sorted(ready, key=lambda c: (size[c], c), reverse=True)
        orders.append(order)
    return orders


def _boundaries(order: list[int], neighbours: list[set[int]]) -> list[list[int]]:
    """After each step, the placed layers that still share a cost term with an unplaced one."""
    placed, boundary, out = set(), [], []
    for v in order:
        placed.add(v)
        boundary = [w for w in boundary + [v] if not neighbours[w] <= placed]
        out.append(boundary)
    return out


def _dp(table: CostTable, names: list[str], mode: str, bound_ns: float, cap_pj: float, max_states: int,
        max_labels: int):
    """Best final label and whether no cap was hit.

    A frontier DP over a factor graph: a variable per layer (its unit), a unary term per layer (its latency
    and energy on that unit) and a term per tensor over its producer and consumers (the copies the plan
    makes for it). Layers are placed one at a time in the candidate order with the narrowest frontier; the
    state is the units of the placed layers that still share a term with unplaced ones, and a term is
    charged when its last layer is placed. ``mode`` ``latency`` / ``energy`` keeps the one best label per
    state ((latency, energy) or (energy, latency) order), a number ``w`` the one with the least
    ``energy + w * latency``; ``pareto`` keeps (latency, energy) fronts and drops labels that cannot finish
    within ``bound_ns`` or under ``cap_pj`` even on their best units.
    """
    pareto = mode == "pareto"
    weight = None if isinstance(mode, str) else float(mode)
    rank = (_EN, _LAT) if mode in ("energy", "pareto") else (_LAT, _EN)

    def score(lb: tuple) -> tuple[float, float]:
        if weight is not None:
            return lb[_EN] + weight * lb[_LAT], lb[_LAT]
        return lb[rank[0]], lb[rank[1]]

    n = len(table)
    producers = table.producers
    consumers: list[list[int]] = [[] for _ in range(n)]
    for i, prods in enumerate(producers):
        for p in prods:
            consumers[p].append(i)
    neighbours = [set() for _ in range(n)]
    for p in range(n):
        for v in consumers[p]:
            neighbours[p].add(v)
            neighbours[v].add(p)
            neighbours[v].update(c for c in consumers[p] if c != v)
    order, bounds = min(((o, _boundaries(o, neighbours)) for o in _orders(producers, consumers)),
                        key=lambda ob: max((len(b) for b in ob[1]), default=0))
    step_of = {v: k for k, v in enumerate(order)}
    options = [[(names.index(u), table.latency_ns(i, u), table.energy_pj(i, u)) for u in table.feasible(i)]
               for i in range(n)]
    rest_lat, rest_en = [0.0] * (n + 1), [0.0] * (n + 1)   # cheapest possible remainder, copies left out
    for k in range(n - 1, -1, -1):
        rest_lat[k] = rest_lat[k + 1] + min(o[1] for o in options[order[k]])
        rest_en[k] = rest_en[k + 1] + min(o[2] for o in options[order[k]])
    closes: list[list[int]] = [[] for _ in range(n)]     # tensors whose term is complete at step k
    for p in range(n):
        if consumers[p]:
            closes[max(step_of[v] for v in [p] + consumers[p])].append(p)
    cross_cache: dict[tuple[int, int, int], tuple[float, float]] = {}
    term_cache: dict[tuple, tuple[float, float]] = {}

    def copy_cost(mask: int, dst: int, nbytes: int) -> tuple[float, float]:
        key = (mask, dst, nbytes)
        if key not in cross_cache:
            choices = [crossing(table.profile, names[k], names[dst], nbytes)
                       for k in range(len(names)) if mask >> k & 1]
            c = min(choices, key=lambda c: (c.time_ns, c.energy_pj))
            cross_cache[key] = (c.time_ns, c.energy_pj)
        return cross_cache[key]

    def tensor_term(p: int, units: tuple[int, ...]) -> tuple[float, float]:
        """Copies of tensor ``p`` (producer unit first, then consumers in execution order), as the plan makes them."""
        key = (p, units)
        if key not in term_cache:
            mask, lat, en = 1 << units[0], 0.0, 0.0
            for u in units[1:]:
                if not mask & (1 << u):
                    t_ns, e_pj = copy_cost(mask, u, table.out_bytes[p])
                    lat, en, mask = lat + t_ns, en + e_pj, mask | (1 << u)
            term_cache[key] = (lat, en)
        return term_cache[key]

    states: dict[tuple[int, ...], list[tuple]] = {(): [(0.0, 0.0, -1, None)]}
    boundary: list[int] = []
    exact = True
    for k, v in enumerate(order):
        slot = {w: j for j, w in enumerate(boundary + [v])}
        terms = [(p, [slot[w] for w in [p] + consumers[p]]) for p in closes[k]]
        keep = [slot[w] for w in bounds[k]]
        lat_limit, en_limit = bound_ns - rest_lat[k + 1], cap_pj - rest_en[k + 1]
        new_states: dict[tuple[int, ...], list[tuple]] = {}
        for state, labels in states.items():
            for u, lat_u, en_u in options[v]:
                ext = state + (u,)
                add_lat, add_en = lat_u, en_u
                for p, idx in terms:
                    t_ns, e_pj = tensor_term(p, tuple(ext[j] for j in idx))
                    add_lat += t_ns
                    add_en += e_pj
                bucket = new_states.setdefault(tuple(ext[j] for j in keep), [])
                if pareto:
                    bucket += [(lat, en, u, lb) for lb in labels
                               if (lat := lb[_LAT] + add_lat) <= lat_limit and (en := lb[_EN] + add_en) <= en_limit]
                elif weight is not None:
                    lb = labels[0]
                    cand = (lb[_LAT] + add_lat, lb[_EN] + add_en, u, lb)
                    if not bucket or (cand[_EN] + weight * cand[_LAT], cand[_LAT]) < (
                            bucket[0][_EN] + weight * bucket[0][_LAT], bucket[0][_LAT]):
                        bucket[:] = [cand]
                else:
                    lb = labels[0]
                    cand = (lb[_LAT] + add_lat, lb[_EN] + add_en, u, lb)
                    if not bucket or (cand[rank[0]], cand[rank[1]]) < (bucket[0][rank[0]], bucket[0][rank[1]]):
                        bucket[:] = [cand]
        for state in list(new_states):
            labels = new_states[state]
            if not labels:
                del new_states[state]
            elif pareto:
                front = _pareto(labels)
                if len(front) > max_labels:
                    front, exact = _thin(front, max_labels), False
                new_states[state] = front
        if not new_states:
            return None
        if len(new_states) > max_states:
            ranked = sorted(new_states.items(), key=lambda kv: min(score(lb) for lb in kv[1]))
            new_states, exact = dict(ranked[:max_states]), False
        states, boundary = new_states, bounds[k]
    finals = [lb for labels in states.values() for lb in labels]
    best = min(finals, key=score)
    units = [0] * n
    lb = best
    for v in reversed(order):
        units[v] = lb[_UNIT]
        lb = lb[_PARENT]
    return best, units, exact
