"""Range checks of layer fields and inferred tensors (see accelsim/limits.py).

Run by :class:`accelsim.workload.graph.Workload` on every layer, whatever built
it (YAML, ONNX, SCALE-Sim CSV, zoo, Python): strict integers (no bool), kernels,
strides and sizes > 0, every dimension and count in a range that keeps the cost
arithmetic exact.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import fields

from accelsim import limits
from accelsim.errors import AccelsimError
from accelsim.limits import shown

#: fields that must be > 0 wherever they are given (others, e.g. padding or a slice start, may be 0)
POSITIVE = {"kernel", "stride", "dilation", "groups", "out_channels", "out_features", "hidden_size",
            "hidden_channels", "steps", "scale", "size", "output_size", "shape", "stop", "top_k", "max_detections"}
#: fields measured in pixels (bounded by MAX_SPATIAL); every other integer is bounded by MAX_CHANNELS
SPATIAL = {"kernel", "stride", "dilation", "padding", "scale", "size", "output_size", "steps"}


def _ints(value) -> list | None:
    """The integers of an int or a tuple/list of them; None when ``value`` is not integer-valued."""
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    if items and all(isinstance(x, numbers.Integral) for x in items):
        return items
    return None


def check_layer_fields(workload: str, layer) -> None:
    """Each integer field of ``layer`` a true int in its range; each float finite."""
    at = f"workload {shown(workload)}: layer {shown(layer.name)}"
    if not isinstance(layer.name, str):
        raise AccelsimError(f"{at}: name: got {shown(layer.name)}; must be a string")
    for f in fields(layer):
        value = getattr(layer, f.name)
        if value is None or f.name in ("name", "inputs", "precision", "compression"):
            continue
        takes_bool = "bool" in str(f.type)
        if isinstance(value, bool):
            if takes_bool:
                continue
            raise AccelsimError(f"{at}: {f.name}: got {shown(value)}; a number is required, not a boolean")
        if isinstance(value, (tuple, list)) and any(isinstance(x, bool) for x in value):
            raise AccelsimError(f"{at}: {f.name}: got {shown(value)}; numbers are required, not booleans")
        if isinstance(value, float):
            if not math.isfinite(value):
                raise AccelsimError(f"{at}: {f.name}: got {shown(value)}; must be a finite number")
            continue
        ints = _ints(value)
        if ints is None:
            continue
        low = 1 if f.name in POSITIVE else 0
        high = limits.MAX_SPATIAL if f.name in SPATIAL else limits.MAX_CHANNELS
        if not all(low <= x <= high for x in ints):
            raise AccelsimError(f"{at}: {f.name}: got {shown(value)}; each value must be an integer in "
                                f"[{low}, {high:,}] (accelsim.limits)")


def check_shape(where: str, shape: tuple) -> None:
    """A C x H x W tensor: every dimension > 0 and within the limits, at most MAX_TENSOR_ELEMENTS elements."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 3 or \
            any(isinstance(x, bool) or not isinstance(x, numbers.Integral) for x in shape):
        raise AccelsimError(f"{where}: got {shown(shape)}; a tensor shape is 3 integers C, H, W")
    c, h, w = (int(x) for x in shape)
    if not (1 <= c <= limits.MAX_CHANNELS and 1 <= h <= limits.MAX_SPATIAL and 1 <= w <= limits.MAX_SPATIAL):
        raise AccelsimError(f"{where}: got {shown(shape)}; C must be in [1, {limits.MAX_CHANNELS:,}], H and W in "
                            f"[1, {limits.MAX_SPATIAL:,}] (empty tensors are refused; accelsim.limits)")
    if c * h * w > limits.MAX_TENSOR_ELEMENTS:
        raise AccelsimError(f"{where}: got {shown(shape)}; {c * h * w:,} elements exceed the limit of "
                            f"{limits.MAX_TENSOR_ELEMENTS:,} (accelsim.limits)")


def check_counts(where: str, macs: int, params: int, elem_ops: int) -> None:
    """A layer's MACs, parameters and element operations within MAX_LAYER_MACS."""
    for what, n in (("MACs", macs), ("parameters", params), ("element ops", elem_ops)):
        if n > limits.MAX_LAYER_MACS:
            raise AccelsimError(f"{where}: {n:,} {what} exceed the per-layer limit of {limits.MAX_LAYER_MACS:,} "
                                f"(accelsim.limits)")


def check_layer_count(where: str, count: int) -> None:
    if count > limits.MAX_LAYERS:
        raise AccelsimError(f"{where}: {count:,} layers exceed the limit of {limits.MAX_LAYERS:,} (accelsim.limits)")
