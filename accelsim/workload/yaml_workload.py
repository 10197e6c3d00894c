"""Read a workload YAML file (``workloads/*.yaml``).

Format::

    name: tiny_cnn
    input: [3, 32, 32]          # C, H, W (or a mapping of named inputs)
    precision: int8             # default format of every layer
    layers:
      - {name: conv1, op: conv, out_channels: 16, kernel: 3, stride: 1, padding: 1}
      - {name: pool1, op: pool, kind: max, kernel: 2}
      - {name: fc, op: fc, out_features: 10}

``op`` is one of the registered layer types; the other keys are that layer's
fields; ``inputs`` lists the layers a layer reads (default: the previous one).
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from accelsim.errors import AccelsimError
from accelsim.limits import shown
from accelsim.validation import validation_message
from accelsim.workload.graph import Workload
from accelsim.workload.layers import LAYER_TYPES, Layer
from accelsim.yamlio import read_yaml_mapping

_ADAPTERS: dict[type, TypeAdapter] = {}


def _build_layer(where: str, index: int, spec: object) -> Layer:
    at = f"{where}: layers[{index}]"
    if not isinstance(spec, dict):
        raise AccelsimError(f"{at}: got {shown(spec)}; each layer must be a mapping with 'name' and 'op'")
    spec = dict(spec)
    op = spec.pop("op", None)
    if not isinstance(op, str) or op not in LAYER_TYPES:
        raise AccelsimError(f"{at}.op: got {shown(op)}; allowed: {', '.join(sorted(LAYER_TYPES))}")
    cls = LAYER_TYPES[op]
    for f in fields(cls):
        value = spec.get(f.name)
        flat = value if isinstance(value, list) else [value]
        if "bool" not in str(f.type) and any(isinstance(x, bool) for x in flat):
            raise AccelsimError(f"{at}.{f.name}: got {shown(value)}; a number or name is required, not a boolean")
    known = {f.name for f in fields(cls)}
    unknown = sorted(str(k) for k in set(spec) - known)
    if unknown:
        raise AccelsimError(f"{at}: unknown field(s) {shown(unknown)} for op {op!r}; allowed: {sorted(known)}")
    if isinstance(spec.get("inputs"), str):
        spec["inputs"] = [spec["inputs"]]
    adapter = _ADAPTERS.setdefault(cls, TypeAdapter(cls))
    try:
        return adapter.validate_python(spec)
    except ValidationError as err:
        raise AccelsimError(validation_message(where, err, prefix=f"layers[{index}]")) from None


def load_yaml_workload(path: Path) -> Workload:
    data = read_yaml_mapping(path, "a workload (with 'input' and 'layers')")
    where = str(path)
    unknown = sorted(str(k) for k in set(data) - {"name", "description", "input", "inputs", "precision", "layers"})
    if unknown:
        raise AccelsimError(f"{where}: unknown top-level field(s) {shown(unknown)}; "
                            "allowed: name, description, input, inputs, precision, layers")
    for key in ("name", "description", "precision"):
        if key in data and not isinstance(data[key], str):
            raise AccelsimError(f"{where}: {key}: got {shown(data[key])}; must be a string")
    inputs = data.get("inputs", data.get("input"))
    if isinstance(inputs, list) and len(inputs) == 3 and all(isinstance(x, int) and x > 0 for x in inputs):
        inputs = {"input": tuple(inputs)}
    elif isinstance(inputs, dict) and all(isinstance(k, str) and isinstance(v, list) and len(v) == 3 and all(
            isinstance(x, int) and x > 0 for x in v) for k, v in inputs.items()):
        inputs = {k: tuple(v) for k, v in inputs.items()}
    else:
        raise AccelsimError(f"{where}: input: got {shown(inputs)}; give [C, H, W] with positive integers "
                            "(or a mapping name -> [C, H, W])")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise AccelsimError(f"{where}: layers: got {shown(layers)}; a non-empty list of layers is required")
    built = [_build_layer(where, i, spec) for i, spec in enumerate(layers)]
    try:
        return Workload(str(data.get("name", path.stem)), inputs, built,
                        precision=str(data.get("precision", "int8")), description=str(data.get("description", "")))
    except AccelsimError as err:
        raise AccelsimError(f"{where}: {err}") from None
