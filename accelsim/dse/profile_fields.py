"""Address any field of a hardware profile by a dotted path, and build profile variants.

A path walks the profile as its YAML reads: ``dram.bandwidth_gbps``,
``units.npu.array.rows``, ``units.npu.precisions.int8.macs_per_cycle``,
``memories.system_cache.size_bytes``. List entries (``units``, ``memories``,
``sources``) are picked by their ``name`` (or ``id``), or by index.

Changing a unit's array shape keeps what one PE does per cycle: unless the
same variant also sets a precision's ``macs_per_cycle``, it scales with
``rows * cols`` (a 64x64 variant of a 32x32 array with 1024 int8 MACs/cycle
does 4096).
"""
from __future__ import annotations

import copy
import typing
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile
from accelsim.validation import validation_message


def split_paths(key: str) -> list[str]:
    """A parameter name is one path or several comma-separated paths set to the same value."""
    return [p.strip() for p in key.split(",") if p.strip()]


def _child(node: Any, part: str, walked: str) -> Any:
    if isinstance(node, dict):
        if part not in node:
            raise AccelsimError(f"{walked or 'the profile'} has no field {part!r}; it has: {', '.join(map(str, node))}")
        return node[part]
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and part in (item.get("name"), item.get("id")):
                return item
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        names = [str(item.get("name", item.get("id"))) for item in node if isinstance(item, dict)]
        raise AccelsimError(f"{walked} has no entry {part!r}; entries: {', '.join(names) or 'none'}")
    raise AccelsimError(f"{walked} is a value ({node!r}), it has no field {part!r}")


def resolve(data: dict, path: str) -> tuple[Any, str | int]:
    """(container, key) of ``path`` in a dumped profile; a path that does not exist is an AccelsimError."""
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise AccelsimError(f"{path!r} is not a dotted path such as units.npu.array.rows")
    node: Any = data
    walked = ""
    for part in parts[:-1]:
        node = _child(node, part, walked)
        walked = f"{walked}.{part}" if walked else part
    last = parts[-1]
    if isinstance(node, dict):
        if last not in node:
            raise AccelsimError(f"{walked or 'the profile'} has no field {last!r}; it has: {', '.join(map(str, node))}")
        value = node[last]
        if isinstance(value, (dict, list)):
            raise AccelsimError(f"{path} is a group of fields, not one value; pick one of: "
                                f"{', '.join(map(str, value if isinstance(value, dict) else range(len(value))))}")
        return node, last
    raise AccelsimError(f"{walked} is not a group of fields; {path!r} cannot be set")


def get_field(data: dict, path: str) -> Any:
    container, key = resolve(data, path)
    return container[key]


def check_paths(profile: Profile, keys: list[str]) -> None:
    """Raise an AccelsimError naming the first parameter key that is not a field of ``profile``."""
    data = profile.model_dump()
    for key in keys:
        paths = split_paths(key)
        if not paths:
            raise AccelsimError(f"{key!r}: empty parameter name; give a dotted path such as dram.bandwidth_gbps")
        for path in paths:
            resolve(data, path)


def unit_index(data: dict) -> dict[str, dict]:
    return {u["name"]: u for u in data["units"]}


def apply_overrides(profile: Profile, overrides: dict[str, Any], where: str = "design point") -> Profile:
    """A validated copy of ``profile`` with each ``path -> value`` of ``overrides`` set.

    Bad values (a negative array size, a bandwidth of "fast") are an
    AccelsimError naming the field, as for a profile file.
    """
    data = copy.deepcopy(profile.model_dump())
    set_paths: set[str] = set()
    for key, value in overrides.items():
        for path in split_paths(key):
            container, field = resolve(data, path)
            container[field] = value
            set_paths.add(path)
    _scale_array_rates(data, profile, set_paths)
    return _validate(data, profile, where)


def _scale_array_rates(data: dict, profile: Profile, set_paths: set[str]) -> None:
    """A changed array shape scales each precision's macs_per_cycle (unless set too) before validation."""
    units = unit_index(data)
    for base in profile.units:
        unit = units.get(base.name)
        shape = {f"units.{base.name}.array.rows", f"units.{base.name}.array.cols"}
        if unit is None or base.array is None or not (shape & set_paths) or not isinstance(unit.get("array"), dict):
            continue
        dims = [_number(unit["array"].get("rows")), _number(unit["array"].get("cols"))]
        if not all(v is not None and v > 0 for v in dims):
            continue  # validation names the bad value
        for name, entry in (unit.get("precisions") or {}).items():
            if f"units.{base.name}.precisions.{name}.macs_per_cycle" not in set_paths and isinstance(entry, dict):
                entry["macs_per_cycle"] = entry["macs_per_cycle"] * dims[0] * dims[1] / base.pe_count


def _number(value: Any) -> float | None:
    """A value the schema coerces to a number ("16", 32.0, 64), else None."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _validate(data: dict, profile: Profile, where: str) -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as err:
        raise AccelsimError(validation_message(f"{where} ({profile.name})", err)) from None


def _model_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model class inside ``annotation``, whether a list/dict selector part comes first)."""
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        inner, _ = _model_in(typing.get_args(annotation)[-1])
        return inner, True
    if origin is not None:  # Optional / Union: the first model among the members
        for arg in typing.get_args(annotation):
            inner, selector = _model_in(arg)
            if inner is not None:
                return inner, selector
        return None, False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


@lru_cache(maxsize=256)
def field_adapter(path: str) -> TypeAdapter:
    """A validator of the single field at ``path``, with the schema's own type and constraints.

    Validating one value this way gives what validating a whole profile with
    that value would (the schema's cross-field checks do not look at values),
    about a hundred times faster.
    """
    parts = path.split(".")
    model: type[BaseModel] = Profile
    i = 0
    while True:
        info = model.model_fields.get(parts[i])
        if info is None:
            raise AccelsimError(f"{path}: no field {parts[i]!r} in {model.__name__}")
        i += 1
        if i == len(parts):
            return TypeAdapter(Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation)
        inner, selector = _model_in(info.annotation)
        if inner is None:
            raise AccelsimError(f"{path}: {parts[i - 1]!r} has no fields")
        model = inner
        i += 1 if selector else 0
        if i >= len(parts):
            raise AccelsimError(f"{path}: incomplete path")
