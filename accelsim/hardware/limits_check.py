"""Range checks every profile model runs (see accelsim/limits.py): finite, bounded numbers, no bool for a number."""
from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from accelsim import limits
from accelsim.limits import shown

LIMIT_ERROR = "accelsim_limit"  # error type validation_message prints as "field: reason"


def _error(field: str, value: object, allowed: str) -> PydanticCustomError:
    return PydanticCustomError(LIMIT_ERROR, "{field}: {msg}", {"field": field,
                                                               "msg": f"got {shown(value)}; {allowed}"})


def _takes_bool(model: type[BaseModel], key: str) -> bool:
    field = model.model_fields.get(key)
    return field is None or "bool" in str(field.annotation)


def refuse_bool_numbers(model: type[BaseModel], data: object) -> object:
    """``rows: true`` is not a 1x1 array: a boolean given for a non-boolean field is refused."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, bool) and not _takes_bool(model, key):
                raise _error(str(key), value, "a number or name is required, not a boolean")
    return data


def _int_limit(name: str) -> int:
    if name in ("rows", "cols"):
        return limits.MAX_ARRAY_DIM
    if name.endswith("_bytes"):
        return limits.MAX_BYTES
    return limits.MAX_COUNT


def value_problem(name: str, value: object) -> str | None:
    """Why the validated value of field ``name`` lies outside its documented range (None when it is inside)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        high = _int_limit(name)
        if abs(value) > high:
            return f"must be at most {high:,} (accelsim.limits)"
    elif isinstance(value, float):
        if name in limits.FLOAT_RANGES:
            low, high = limits.FLOAT_RANGES[name]
            if not (math.isfinite(value) and low <= value <= high):
                return f"must be a finite number in [{low:g}, {high:g}] (accelsim.limits)"
        elif not math.isfinite(value) or abs(value) > limits.MAX_FLOAT or \
                0 < abs(value) < limits.MIN_NONZERO_FLOAT:
            return (f"must be 0 or a finite magnitude in [{limits.MIN_NONZERO_FLOAT:g}, {limits.MAX_FLOAT:g}] "
                    "(accelsim.limits)")
    return None


def field_value_ok(name: str, raw: object, value: object) -> bool:
    """A sweep override (``raw``, validated to ``value``) of field ``name``: inside the limits, no bool for a number."""
    if isinstance(raw, bool) and not isinstance(value, bool):
        return False
    return value_problem(name, value) is None


def check_model_limits(model: BaseModel) -> BaseModel:
    """Every int and float field of ``model`` inside its documented range (accelsim.limits)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        problem = value_problem(name, value)
        if problem:
            raise _error(name, value, problem)
    return model


def check_array_rate(unit) -> None:
    """A systolic unit's macs_per_cycle lies within [1/64, 64] MACs per PE of its rows x cols array."""
    if unit.cost_model != "systolic" or unit.array is None:
        return
    pes = unit.array.rows * unit.array.cols
    for name, spec in unit.precisions.items():
        ratio = spec.macs_per_cycle / pes
        if not 1 / limits.MAX_MACS_PER_PE <= ratio <= limits.MAX_MACS_PER_PE:
            raise ValueError(f"precisions.{name}.macs_per_cycle {spec.macs_per_cycle:g} does not fit the "
                             f"{unit.array.rows}x{unit.array.cols} array ({pes:,} PEs): allowed "
                             f"{pes / limits.MAX_MACS_PER_PE:g}..{pes * limits.MAX_MACS_PER_PE:g} "
                             f"(1/{limits.MAX_MACS_PER_PE} to {limits.MAX_MACS_PER_PE} MACs per PE per cycle)")


class LimitedModel(BaseModel):
    """Base of every input model: finite numbers only, no bool for a number, every field inside accelsim.limits."""

    model_config = ConfigDict(allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data):
        return refuse_bool_numbers(cls, data)

    @model_validator(mode="after")
    def _within_limits(self):
        return check_model_limits(self)
