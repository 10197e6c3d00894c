"""Lay operands out for the kernels: channels-last padding, bit packing, im2col.

Patch rows are in (r, s, c) order, channels fastest, so one tap's channels are contiguous.
Binary and ternary values are packed along channels into uint64 words, each tap's
channels of a group starting a new word (``ceil(C/groups / 64)`` words per tap); unused bits
are zero in both operands, so they add nothing to a popcount of XOR or AND. int8 values for
VNNI go four channels to a 32-bit lane. Inputs are laid out planar (one plane per word or
lane) so that im2col copies contiguous rows.
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
def pad_phases(x, pt, pl, pb, pr, value, sw):
    """NCHW int8 -> padded (N, C, Hp, sw, ceil(Wp/sw)): padded column j*sw + q at [..., q, j].

    Splitting the columns into ``sw`` phases lets a strided convolution read contiguous rows.
    Flat indexing: slicing views per row would cost more than the copy.
    """
    n, c, h, w = x.shape
    hp, wp = h + pt + pb, w + pl + pr
    cols = (wp + sw - 1) // sw
    out = np.empty((n, c, hp, sw, cols), np.int8)
    src, dst = x.reshape(-1), out.reshape(-1)
    for t in prange(n * c):
        for row in range(hp):
            ro = (t * hp + row) * sw * cols
            for j in range(sw * cols):
                dst[np.uintp(ro + j)] = value
            if row < pt or row >= pt + h:
                continue
            ri = (t * h + row - pt) * w
            for q in range(sw):  # input columns j with (j + pl) % sw == q
                j0 = (q - pl) % sw
                d0 = ro + q * cols + (j0 + pl) // sw
                for jj in range((w - j0 + sw - 1) // sw):  # unsigned indices: no wraparound checks
                    dst[np.uintp(d0 + jj)] = src[np.uintp(ri + j0 + jj * sw)]
    return out


@njit(cache=True)
def channel_sums(a):
    """Sum over the last axis of a 2-D int8 array, as int64 (e.g. sum_c w per filter tap).

    Serial: too little work to be worth waking threads.
    """
    out = np.zeros(a.shape[0], np.int64)
    for i in range(a.shape[0]):
        acc = 0
        for j in range(a.shape[1]):
            acc += a[i, j]
        out[i] = acc
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


@njit(cache=True, inline="always")
def _octet(xf, base, plane, nch, negative, t8):
    """t8[j] = bit c set where xf[base + c * plane + j] < 0 (``negative``) or != 0, for the nch <= 8
    channels c (one byte per pixel, 64 pixels per AVX-512 vector). With ``negative``, also returns
    the OR of (x + 1) & 0xFD over the values read: 0 iff all are -1 or +1 (binary x, checked for free)."""
    m = t8.shape[0]
    bad = np.uint8(0)
    one, keep = np.uint8(1), np.uint8(0xFD)
    if nch == 8:
        s0, s1, s2, s3 = xf[base:base + m], xf[base + plane:base + plane + m], \
            xf[base + 2 * plane:base + 2 * plane + m], xf[base + 3 * plane:base + 3 * plane + m]
        s4, s5, s6, s7 = xf[base + 4 * plane:base + 4 * plane + m], xf[base + 5 * plane:base + 5 * plane + m], \
            xf[base + 6 * plane:base + 6 * plane + m], xf[base + 7 * plane:base + 7 * plane + m]
        if negative:
            for j in range(m):
                v0, v1, v2, v3 = np.uint8(s0[j]), np.uint8(s1[j]), np.uint8(s2[j]), np.uint8(s3[j])
                v4, v5, v6, v7 = np.uint8(s4[j]), np.uint8(s5[j]), np.uint8(s6[j]), np.uint8(s7[j])
                t8[j] = ((v0 >> 7) | ((v1 >> 7) << 1) | ((v2 >> 7) << 2) | ((v3 >> 7) << 3) | ((v4 >> 7) << 4)
                         | ((v5 >> 7) << 5) | ((v6 >> 7) << 6) | ((v7 >> 7) << 7))
                bad |= (np.uint8(v0 + one) | np.uint8(v1 + one) | np.uint8(v2 + one) | np.uint8(v3 + one)
                        | np.uint8(v4 + one) | np.uint8(v5 + one) | np.uint8(v6 + one) | np.uint8(v7 + one)) & keep
        else:
            for j in range(m):
                t8[j] = (np.uint8(s0[j] != 0) | (np.uint8(s1[j] != 0) << 1) | (np.uint8(s2[j] != 0) << 2)
                         | (np.uint8(s3[j] != 0) << 3) | (np.uint8(s4[j] != 0) << 4) | (np.uint8(s5[j] != 0) << 5)
                         | (np.uint8(s6[j] != 0) << 6) | (np.uint8(s7[j] != 0) << 7))
        return bad
    t8[:] = 0
    for cr in range(nch):
        src = xf[base + cr * plane:base + cr * plane + m]
        bit = np.uint8(cr)
        if negative:
            for j in range(m):
                v = np.uint8(src[j])
                t8[j] |= (v >> 7) << bit
                bad |= np.uint8(v + one) & keep
        else:
            for j in range(m):
                t8[j] |= np.uint8(src[j] != 0) << bit
    return bad


@njit(cache=True, inline="always")
def _words(tmp, n_oct, d):
    """d[j] = OR over the octets o < n_oct of tmp[o, j] << 8 o (bytes to 64-bit words)."""
    m = d.shape[0]
    if n_oct == 8:
        t0, t1, t2, t3, t4, t5, t6, t7 = tmp[0], tmp[1], tmp[2], tmp[3], tmp[4], tmp[5], tmp[6], tmp[7]
        for j in range(m):
            d[j] = (np.uint64(t0[j]) | (np.uint64(t1[j]) << np.uint64(8)) | (np.uint64(t2[j]) << np.uint64(16))
                    | (np.uint64(t3[j]) << np.uint64(24)) | (np.uint64(t4[j]) << np.uint64(32))
                    | (np.uint64(t5[j]) << np.uint64(40)) | (np.uint64(t6[j]) << np.uint64(48))
                    | (np.uint64(t7[j]) << np.uint64(56)))
        return
    if n_oct == 4:   # 25-32 channels (one pass, as for 8)
        t0, t1, t2, t3 = tmp[0], tmp[1], tmp[2], tmp[3]
        for j in range(m):
            d[j] = (np.uint64(t0[j]) | (np.uint64(t1[j]) << np.uint64(8)) | (np.uint64(t2[j]) << np.uint64(16))
                    | (np.uint64(t3[j]) << np.uint64(24)))
        return
    t0 = tmp[0]
    for j in range(m):
        d[j] = np.uint64(t0[j])
    for o in range(1, n_oct):
        t = tmp[o]
        sh = np.uint64(8 * o)
        for j in range(m):
            d[j] |= np.uint64(t[j]) << sh


@njit(cache=True, inline="always")
def _row_chunks(h, w):
    """Rows per packing task: about 1024 pixels, so the byte loops run over long contiguous runs and
    two threads still get several tasks each."""
    return max(1, min(h, 1024 // max(w, 1)))


@njit(cache=True, inline="always")
def _pack_chunk(x, b, g, wi, r0, r1, cg, negative, tmp, words):
    """Words of channel word ``wi`` of group g for input rows [r0, r1) of image b, unpadded, into ``words``."""
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    lo, hi = wi * WORD_BITS, min(cg, (wi + 1) * WORD_BITS)
    xf = x[b].reshape(-1)
    plane = h * w
    m = (r1 - r0) * w
    n_oct = (hi - lo + 7) // 8
    bad = np.uint8(0)
    for o in range(n_oct):
        base = (g * cg + lo + 8 * o) * plane + r0 * w
        bad |= _octet(xf, base, plane, min(8, hi - lo - 8 * o), negative, tmp[o, :m])
    _words(tmp[:, :m], n_oct, words[:m])
    return bad


@njit(cache=True, inline="always")
def _place(words, dst, r0, r1, w, pt, pl, pad):
    """Rows [r0, r1) of unpadded words into the padded plane dst (Hp, Wp), their side padding set to pad."""
    for row in range(r0, r1):
        d = dst[row + pt]
        d[:pl] = pad
        d[pl:pl + w] = words[(row - r0) * w:(row - r0 + 1) * w]
        d[pl + w:] = pad


@njit(cache=True, parallel=True)
def pack_input_bits(x, pt, pl, pb, pr, groups, negative, fill_ones):
    """NCHW int8 -> planar padded bit words (N, G, words per group, Hp, Wp), uint64.

    Channel c of a group is bit c % 64 of word c // 64, set where x < 0 (``negative``) or
    x != 0. Padded pixels hold all the word's channel bits set (``fill_ones``: binary -1
    padding) or none (0 for ternary, +1 for binary). Packed in two vector passes over runs of
    whole rows: eight channels into a byte per pixel (64 pixels per vector), then eight bytes
    into a word. x must be C-contiguous. Returns (words, bad): with ``negative``, bad is 0 iff every
    value of x is -1 or +1 (binary x checked in the same pass).
    """
    n, c, h, w = x.shape
    cg = c // groups
    nw = (cg + WORD_BITS - 1) // WORD_BITS
    hp, wp = h + pt + pb, w + pl + pr
    out = np.empty((n, groups, nw, hp, wp), np.uint64)
    rc = _row_chunks(h, w)
    nch = (h + rc - 1) // rc
    flags = np.zeros(n * groups * nw * nch, np.uint8)
    for t in prange(n * groups * nw * nch):
        b, g, wi, ch = t // (groups * nw * nch), (t // (nw * nch)) % groups, (t // nch) % nw, t % nch
        lo, hi = wi * WORD_BITS, min(cg, (wi + 1) * WORD_BITS)
        pad = np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(WORD_BITS - (hi - lo)) if fill_ones else np.uint64(0)
        dst = out[b, g, wi]
        r0, r1 = ch * rc, min(h, (ch + 1) * rc)
        if ch == 0:
            dst[:pt] = pad
        if ch == nch - 1:
            dst[pt + h:] = pad
        tmp = np.empty((8, rc * w), np.uint8)
        words = np.empty(rc * w, np.uint64)
        flags[t] = _pack_chunk(x, b, g, wi, r0, r1, cg, negative, tmp, words)
        _place(words, dst, r0, r1, w, pt, pl, pad)
    bad = np.uint8(0)
    for t in range(flags.shape[0]):
        bad |= flags[t]
    return out, bad


@njit(cache=True, parallel=True)
def pack_input_planes(x, pt, pl, pb, pr, groups):
    """Ternary x: the nonzero and the sign planes of :func:`pack_input_bits` (zero padding), each run
    of rows packed for both while its channels are in cache."""
    n, c, h, w = x.shape
    cg = c // groups
    nw = (cg + WORD_BITS - 1) // WORD_BITS
    hp, wp = h + pt + pb, w + pl + pr
    nz = np.empty((n, groups, nw, hp, wp), np.uint64)
    sg = np.empty((n, groups, nw, hp, wp), np.uint64)
    rc = _row_chunks(h, w)
    nch = (h + rc - 1) // rc
    zero = np.uint64(0)
    for t in prange(n * groups * nw * nch):
        b, g, wi, ch = t // (groups * nw * nch), (t // (nw * nch)) % groups, (t // nch) % nw, t % nch
        dn, ds = nz[b, g, wi], sg[b, g, wi]
        r0, r1 = ch * rc, min(h, (ch + 1) * rc)
        if ch == 0:
            dn[:pt] = zero
            ds[:pt] = zero
        if ch == nch - 1:
            dn[pt + h:] = zero
            ds[pt + h:] = zero
        tmp = np.empty((8, rc * w), np.uint8)
        words = np.empty(rc * w, np.uint64)
        _pack_chunk(x, b, g, wi, r0, r1, cg, False, tmp, words)
        _place(words, dn, r0, r1, w, pt, pl, zero)
        _pack_chunk(x, b, g, wi, r0, r1, cg, True, tmp, words)
        _place(words, ds, r0, r1, w, pt, pl, zero)
    return nz, sg


@njit(cache=True, parallel=True)
def pack_input_lanes(x, pt, pl, pb, pr, groups, pad_value, offset):
    """NCHW int8 -> planar padded 32-bit lanes (N, G, lanes, Hp, Wp) uint32, each holding four
    consecutive channels of a group as bytes of x + ``offset`` (mod 256; channel 4l + k in byte k).

    Channels are padded to a multiple of 4; padded pixels and missing channels hold
    ``pad_value`` + ``offset``. Offset 128 gives the unsigned bytes VNNI multiplies; offset 0
    keeps x's two's-complement bytes (AMX). Each lane word is assembled in registers from four
    channel rows (one vectorised store, not four strided byte stores).
    """
    n, c, h, w = x.shape
    cg = c // groups
    nl = (cg + 3) // 4
    hp, wp = h + pt + pb, w + pl + pr
    pad = np.uint32((pad_value + offset) & 0xFF)
    out = np.full((n, groups, nl, hp, wp), pad * np.uint32(0x01010101), np.uint32)
    off = np.int32(offset)
    for t in prange(n * groups * nl * h):
        b, g, li, row = t // (groups * nl * h), (t // (nl * h)) % groups, (t // h) % nl, t % h
        c0 = g * cg + 4 * li
        dst = out[b, g, li, row + pt, pl:pl + w]
        if 4 * li + 4 <= cg:
            s0, s1, s2, s3 = x[b, c0, row], x[b, c0 + 1, row], x[b, c0 + 2, row], x[b, c0 + 3, row]
            for j in range(w):
                dst[j] = (np.uint32((np.int32(s0[j]) + off) & 0xFF)
                          | (np.uint32((np.int32(s1[j]) + off) & 0xFF) << np.uint32(8))
                          | (np.uint32((np.int32(s2[j]) + off) & 0xFF) << np.uint32(16))
                          | (np.uint32((np.int32(s3[j]) + off) & 0xFF) << np.uint32(24)))
        else:  # the last, partial lane: missing channels keep the pad byte
            for j in range(w):
                word = np.uint32(0)
                for k in range(4):
                    v = pad if 4 * li + k >= cg else np.uint32((np.int32(x[b, c0 + k, row, j]) + off) & 0xFF)
                    word |= v << np.uint32(8 * k)
                dst[j] = word
    return out


@njit(cache=True, parallel=True)
def im2col_t(xpl, g, r, s, sh, sw, e, f, steps, cols_to):
    """Transposed patch matrix of group ``g``: (steps, cols_to), zero beyond the data.

    ``xpl`` is planar (N, G, L, Hp, Wp). Row q = (r*S + s)*L + l holds, for every output
    pixel i = (n*E + e)*F + f, the word ``xpl[n, g, l, e*sh + r, f*sw + s]``: a shifted copy
    of one plane, contiguous along f when the stride is 1.
    """
    nb, ln = xpl.shape[0], xpl.shape[2]
    m = nb * e * f
    out = np.empty((steps, cols_to), xpl.dtype)      # every element written once below
    rows = nb * e
    nck = max(1, min(rows, 8, rows * f // 512))   # row chunks per step: even shares on large layers, few tasks
    for t in prange(steps * nck):
        q, ck = t // nck, t % nck
        if ck == nck - 1:
            out[q, m:] = 0
        r0, r1 = ck * rows // nck, (ck + 1) * rows // nck
        if q >= r * s * ln:
            out[q, r0 * f:r1 * f] = 0
            continue
        tap, li = q // ln, q % ln
        ri, si = tap // s, tap % s
        for row in range(r0, r1):
            b, ei = row // e, row % e
            src = xpl[b, g, li, ei * sh + ri]
            dst = out[q, row * f:(row + 1) * f]
            if sw == 1:
                dst[:] = src[si:si + f]
            elif sw == 2:  # constant stride: LLVM deinterleaves with shuffles
                for fi in range(f):
                    dst[fi] = src[np.uintp(2 * fi + si)]
            else:
                for fi in range(f):  # unsigned index: no wraparound check
                    dst[fi] = src[np.uintp(fi * sw + si)]
    return out


def filter_rows(w_rows: np.ndarray, g: int, kg: int, rows_to: int, cols_to: int) -> np.ndarray:
    """Filters of group ``g`` (rows of ``w_rows``), zero-padded to (rows_to, cols_to); a view if no padding."""
    part = w_rows[g * kg:(g + 1) * kg].reshape(kg, -1)
    if part.shape == (rows_to, cols_to) and part.flags.c_contiguous:
        return part
    out = np.zeros((rows_to, cols_to), w_rows.dtype)
    out[:kg, :part.shape[1]] = part
    return out


def round_up(v: int, m: int) -> int:
    return -(-v // m) * m


def window_phases(planes: np.ndarray, g: int, sw: int) -> np.ndarray:
    """One-word-per-pixel bit planes of group ``g`` with the columns split into ``sw`` phases:
    (sw, N, Hp, ceil(Wp/sw)), padded column j*sw + q at [q, :, :, j], so strided windows read
    contiguous words."""
    nb, _, _, hp, wp = planes.shape
    cols = -(-wp // sw)
    out = np.zeros((sw, nb, hp, cols), np.uint64)
    for q in range(sw):
        part = planes[:, g, 0, :, q::sw]
        out[q, :, :, :part.shape[-1]] = part
    return out


@njit(cache=True, parallel=True)
def im2col_window_bits(ph, r, s, sh, sw, e, f, cg, steps, cols_to):
    """Binary patches of few-channel layers, the whole R x S x C window packed densely: (steps, cols_to).

    ``ph`` is :func:`window_phases` output (C <= 64 channels in the low bits of each word).
    Tap t = r*S + s of a window sits at bit (t % (64 // C)) * C of word t // (64 // C), so a
    7x7x3 window fills 3 words instead of 49.
    """
    nb = ph.shape[1]
    per = 64 // cg
    out = np.zeros((steps, cols_to), np.uint64)
    for task in prange(steps * nb * e):   # one output row of one word: it stays in L1 over the taps
        q, row = task // (nb * e), task % (nb * e)
        b, ei = row // e, row % e
        dst = out[q, row * f:(row + 1) * f]
        for t in range(q * per, min((q + 1) * per, r * s)):
            ri, si = t // s, t % s
            shift = np.uint64((t % per) * cg)
            j0 = si // sw
            src = ph[si % sw, b, ei * sh + ri, j0:j0 + f]
            for fi in range(f):
                dst[fi] |= src[fi] << shift
    return out
