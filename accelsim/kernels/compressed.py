"""Bytes of a tensor stored compressed, as zero-aware accelerators keep them in DRAM and SRAM.

* ``rle`` (Eyeriss, Chen et al., JSSC 2017): the flattened tensor as (zero run, value) pairs,
  a ``run_bits``-bit run of zeros (Eyeriss: 5) then the next value; a run longer than
  ``2**run_bits - 1`` is continued by a pair whose value is zero, and trailing zeros are
  pairs of their own. Each pair takes ``run_bits + value_bits``.
* ``bitmap`` (NVDLA weight compression, Cambricon-X style): one mask bit per element plus
  the nonzero values.

Both count bits exactly on the actual tensor (so pruned weights and ternary or ReLU'd
activations shrink, dense random data does not) and round up to whole bytes.
"""
from __future__ import annotations

import math

import numpy as np

from accelsim.errors import AccelsimError

FORMATS = ("rle", "bitmap")


def rle_pairs(flat: np.ndarray, run_bits: int = 5) -> int:
    """(run, value) pairs Eyeriss-style run-length coding needs for ``flat``."""
    cap = (1 << run_bits) - 1            # longest run one pair holds before its value
    nz = np.flatnonzero(flat)
    if nz.size == 0:
        return math.ceil(flat.size / (cap + 1))
    gaps = np.diff(np.concatenate(([-1], nz))) - 1          # zeros before each nonzero
    extra = np.maximum(0, -(-(gaps - cap) // (cap + 1)))     # zero-valued pairs that extend long runs
    trailing = flat.size - 1 - int(nz[-1])
    return int(nz.size + extra.sum() + -(-trailing // (cap + 1)))


def compressed_bytes(arr: np.ndarray, fmt: str, value_bits: int, run_bits: int = 5) -> int:
    """Bytes of ``arr`` (any shape, zeros = 0) stored in ``fmt`` with ``value_bits`` per value."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    if fmt == "rle":
        bits = rle_pairs(flat, run_bits) * (run_bits + value_bits)
    elif fmt == "bitmap":
        bits = flat.size + int(np.count_nonzero(flat)) * value_bits
    else:
        raise AccelsimError(f"compressed format: got {fmt!r}; allowed: {', '.join(FORMATS)}")
    return math.ceil(bits / 8)
