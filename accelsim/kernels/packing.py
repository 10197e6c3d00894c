"""Lay operands out for the kernels: channels-last padding, bit packing, im2col.

Patch rows are in (r, s, c) order, channels fastest, so one tap's channels are contiguous.
Binary and ternary values are packed along channels into uint64 words, each tap's
channels of a group starting a new word (``ceil(C/groups / 64)`` words per tap); unused bits
are zero in both operands, so they add nothing to a popcount of XOR or AND.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

WORD_BITS = 64


def pad_nhwc(x: np.ndarray, padding: tuple[int, int, int, int], value: int) -> np.ndarray:
    """NCHW int8 -> zero/constant padded, channels-last NHWC int8 (contiguous)."""
    pt, pl, pb, pr = padding
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=np.int8(value))
    return np.ascontiguousarray(xp.transpose(0, 2, 3, 1))


@njit(cache=True, parallel=True)
def pack_bits(a, groups, negative):
    """Pack the last (channel) axis of ``a`` (..., C) per group into uint64 words.

    Bit ``c`` of a word is set where ``a < 0`` (``negative``: the sign plane of binary and
    ternary values) or where ``a != 0`` (the nonzero plane of ternary values). Returns
    (rows, groups, words per group).
    """
    flat = a.reshape(-1, a.shape[-1])
    rows, c = flat.shape
    cg = c // groups
    nw = (cg + WORD_BITS - 1) // WORD_BITS
    out = np.zeros((rows, groups, nw), np.uint64)
    for i in prange(rows):
        for g in range(groups):
            for j in range(cg):
                v = flat[i, g * cg + j]
                bit = v < 0 if negative else v != 0
                if bit:
                    out[i, g, j // WORD_BITS] |= np.uint64(1) << np.uint64(j % WORD_BITS)
    return out


@njit(cache=True, parallel=True)
def im2col(xp, g, r, s, sh, sw, e, f, rows_to, cols_to):
    """Patch matrix of group ``g``: xp is (N, Hp, Wp, G, L); row (n, e, f), columns (r, s, l).

    The result has ``rows_to`` rows and ``cols_to`` columns (zero beyond the data), so
    micro-kernels can run whole 4-row blocks and whole vectors.
    """
    n = xp.shape[0]
    ln = xp.shape[4]
    out = np.zeros((rows_to, cols_to), xp.dtype)
    for t in prange(n * e):
        b, ei = t // e, t % e
        for fi in range(f):
            row = t * f + fi
            col = 0
            for ri in range(r):
                for si in range(s):
                    src = xp[b, ei * sh + ri, fi * sw + si, g]
                    for j in range(ln):
                        out[row, col + j] = src[j]
                    col += ln
    return out


def filter_rows(w_packed: np.ndarray, g: int, kg: int, rows_to: int, cols_to: int) -> np.ndarray:
    """Filters of group ``g`` as rows: w_packed is (K, R, S, G?, L) flattened per filter."""
    part = w_packed[g * kg:(g + 1) * kg].reshape(kg, -1)
    out = np.zeros((rows_to, cols_to), w_packed.dtype)
    out[:kg, :part.shape[1]] = part
    return out


def round_up(v: int, m: int) -> int:
    return -(-v // m) * m
