"""Every layer of a workload priced on every unit of a profile, once (memoized).

The partitioner, the plans and the stream simulator all read this table, so a
60-second stream prices each (layer, unit) pair once, not once per frame. A
pair is infeasible when the cost model cannot run it (a precision the unit
lacks, a cost model not implemented) or when the layer is CPU-only (a layer
class with ``cpu_only = True``, e.g. NMS) and the unit is not a CPU.
"""
from __future__ import annotations

from dataclasses import replace

from accelsim.cost import LayerCost, cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile, Unit
from accelsim.map.memory_plan import residency_for_unit
from accelsim.sim.analytical import analytical_cycles, layer_result
from accelsim.sim.result import LayerResult
from accelsim.workload.graph import LayerInfo, Workload


def is_cpu_only(layer) -> bool:
    return bool(getattr(layer, "cpu_only", False))


def layer_producers(workload: Workload) -> list[tuple[int, ...]]:
    """For each layer, the indexes of the layers it reads (graph inputs left out), as ``Workload`` resolves them."""
    index = {info.name: i for i, info in enumerate(workload)}
    prev = next(iter(workload.inputs)) if workload.inputs else None
    out = []
    for info in workload:
        srcs = info.layer.inputs or ((prev,) if prev else ())
        out.append(tuple(dict.fromkeys(index[s] for s in srcs if s in index)))
        prev = info.name
    return out


def cpu_format(info: LayerInfo, unit: Unit) -> LayerInfo:
    """The layer in the widest float format the CPU has (fp32, else fp16), if it lacks the layer's own."""
    for fmt in ("fp32", "fp16", "bf16"):
        if fmt in unit.precisions:
            return replace(info, precision=fmt)
    return info


class CostTable:
    """Analytical cost, latency and energy of each (layer index, unit name) pair."""

    def __init__(self, workload: Workload, profile: Profile, *, dataflow: str | None = None,
                 mapping: str | None = None):
        self.workload = workload
        self.profile = profile
        self.units: list[Unit] = list(profile.units)
        self.producers = layer_producers(workload)
        self.out_bytes = [int(round(info.ofmap_elems * info.bytes_per_elem)) for info in workload]
        self._cost: dict[tuple[int, str], LayerCost] = {}
        self._result: dict[tuple[int, str], LayerResult] = {}
        self.why_not: dict[tuple[int, str], str] = {}
        # auto-mapped systolic units: activations kept on chip as if the unit ran the whole network (accelsim/map)
        kept = {u.name: residency_for_unit(workload, u, mapping) for u in self.units}
        for i, layer_info in enumerate(workload):
            for unit in self.units:
                info = layer_info
                if is_cpu_only(info.layer) and unit.kind != "cpu":
                    self.why_not[i, unit.name] = f"layer {info.name!r} ({info.op}) runs on a CPU only"
                    continue
                if unit.kind == "cpu" and info.precision not in unit.precisions:
                    info = cpu_format(info, unit)
                try:
                    cost = cost_layer(info, unit, dataflow=dataflow, profile=profile, mapping=mapping,
                                      residency=kept[unit.name][i] if kept[unit.name] else None)
                except AccelsimError as err:
                    self.why_not[i, unit.name] = str(err)
                    continue
                self._cost[i, unit.name] = cost
                self._result[i, unit.name] = layer_result(cost, unit, profile, analytical_cycles(cost, unit, profile))

    def __len__(self) -> int:
        return len(self.workload)

    def unit(self, name: str) -> Unit:
        return self.profile.unit(name)

    def feasible(self, i: int) -> list[str]:
        """Units that can run layer ``i``, in profile order."""
        return [u.name for u in self.units if (i, u.name) in self._cost]

    def cost(self, i: int, unit: str) -> LayerCost:
        try:
            return self._cost[i, unit]
        except KeyError:
            raise AccelsimError(self.why_not.get((i, unit), f"unit {unit!r} not in profile {self.profile.name}")
                                ) from None

    def analytical(self, i: int, unit: str) -> LayerResult:
        """The layer's analytical (roofline) result on ``unit`` on an otherwise idle chip."""
        self.cost(i, unit)
        return self._result[i, unit]

    def latency_ns(self, i: int, unit: str) -> float:
        return self.analytical(i, unit).latency_ms * 1e6

    def energy_pj(self, i: int, unit: str) -> float:
        return self.analytical(i, unit).energy_mj * 1e9
