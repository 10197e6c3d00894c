"""A whole one-group XNOR-popcount layer in one parallel pass over bands of output rows.

Each task takes a band of output rows and a chunk of filters. It packs the input rows that
band reads into bit words, gathers each block of 64 output pixels' patches into a buffer that
stays in L1, runs the XNOR-popcount micro-kernel on it and writes the outputs in place; the
zero-padding corrections of border pixels are added by the micro-kernels themselves from a small
per-filter table (:func:`pad_pattern_table`), or per block where a layer has more than 16 border
patterns. So no patch matrix is built in memory, and the outputs never move between cores.
Before this, the packer, im2col and the GEMM each split the work their own way: on 2 threads
each GEMM thread read half its patches from the other core's cache (layer1 64->64 3x3 at 56x56:
0.097 ms for the layer, 0.062 ms for its GEMM alone).
Packing the halo rows of a band twice costs little: the packed input is 1/64 of x's bytes
per channel.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange
from numba.np.ufunc import parallel as _parallel

from accelsim.kernels.drivers import subsample
from accelsim.kernels.microkernels import FB, LANES, TABLE, xorpop_1t, xorpop_1v, xorpop_2t, xorpop_2v
from accelsim.kernels.packing import WORD_BITS, _pack_chunk, _place

BLOCK = 64                       # output pixels gathered per block (4 x 16: the 2-vector micro-kernel)
PV1 = LANES["xorpop"]            # pixels per 1-vector micro-kernel call
PV2 = 2 * PV1                    # pixels per 2-vector micro-kernel call


@functools.lru_cache(maxsize=256)
def padding_patterns(e: int, f: int, h: int, wd: int, r: int, s: int, sh: int, sw: int, pt: int, pl: int):
    """Which taps of each output row / column are inside the input, as few distinct patterns.

    Returns (row patterns (P, R) int64 of 0 / 1, column patterns (Q, S), each output row's pattern index
    (E,), each output column's (F,)). An output's window reaches into the padding iff its row pattern or
    its column pattern is not all ones.
    """
    rows = np.arange(e)[:, None] * sh - pt + np.arange(r)[None, :]
    cols = np.arange(f)[:, None] * sw - pl + np.arange(s)[None, :]
    row_in, col_in = (rows >= 0) & (rows < h), (cols >= 0) & (cols < wd)
    row_pat, row_of = np.unique(row_in, axis=0, return_inverse=True)
    col_pat, col_of = np.unique(col_in, axis=0, return_inverse=True)
    return row_pat.astype(np.int64), col_pat.astype(np.int64), row_of.reshape(-1), col_of.reshape(-1)


def pattern_corrections(tap_sums: np.ndarray, row_pat: np.ndarray, col_pat: np.ndarray) -> np.ndarray:
    """(K, P, Q) int64: for each filter and (row pattern, column pattern), ``sum_c w`` over the taps in the
    padding: what an output padded with -1 must get back for exact zero padding."""
    inside = np.einsum("krs,pr,qs->kpq", tap_sums.astype(np.int64), row_pat, col_pat)
    return tap_sums.sum(axis=(1, 2), dtype=np.int64)[:, None, None] - inside


def pad_pattern_table(tap_sums: np.ndarray, kw: int, kgp: int, e: int, f: int, h: int, wd: int, sh: int, sw: int,
                      pt: int, pl: int):
    """Binary zero padding as a per-filter table for the table micro-kernels, or None if the layer has more
    than :data:`TABLE` border patterns.

    Which taps of an output are in the padding depends only on its (row pattern, column pattern)
    (:func:`padding_patterns`): 9 pairs for a 3x3 window with padding 1. Returns (tab (kgp, TABLE) int32:
    ``kw`` + the correction of each pair (:func:`pattern_corrections`), pidx (E*F + BLOCK) int32: each
    output's pair, border (E*F + BLOCK + 1) int32: how many of the outputs before each one have a window
    that reaches into the padding; vectors without such outputs take the plain micro-kernel and bias kw).
    """
    r, s = tap_sums.shape[1:]
    row_pat, col_pat, row_of, col_of = padding_patterns(e, f, h, wd, r, s, sh, sw, pt, pl)
    npr, npc = len(row_pat), len(col_pat)
    if npr * npc > TABLE:
        return None
    corr = pattern_corrections(tap_sums, row_pat, col_pat)
    tab = np.full((kgp, TABLE), kw, np.int32)
    tab[:corr.shape[0], :npr * npc] += corr.reshape(corr.shape[0], -1).astype(np.int32)
    m = e * f
    pidx = np.zeros(m + BLOCK, np.int32)
    pidx[:m] = (row_of[:, None] * npc + col_of[None, :]).reshape(-1)
    edge = ~(row_pat.all(axis=1)[row_of][:, None] & col_pat.all(axis=1)[col_of][None, :]).reshape(-1)
    border = np.zeros(m + BLOCK + 1, np.int32)
    border[1:m + 1] = np.cumsum(edge)
    border[m + 1:] = border[m]
    return tab, pidx, border


def band_split(e: int, f: int, kgp: int, threads: int) -> tuple[int, int]:
    """(bands of output rows, filters per chunk) for ``threads`` threads.

    One task on one thread (nothing to share, and every band or filter chunk would pack its halo or
    the whole input again). On more threads, one band of at least one pixel block per thread: each
    band packs its halo rows again, so fewer bands pack less (2 threads, quiet.sh, ms: 64->64 3x3 at
    56x56 .072 with 4 bands per thread, .066 with one; 128->128 at 28x28 .069 -> .064; 1x1 128 at
    56x56 .047 -> .044). A layer with fewer pixels than the threads have blocks splits its filters
    instead, one chunk per thread (each chunk packs the whole input: layer4's 512 channels x 7 x 7 cost
    4x their GEMM's time to pack when split in 4 on one thread).
    """
    if threads <= 1:
        return 1, kgp
    nbands = min(e, threads, (e * f) // BLOCK)
    if nbands >= threads:
        return nbands - nbands % threads, kgp
    nkc = min(threads, kgp // FB)
    return 1, FB * -(-(kgp // FB) // nkc)


def num_threads() -> int:
    """``numba.get_num_threads()`` without its lock and checks: 0.1 us rather than 0.8 (called per layer).
    Reads Numba's own getter once its threads are up, else asks the public function."""
    get = getattr(_parallel, "_get_num_threads", None)
    n = get() if get is not None else 0
    return n if n > 0 else numba.get_num_threads()


@dataclass(frozen=True)
class BandPlan:
    """A checked binary layer's static arguments: calling it with x (the shape it was planned for,
    int8, C-contiguous) runs :func:`xnor_band_layer` without re-deriving any of them. Returns
    (y (N=1, K, E, F) int32, bad: x holds values other than -1 / +1)."""

    pads: tuple[int, int, int, int]
    fill_ones: bool
    w: np.ndarray
    bias: np.ndarray
    kernel: tuple[int, int, int, int]     # r, s, sh, sw
    out_kef: tuple[int, int, int]         # K, E, F
    flat: np.ndarray
    vals: np.ndarray
    tables: tuple[np.ndarray, np.ndarray, np.ndarray]   # (tab, pidx, border) of pad_pattern_table, or empty
    path = "xnor-popcount"                # (a class attribute: what conv2d reports for a planned call)

    def __call__(self, x4: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        k, e, f = self.out_kef
        if y is None:                     # (or the caller's (1, K, E, F) int32 output array)
            y = np.empty((1, k, e, f), np.int32)
        nbands, kchunk = band_split(e, f, self.w.shape[0], num_threads())
        bad = xnor_band_layer(x4, *self.pads, self.fill_ones, self.w, self.bias, *self.kernel, e, f, y, self.flat,
                              self.vals, *self.tables, nbands, kchunk)
        return y, bad


@dataclass(frozen=True)
class SubsampledPlan:
    """A strided 1x1 layer: reads every sh-th row and sw-th column of x only, so its plan takes those
    pixels (:func:`~accelsim.kernels.drivers.subsample`, which checks all of x's values in the same pass) and runs the
    stride-1 band plan on them. Same call and result as :class:`BandPlan`."""

    band: BandPlan
    stride: tuple[int, int]
    path = "xnor-popcount"

    def __call__(self, x4: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        xs, bad = subsample(x4, *self.stride, True)
        y, bad2 = self.band(xs, y)
        return y, bad | bad2


NO_TABLES = (np.zeros((0, TABLE), np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32))


@njit(cache=True, inline="always")
def _micro(pv, w, i0, kb, steps, bias, tab, pidx, tabled, n, out):
    """out[kb:kb+FB, i0:i0+n] (n <= PV2 pixels; one vector if n <= PV1) = the XNOR-popcount dot products
    plus bias[k] (or, ``tabled``, plus tab[k, pidx[i]])."""
    if n <= PV1:
        if tabled:
            xorpop_1t(pv, w, i0, kb, steps, -2, tab, pidx, out)
        else:
            xorpop_1v(pv, w, i0, kb, steps, -2, bias, out)
    elif tabled:
        xorpop_2t(pv, w, i0, kb, steps, -2, tab, pidx, out)
    else:
        xorpop_2v(pv, w, i0, kb, steps, -2, bias, out)


@njit(cache=True, inline="always")
def _gather(xb, p0, f, sh, sw, s, nw, m0, nb, patch):
    """patch[q, j] = packed word of step q (tap, word) for output pixel m0 + j, j < nb (rows of xb
    are padded input rows from ``p0``)."""
    steps = patch.shape[0]
    j = 0
    while j < nb:
        p = m0 + j
        ei, fi = p // f, p % f
        run = min(f - fi, nb - j)
        for q in range(steps):
            tap, li = q // nw, q % nw
            ri, si = tap // s, tap % s
            src = xb[li, ei * sh + ri - p0]
            dst = patch[q]
            c0 = fi * sw + si
            if sw == 1:   # (a loop of unsigned indexes: vectorised; the slice copy ran 3-4x slower)
                for u in range(run):
                    dst[np.uintp(j + u)] = src[np.uintp(c0 + u)]
            elif sw == 2:
                for u in range(run):
                    dst[j + u] = src[np.uintp(c0 + 2 * u)]
            else:
                for u in range(run):
                    dst[j + u] = src[np.uintp(c0 + sw * u)]
        j += run


@njit(cache=True, parallel=True)
def xnor_band_layer(x, pt, pl, pb, pr, fill_ones, w, bias, r, s, sh, sw, e, f, y, flat, vals, tab, pidx, border,
                    nbands, kchunk):
    """Binary layer of one image: y[0] (K, E, F) int32 = XNOR-popcount conv of x (1, C, H, W) int8 with
    the filter rows ``w`` (K rounded up to FB, steps) uint64, ``bias`` (the window length) per filter;
    padding with -1 (``fill_ones``) or +1, then ``vals[k, i]`` added at flat output ``flat[i]`` (sorted;
    the zero-padding corrections, or none) or, if ``tab`` has rows, the micro-kernels add ``tab[k, pidx[i]]``
    instead of the bias on the vectors flagged in ``border`` (:func:`pad_pattern_table`). ``nbands``,
    ``kchunk``: the split of the work (:func:`band_split`). Returns nonzero if x holds values other than
    -1 / +1."""
    c, h, wd = x.shape[1], x.shape[2], x.shape[3]
    k = y.shape[1]
    kgp, steps = w.shape[0], w.shape[1]
    tabled = tab.shape[0] > 0
    nw = (c + WORD_BITS - 1) // WORD_BITS
    wp = wd + pl + pr
    # a 1x1 stride-1 layer without padding: a band's packed rows are its patch matrix
    planes = r == 1 and s == 1 and sh == 1 and sw == 1 and wp == f
    # ... whose bands need not be whole rows: they start where a 64-byte line of y starts, so no line of y
    # is written by two threads (2 threads, 128 filters at 28x28: the GEMM took 3x longer with the line
    # at the band boundary of every filter's row going back and forth between the cores)
    line = ((-y.ctypes.data) % 64) // 4 if planes and (e * f) % PV2 == 0 else 0
    nkc = (kgp + kchunk - 1) // kchunk
    y2 = y[0].reshape(k, e * f)
    flags = np.zeros(nbands * nkc, np.uint8)
    for t in prange(nbands * nkc):
        bi, kc = t // nkc, t % nkc
        if planes:   # bands that start on an output cache line (see above)
            m0 = 0 if bi == 0 else (bi * (e * f) // nbands - line) // PV2 * PV2 + line
            m1 = e * f if bi == nbands - 1 else ((bi + 1) * (e * f) // nbands - line) // PV2 * PV2 + line
            e0, e1 = m0 // f, (m1 + f - 1) // f
        else:
            e0, e1 = bi * e // nbands, (bi + 1) * e // nbands
            m0, m1 = e0 * f, e1 * f
        k0, k1 = kc * kchunk, min(kgp, (kc + 1) * kchunk)
        p0, p1 = e0 * sh, (e1 - 1) * sh + r            # padded input rows the band reads
        xbf = np.empty(nw * (p1 - p0) * wp + PV2, np.uint64)   # slack: a last 16-pixel group reads past the end
        xb = xbf[:nw * (p1 - p0) * wp].reshape((nw, p1 - p0, wp))
        r0, r1 = max(0, p0 - pt), min(h, p1 - pt)     # the image rows among them
        nrow = max(0, r1 - r0)
        tmp = np.empty((8, nrow * wd), np.uint8)
        words = np.empty(nrow * wd, np.uint64)
        for wi in range(nw):
            n_bits = min(c, (wi + 1) * WORD_BITS) - wi * WORD_BITS
            pad = np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(WORD_BITS - n_bits) if fill_ones else np.uint64(0)
            dst = xb[wi]
            for rr in range(p1 - p0):
                if rr + p0 < pt or rr + p0 >= pt + h:
                    dst[rr] = pad
            if nrow > 0:
                flags[t] |= _pack_chunk(x, 0, 0, wi, r0, r1, c, True, tmp, words)
                _place(words, dst, r0, r1, wd, pt - p0, pl, pad)
        xp2 = xbf[:nw * (e1 - e0) * f].reshape((nw, (e1 - e0) * f))
        patch = np.zeros((steps, BLOCK), np.uint64)
        ob = np.empty((kgp, BLOCK), np.int32)        # rows k0..k1 used (the micro-kernel's rows are filter indexes)
        direct_k = min(k1, k - k % FB)                # filter blocks whose rows all exist in y
        nflat = flat.shape[0]
        ci0 = np.searchsorted(flat, m0)
        for b0 in range(m0, m1, BLOCK):
            nb = min(BLOCK, m1 - b0)
            if planes:
                pv = xp2[:, b0 - e0 * f:]
            else:
                _gather(xb, p0, f, sh, sw, s, nw, b0, nb, patch)
                pv = patch[:, :]
            yv = y2[:, b0:]
            pv_idx = pidx[b0:] if tabled else pidx
            full = nb // PV2 * PV2
            for kb in range(k0, k1, FB):
                if kb + FB <= direct_k:
                    for i0 in range(0, full, PV2):
                        edge = tabled and border[b0 + i0 + PV2] != border[b0 + i0]
                        _micro(pv, w, i0, kb, steps, bias, tab, pv_idx, edge, PV2, yv)
                    if full < nb:
                        _micro(pv, w, full, kb, steps, bias, tab, pv_idx, tabled, nb - full, ob)
                else:
                    for i0 in range(0, nb, PV2):
                        _micro(pv, w, i0, kb, steps, bias, tab, pv_idx, tabled, min(PV2, nb - i0), ob)
            if full < nb or direct_k < min(k1, k):   # the outputs that went to the buffer
                for kk in range(k0, min(k1, k)):
                    lo = full if kk < direct_k else 0
                    src, dst = ob[kk], y2[kk]
                    for i in range(lo, nb):
                        dst[b0 + i] = src[i]
            if tabled:
                continue
            ci1 = ci0
            while ci1 < nflat and flat[ci1] < b0 + nb:
                ci1 += 1
            if ci1 > ci0:
                for kk in range(k0, min(k1, k)):   # this block's zero-padding corrections, while it is in L1
                    v, dst = vals[kk], y2[kk]
                    for i in range(ci0, ci1):
                        dst[flat[i]] += v[i]
            ci0 = ci1
    bad = np.uint8(0)
    for t in range(flags.shape[0]):
        bad |= flags[t]
    return bad
