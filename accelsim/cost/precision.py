"""Which numeric formats a unit runs, at what throughput and energy."""
from __future__ import annotations

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PrecisionSpec, Unit


def precision_spec(unit: Unit, precision: str, layer: str = "") -> PrecisionSpec:
    """The unit's spec for ``precision``; a format it lacks is a clear error."""
    spec = unit.precisions.get(precision)
    if spec is None:
        where = f"layer {layer!r}: " if layer else ""
        raise AccelsimError(f"{where}unit {unit.name!r} does not run precision {precision!r}; "
                            f"it supports: {', '.join(unit.precisions)}")
    return spec
