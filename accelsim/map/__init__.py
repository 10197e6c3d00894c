"""Mapping: how a layer occupies a unit's MAC array, and which tensors stay on chip."""
from accelsim.map.array_mapping import ArrayMapping, best_mapping

MAPPINGS = ("auto", "scalesim")

__all__ = ["MAPPINGS", "ArrayMapping", "best_mapping"]
