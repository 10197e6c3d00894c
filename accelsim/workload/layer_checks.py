"""Small validation helpers shared by the layer modules."""
from __future__ import annotations

from accelsim.errors import AccelsimError


def positive(layer, *keys: str) -> None:
    """Raise a one-line error if any of ``layer``'s integer fields ``keys`` is not > 0."""
    for key in keys:
        value = getattr(layer, key)
        if not isinstance(value, int) or value <= 0:
            raise AccelsimError(f"layer {layer.name!r}: {key}: got {value!r}; must be an integer > 0")
