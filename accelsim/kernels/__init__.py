"""Cycle fidelity: Numba binary / ternary / int8 convolutions that count PE-array cycles."""
from accelsim.kernels.conv import ConvResult, conv2d
from accelsim.kernels.cycles import CycleStats
from accelsim.kernels.filters import PackedFilters, pack_filters
from accelsim.kernels.pe import PEArray
from accelsim.kernels.reference import conv2d_reference

__all__ = ["ConvResult", "CycleStats", "PEArray", "PackedFilters", "conv2d", "conv2d_reference", "pack_filters"]
