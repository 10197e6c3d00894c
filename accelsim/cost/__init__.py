"""Analytical cost models, one per unit kind, behind one dispatcher."""
from __future__ import annotations

from typing import Callable

from accelsim.cost.base import LayerCost
from accelsim.cost.systolic_unit import cost_systolic
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Unit
from accelsim.workload.graph import LayerInfo

COST_MODELS: dict[str, Callable[..., LayerCost]] = {"systolic": cost_systolic}


def cost_layer(info: LayerInfo, unit: Unit, *, dataflow: str | None = None) -> LayerCost:
    """Price one layer on one unit with the unit's cost model."""
    model = COST_MODELS.get(unit.cost_model)
    if model is None:
        raise AccelsimError(f"unit {unit.name!r}: cost_model {unit.cost_model!r} is not implemented; "
                            f"available: {', '.join(COST_MODELS)}")
    if dataflow is not None and unit.cost_model != "systolic":
        dataflow = None  # only MAC arrays have a dataflow
    return model(info, unit, dataflow) if unit.cost_model == "systolic" else model(info, unit)


__all__ = ["COST_MODELS", "LayerCost", "cost_layer"]
