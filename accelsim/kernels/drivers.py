"""Numba drivers: run the micro-kernels (or plain dot products) over a layer.

Blocked drivers take one group's patch matrix ``P`` (rows = output pixels, padded to a
multiple of 4) and filter matrix ``W`` (rows = filters), and write
``y[n, k0 + k, e, f] = scale * dot + bias[k]`` straight into the NCHW int32 output, with the
pixel index ``i = (n*E + e)*F + f``. They run in parallel over blocks of 4 pixels.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from accelsim.kernels.microkernels import BLOCK, ternary_4x4, u8s8_4x4, xorpop_4x4


@njit(cache=True, inline="always")
def _write_block(y, buf, i0, kb, m, kg, k0, ef, f, scale, bias):
    for a in range(BLOCK):
        i = i0 + a
        if i < m:
            n, p = i // ef, i % ef
            e, fi = p // f, p % f
            for b in range(BLOCK):
                k = kb + b
                if k < kg:
                    y[n, k0 + k, e, fi] = np.int32(scale * buf[a * BLOCK + b] + bias[k])


@njit(cache=True, parallel=True)
def xorpop_gemm(p, w, nwords, m, kg, k0, scale, bias, y):
    """Binary: dot = popcount(P ^ W) over ``nwords`` uint64 words."""
    f, ef = y.shape[3], y.shape[2] * y.shape[3]
    for ib in prange((m + BLOCK - 1) // BLOCK):
        buf = np.empty(BLOCK * BLOCK, np.int64)
        for kb in range(0, kg, BLOCK):
            xorpop_4x4(p, w, ib * BLOCK, kb, nwords, buf)
            _write_block(y, buf, ib * BLOCK, kb, m, kg, k0, ef, f, scale, bias)


@njit(cache=True, parallel=True)
def ternary_gemm(pnz, ps, wnz, ws, nwords, m, kg, k0, bias, y):
    """Ternary x and w as (nonzero, sign) bit planes."""
    f, ef = y.shape[3], y.shape[2] * y.shape[3]
    for ib in prange((m + BLOCK - 1) // BLOCK):
        buf = np.empty(BLOCK * BLOCK, np.int64)
        for kb in range(0, kg, BLOCK):
            ternary_4x4(pnz, ps, wnz, ws, ib * BLOCK, kb, nwords, buf)
            _write_block(y, buf, ib * BLOCK, kb, m, kg, k0, ef, f, 1, bias)


@njit(cache=True, parallel=True)
def vnni_gemm(p, w, nvec, m, kg, k0, bias, y):
    """int8 with VNNI: P holds x + 128 as uint8; ``bias`` = -128 * sum(w) corrects it."""
    f, ef = y.shape[3], y.shape[2] * y.shape[3]
    for ib in prange((m + BLOCK - 1) // BLOCK):
        buf = np.empty(BLOCK * BLOCK, np.int32)
        for kb in range(0, kg, BLOCK):
            u8s8_4x4(p, w, ib * BLOCK, kb, nvec, buf)
            _write_block(y, buf, ib * BLOCK, kb, m, kg, k0, ef, f, 1, bias)


@njit(cache=True, parallel=True, fastmath=True)
def int8_dot_gemm(p, w, m, kg, k0, y):
    """int8 without VNNI: one dot product per output (vectorised to VPMADDWD by LLVM)."""
    f, ef = y.shape[3], y.shape[2] * y.shape[3]
    kw = p.shape[1]
    for i in prange(m):
        n, q = i // ef, i % ef
        e, fi = q // f, q % f
        row = p[i]
        for k in range(kg):
            wr = w[k]
            acc = np.int32(0)
            for j in range(kw):
                acc = np.int32(acc + np.int32(row[j]) * np.int32(wr[j]))
            y[n, k0 + k, e, fi] = acc


@njit(cache=True, parallel=True, fastmath=True)
def addsub_gemm(p, wpos, wneg, m, kg, k0, y):
    """Ternary w, int8 x: add x where w = +1, subtract where w = -1 (masks of all-ones bytes)."""
    f, ef = y.shape[3], y.shape[2] * y.shape[3]
    kw = p.shape[1]
    for i in prange(m):
        n, q = i // ef, i % ef
        e, fi = q // f, q % f
        row = p[i]
        for k in range(kg):
            mp, mn = wpos[k], wneg[k]
            acc = np.int32(0)
            for j in range(kw):
                acc = np.int32(acc + np.int32(row[j] & mp[j]) - np.int32(row[j] & mn[j]))
            y[n, k0 + k, e, fi] = acc


@njit(cache=True, parallel=True, fastmath=True)
def direct_conv(xp, w, groups, sh, sw, y):
    """Few filters per group (depthwise): integer MACs vectorised along output columns.

    xp is padded NCHW int8; every output row accumulates in an int32 vector.
    """
    nb, k, e, f = y.shape
    cg, r, s = w.shape[1], w.shape[2], w.shape[3]
    kg = k // groups
    for t in prange(nb * k):
        n, ko = t // k, t % k
        c0 = (ko // kg) * cg
        acc = np.zeros(f, np.int32)
        for ei in range(e):
            acc[:] = 0
            for c in range(cg):
                for ri in range(r):
                    row = xp[n, c0 + c, ei * sh + ri]
                    for si in range(s):
                        wv = np.int32(w[ko, c, ri, si])
                        for fi in range(f):
                            acc[fi] = np.int32(acc[fi] + wv * np.int32(row[fi * sw + si]))
            y[n, ko, ei, :] = acc


@njit(cache=True, parallel=True)
def zero_pad_correction(y, wsum, h, w, sh, sw, pt, pl):
    """Binary zero padding: the kernel padded with -1, so add back sum_c w over padded taps.

    ``wsum[k, r, s] = sum_c w[k, c, r, s]``; only outputs whose window leaves the input change.
    """
    nb, k, e, f = y.shape
    r, s = wsum.shape[1], wsum.shape[2]
    for ko in prange(k):
        for ei in range(e):
            top = ei * sh - pt
            row_in = top >= 0 and top + r <= h
            for fi in range(f):
                left = fi * sw - pl
                if row_in and left >= 0 and left + s <= w:
                    continue
                corr = 0
                for ri in range(r):
                    hi = top + ri
                    for si in range(s):
                        wi = left + si
                        if hi < 0 or hi >= h or wi < 0 or wi >= w:
                            corr += wsum[ko, ri, si]
                for n in range(nb):
                    y[n, ko, ei, fi] += corr
