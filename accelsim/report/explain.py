"""Where the time goes: a result's latency split by op class and by layer into compute, memory and overhead.

Works on a result dict (``RunResult`` / ``SocRunResult.to_dict()``). A layer's
milliseconds split in proportion to its cycles: ``compute_cycles``, the stall
cycles (waiting for memory) and, when the cost model records them,
``overhead_cycles`` (fixed launch / dispatch cost, counted inside the stall
cycles). ``bound`` is the largest of the three (or the layer's own ``bound``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from accelsim.frames import layer_bound

PARTS = ("compute", "memory", "overhead")


@dataclass(frozen=True)
class LayerTime:
    index: int
    name: str
    op_class: str
    unit: str
    latency_ms: float
    ms: dict[str, float]          # PARTS -> ms; they sum to latency_ms
    energy_mj: float
    bound: str


@dataclass(frozen=True)
class GroupTime:
    """Layers of one op class (or unit) together."""

    key: str
    layers: int
    latency_ms: float
    ms: dict[str, float]
    energy_mj: float
    share: float                  # of the summed layer latency


@dataclass(frozen=True)
class TimeBudget:
    total_ms: float               # summed layer latency (copies between units not included)
    layers: list[LayerTime]
    by_op_class: list[GroupTime]  # slowest class first
    by_unit: list[GroupTime]
    top: list[LayerTime] = field(default_factory=list)   # slowest layers, slowest first

    def sentence(self) -> str:
        """One line a reader can act on: the slowest class, its share and what bounds it."""
        if not self.by_op_class or self.total_ms <= 0:
            return "no layer time to explain"
        g = self.by_op_class[0]
        part = max(PARTS, key=lambda p: g.ms[p])
        n = len(self.top)
        top_share = sum(x.latency_ms for x in self.top) / self.total_ms
        return (f"{g.key} layers take {100 * g.share:.0f}% of the time ({g.latency_ms:.3f} ms, mostly {part}); "
                f"the {n} slowest layers take {100 * top_share:.0f}%")


def layer_time(i: int, layer: dict) -> LayerTime:
    total_cyc = layer["total_cycles"]
    ms = layer["latency_ms"]
    overhead_cyc = layer.get("overhead_cycles", 0) or 0
    if total_cyc:
        compute = ms * layer["compute_cycles"] / total_cyc
        overhead = ms * overhead_cyc / total_cyc
    else:
        compute = overhead = 0.0
    memory = max(0.0, ms - compute - overhead)
    return LayerTime(i, layer["name"], layer.get("op_class") or layer["op"], layer["unit"], ms,
                     {"compute": compute, "memory": memory, "overhead": overhead}, layer["energy_mj"],
                     layer_bound(layer))


def _groups(layers: list[LayerTime], key, total: float) -> list[GroupTime]:
    out: dict[str, list[LayerTime]] = {}
    for x in layers:
        out.setdefault(key(x), []).append(x)
    groups = [GroupTime(k, len(v), sum(x.latency_ms for x in v), {p: sum(x.ms[p] for x in v) for p in PARTS},
                        sum(x.energy_mj for x in v), sum(x.latency_ms for x in v) / total if total else 0.0)
              for k, v in out.items()]
    return sorted(groups, key=lambda g: -g.latency_ms)


def time_budget(result: dict, top: int = 10) -> TimeBudget:
    layers = [layer_time(i, x) for i, x in enumerate(result["layers"])]
    total = sum(x.latency_ms for x in layers)
    slowest = sorted(layers, key=lambda x: (-x.latency_ms, x.index))[:top]
    return TimeBudget(total, layers, _groups(layers, lambda x: x.op_class, total),
                      _groups(layers, lambda x: x.unit, total), slowest)
