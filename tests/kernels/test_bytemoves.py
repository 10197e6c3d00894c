"""Masked AVX-512 byte moves (accelsim.kernels.bytemoves) against NumPy slicing, at every length."""
import numpy as np
import pytest
from numba import njit

from accelsim.kernels.bytemoves import copy_bytes, split_bytes, widen_bytes


@njit(cache=True)
def _copy(src, soff, dst, doff, n):
    copy_bytes(src, soff, dst, doff, n)


@njit(cache=True)
def _split(src, soff, n, even, eoff, odd, ooff):
    split_bytes(src, soff, n, even, eoff, odd, ooff)


@njit(cache=True)
def _widen(src, soff, dst, doff, n):
    widen_bytes(src, soff, dst, doff, n)


@pytest.mark.parametrize("n", list(range(0, 65)))
def test_moves_touch_exactly_n_bytes(n):
    """Bytes inside the mask move; nothing before or after them is written."""
    rng = np.random.default_rng(n)
    src = rng.integers(-128, 128, 200).astype(np.int8)
    dst = np.full(200, 7, np.int8)
    _copy(src, 5, dst, 11, n)
    want = np.full(200, 7, np.int8)
    want[11:11 + n] = src[5:5 + n]
    np.testing.assert_array_equal(dst, want)

    even, odd = np.full(80, 7, np.int8), np.full(80, 7, np.int8)
    _split(src, 3, n, even, 2, odd, 9)
    we, wo = np.full(80, 7, np.int8), np.full(80, 7, np.int8)
    we[2:2 + (n + 1) // 2] = src[3:3 + n:2]
    wo[9:9 + n // 2] = src[4:3 + n:2]
    np.testing.assert_array_equal(even, we)
    np.testing.assert_array_equal(odd, wo)

    if n <= 16:
        d32 = np.full(40, 7, np.int32)
        _widen(src, 6, d32, 4 * 3, n)
        w32 = np.full(40, 7, np.int32)
        w32[3:3 + n] = src[6:6 + n]
        np.testing.assert_array_equal(d32, w32)
