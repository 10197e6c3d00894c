"""Turn pydantic validation errors into accelsim's one-line messages."""
from __future__ import annotations

from pydantic import BaseModel, ValidationError

from accelsim import limits
from accelsim.errors import AccelsimError


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def validation_message(where: str, err: ValidationError, prefix: str = "") -> str:
    """``file: field: got VALUE; REASON`` for the first error (+ how many more)."""
    errors = err.errors()
    first = errors[0]
    field = _loc(tuple(p for p in first["loc"] if not str(p).startswith("function-after")))
    if prefix:
        field = prefix if field == "(top level)" else f"{prefix}.{field}"
    value = first.get("input")
    reason = first["msg"]
    if first["type"] == "accelsim_limit":  # accelsim/hardware/limits_check.py: the message names field and value
        ctx = first["ctx"]
        field = ctx["field"] if field == "(top level)" else f"{field}.{ctx['field']}"
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        return f"{where}: {field}: {ctx['msg']}{more}"
    if first["type"] == "literal_error":
        reason = "allowed: " + first["ctx"]["expected"]
    elif first["type"] == "extra_forbidden":
        reason = "unknown field (check its spelling)"
    elif first["type"] == "missing":
        reason = "required field is missing"
    shown = limits.shown(value) if not isinstance(value, dict) else "{...}"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    if len(reason) > 300:  # a reason quoting a huge name or value
        reason = reason[:297] + "..."
    return f"{where}: {field}: got {shown}; {reason}{more}"


def validate(model: type[BaseModel], data: object, where: str):
    """Validate ``data`` as ``model`` or raise a one-line AccelsimError."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise AccelsimError(validation_message(where, err)) from None
