"""Numba drivers: run the micro-kernels (or plain dot products) over a layer.

Blocked drivers take one group's transposed patch matrix ``PT`` (steps x pixels, pixels
padded to a multiple of the vector lanes) and filter matrix ``W`` (filters x steps, filters
padded to a multiple of ``FB``) and fill ``out[k, i] = scale * dot + bias[k]`` (int32), in
parallel over blocks of pixels and filters. The caller scatters ``out`` into NCHW.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from accelsim.kernels.amx import BLOCK as AMX_BLOCK
from accelsim.kernels.amx import amx_block, amx_block_taps, amx_configure, amx_release
from accelsim.kernels.bytemoves import copy_bytes, split_bytes
from accelsim.kernels.checks import not_binary
from accelsim.kernels.packing import im2col_t, pack_input_planes
from accelsim.kernels.microkernels import (FB, LANES, ternary_1v, ternary_2v, vnni_1v, vnni_2v, xorpop_1v,
                                           xorpop_2v)

L_BITS, L_VNNI = LANES["xorpop"], LANES["vnni"]


@njit(cache=True, inline="always")
def _blocks(out, lanes):
    """(two-vector pixel blocks, blocks in all, filter blocks)."""
    mp = out.shape[1]
    n2 = mp // (2 * lanes)
    rest = (mp - n2 * 2 * lanes) // lanes
    return n2, n2 + rest, out.shape[0] // FB


@njit(cache=True, parallel=True)
def xorpop_gemm(pt, w, nsteps, scale, bias, out):
    """Binary: dot = popcount(PT ^ W) over ``nsteps`` uint64 words."""
    n2, nblk, nkb = _blocks(out, L_BITS)
    for t in prange(nblk * nkb):
        kb, ib = (t // nblk) * FB, t % nblk   # filter block outer: each output row is written in order
        if ib < n2:
            xorpop_2v(pt, w, ib * 2 * L_BITS, kb, nsteps, scale, bias, out)
        else:
            xorpop_1v(pt, w, n2 * 2 * L_BITS, kb, nsteps, scale, bias, out)


@njit(cache=True, parallel=True)
def ternary_gemm(pnz, ps, wnz, ws, nsteps, bias, out):
    """Ternary x and w as (nonzero, sign) bit planes."""
    n2, nblk, nkb = _blocks(out, L_BITS)
    for t in prange(nblk * nkb):
        kb, ib = (t // nblk) * FB, t % nblk   # filter block outer: each output row is written in order
        if ib < n2:
            ternary_2v(pnz, ps, wnz, ws, ib * 2 * L_BITS, kb, nsteps, 1, bias, out)
        else:
            ternary_1v(pnz, ps, wnz, ws, n2 * 2 * L_BITS, kb, nsteps, 1, bias, out)


@njit(cache=True, parallel=True)
def vnni_gemm(pt, w, nsteps, bias, out):
    """int8 with VNNI: PT holds 4 bytes of x + 128 per int32; ``bias`` = -128 * sum(w) corrects it."""
    n2, nblk, nkb = _blocks(out, L_VNNI)
    for t in prange(nblk * nkb):
        kb, ib = (t // nblk) * FB, t % nblk   # filter block outer: each output row is written in order
        if ib < n2:
            vnni_2v(pt, w, ib * 2 * L_VNNI, kb, nsteps, 1, bias, out)
        else:
            vnni_1v(pt, w, n2 * 2 * L_VNNI, kb, nsteps, 1, bias, out)


@njit(cache=True, parallel=True, fastmath=True)
def int8_dot_gemm(p, w, out):
    """int8 without VNNI: one dot product per output (vectorised to VPMADDWD by LLVM)."""
    kw = p.shape[1]
    for i in prange(out.shape[0]):
        row = p[i]
        for k in range(out.shape[1]):
            wr = w[k]
            acc = np.int32(0)
            for j in range(kw):
                acc = np.int32(acc + np.int32(row[j]) * np.int32(wr[j]))
            out[i, k] = acc


@njit(cache=True, parallel=True, fastmath=True)
def addsub_gemm(p, wpos, wneg, out):
    """Ternary w, int8 x: add x where w = +1, subtract where w = -1 (masks of all-ones bytes)."""
    kw = p.shape[1]
    for i in prange(out.shape[0]):
        row = p[i]
        for k in range(out.shape[1]):
            mp, mn = wpos[k], wneg[k]
            acc = np.int32(0)
            for j in range(kw):
                acc = np.int32(acc + np.int32(row[j] & mp[j]) - np.int32(row[j] & mn[j]))
            out[i, k] = acc


@njit(cache=True, parallel=True, fastmath=True)
def direct_conv(xph, w, groups, sh, sw, y):
    """Few filters per group (depthwise): integer MACs vectorised along output columns.

    ``xph[n, c, h, q, j]`` is the padded input column ``j * sw + q`` (the columns split into
    ``sw`` phases so every inner loop reads contiguous memory); each output row accumulates
    in an int32 vector.
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
                    for si in range(s):
                        wv = np.int32(w[ko, c, ri, si])
                        q, j0 = si % sw, si // sw
                        seg = xph[n, c0 + c, ei * sh + ri, q, j0:j0 + f]
                        for fi in range(f):
                            acc[fi] += wv * np.int32(seg[fi])
            y[n, ko, ei, :] = acc


@njit(cache=True, parallel=True, fastmath=True)
def depthwise3x3(xph, w, sh, sw, y):
    """Depthwise 3x3 (one channel per group, one filter per channel), ``xph`` as for direct_conv.

    The nine taps are summed in registers for a whole vector of output columns and stored
    once, instead of nine passes over an accumulator row.
    """
    nb, k, e, f = y.shape
    q1, j1, q2, j2 = 1 % sw, 1 // sw, 2 % sw, 2 // sw
    for t in prange(nb * k):
        n, ko = t // k, t % k
        w00, w01, w02 = np.int32(w[ko, 0, 0, 0]), np.int32(w[ko, 0, 0, 1]), np.int32(w[ko, 0, 0, 2])
        w10, w11, w12 = np.int32(w[ko, 0, 1, 0]), np.int32(w[ko, 0, 1, 1]), np.int32(w[ko, 0, 1, 2])
        w20, w21, w22 = np.int32(w[ko, 0, 2, 0]), np.int32(w[ko, 0, 2, 1]), np.int32(w[ko, 0, 2, 2])
        for ei in range(e):
            a, b, c = xph[n, ko, ei * sh], xph[n, ko, ei * sh + 1], xph[n, ko, ei * sh + 2]
            a0, a1, a2 = a[0, 0:f], a[q1, j1:j1 + f], a[q2, j2:j2 + f]
            b0, b1, b2 = b[0, 0:f], b[q1, j1:j1 + f], b[q2, j2:j2 + f]
            c0, c1, c2 = c[0, 0:f], c[q1, j1:j1 + f], c[q2, j2:j2 + f]
            out = y[n, ko, ei]
            for fi in range(f):
                out[fi] = (w00 * np.int32(a0[fi]) + w01 * np.int32(a1[fi]) + w02 * np.int32(a2[fi])
                           + w10 * np.int32(b0[fi]) + w11 * np.int32(b1[fi]) + w12 * np.int32(b2[fi])
                           + w20 * np.int32(c0[fi]) + w21 * np.int32(c1[fi]) + w22 * np.int32(c2[fi]))


@njit(cache=True, inline="always")
def _channel_phases(x, n, ko, pt, pl, value, sh, sw, rows, cols, ph):
    """Pad channel ``ko`` of image ``n`` into ``ph``, split into sh x sw (row phase, column phase)
    planes of rows x cols: padded pixel (i, j) at plane (i % sh, j % sw), row i // sh, column j // sw.

    With that split, every tap of a strided 3x3 window reads one contiguous run of a plane.
    """
    h, wd = x.shape[2], x.shape[3]
    plane = rows * cols
    ph[:] = value
    for row in range(h):
        src = x[n, ko, row]
        rp = row + pt
        rbase = (rp % sh) * sw * plane + (rp // sh) * cols
        if sw == 1:     # whole vectors with masked tails (a byte loop would leave short rows scalar)
            for c0 in range(0, wd, 64):
                copy_bytes(src, c0, ph, rbase + pl + c0, min(64, wd - c0))
        elif sw == 2:   # input column j goes to phase (j + pl) % 2 at (j + pl) // 2
            ev, od = rbase + (pl % 2) * plane + pl // 2, rbase + ((1 + pl) % 2) * plane + (1 + pl) // 2
            for c0 in range(0, wd, 64):
                split_bytes(src, c0, min(64, wd - c0), ph, ev + c0 // 2, ph, od + c0 // 2)
        else:
            for q in range(sw):
                j0 = (q - pl) % sw
                d0 = rbase + q * plane + (j0 + pl) // sw
                for jj in range((wd - j0 + sw - 1) // sw):
                    ph[np.uintp(d0 + jj)] = src[np.uintp(j0 + jj * sw)]


@njit(cache=True, inline="always")
def _tap_offset(q, sh, sw, rows, cols):
    """Offset in :func:`_channel_phases` planes of tap q = r * 3 + s for output (0, 0)."""
    ri, si = q // 3, q % 3
    return ((ri % sh) * sw + si % sw) * rows * cols + (ri // sh) * cols + si // sw


@njit(cache=True, parallel=True, fastmath=True)
def depthwise3x3_flat(x, w, pt, pl, pb, pr, value, sh, sw, y):
    """Depthwise 3x3 of int8 values, any stride, straight from the unpadded NCHW input (used for
    column strides > 1; values in {-1, 0, +1} take :func:`accelsim.kernels.depthwise.depthwise3x3_unit`).

    Each task pads its one channel into phase planes (:func:`_channel_phases`) that stay in
    cache; output (e, f) sits at flat position e * cols + f, so each tap is one contiguous
    run and the whole channel is a single vector loop of int32 multiply-adds (a column or two
    of junk outputs between rows, dropped on the way out). x must be C-contiguous.
    """
    nb, k, e, f = y.shape
    h, wd = x.shape[2], x.shape[3]
    rows, cols = (h + pt + pb + sh - 1) // sh, (wd + pl + pr + sw - 1) // sw
    n_out = (e - 1) * cols + f
    for t in prange(nb * k):
        n, ko = t // k, t % k
        ph = np.empty(sh * sw * rows * cols, np.int8)
        _channel_phases(x, n, ko, pt, pl, value, sh, sw, rows, cols, ph)
        o0, o1, o2 = _tap_offset(0, sh, sw, rows, cols), _tap_offset(1, sh, sw, rows, cols), \
            _tap_offset(2, sh, sw, rows, cols)
        o3, o4, o5 = _tap_offset(3, sh, sw, rows, cols), _tap_offset(4, sh, sw, rows, cols), \
            _tap_offset(5, sh, sw, rows, cols)
        o6, o7, o8 = _tap_offset(6, sh, sw, rows, cols), _tap_offset(7, sh, sw, rows, cols), \
            _tap_offset(8, sh, sw, rows, cols)
        a0, a1, a2 = ph[o0:o0 + n_out], ph[o1:o1 + n_out], ph[o2:o2 + n_out]
        b0, b1, b2 = ph[o3:o3 + n_out], ph[o4:o4 + n_out], ph[o5:o5 + n_out]
        c0, c1, c2 = ph[o6:o6 + n_out], ph[o7:o7 + n_out], ph[o8:o8 + n_out]
        w0, w1, w2 = np.int32(w[ko, 0, 0, 0]), np.int32(w[ko, 0, 0, 1]), np.int32(w[ko, 0, 0, 2])
        w3, w4, w5 = np.int32(w[ko, 0, 1, 0]), np.int32(w[ko, 0, 1, 1]), np.int32(w[ko, 0, 1, 2])
        w6, w7, w8 = np.int32(w[ko, 0, 2, 0]), np.int32(w[ko, 0, 2, 1]), np.int32(w[ko, 0, 2, 2])
        acc = np.empty(n_out, np.int32)
        for p in range(n_out):
            acc[p] = (w0 * np.int32(a0[p]) + w1 * np.int32(a1[p]) + w2 * np.int32(a2[p])
                      + w3 * np.int32(b0[p]) + w4 * np.int32(b1[p]) + w5 * np.int32(b2[p])
                      + w6 * np.int32(c0[p]) + w7 * np.int32(c1[p]) + w8 * np.int32(c2[p]))
        for ei in range(e):
            out = y[n, ko, ei]
            for c0 in range(0, 4 * f, 64):
                copy_bytes(acc, 4 * (ei * cols) + c0, out, c0, min(64, 4 * f - c0))


@njit(cache=True, parallel=True)
def add_at_pixels(y, flat, values):
    """y[n, k].flat[flat[i]] += values[k, i] for every image n (the border pixels, at flat positions
    e * F + f; in parallel over filters, as a 7x7 input layer has a thousand of them per filter)."""
    nk = y.shape[1]
    plane = y.shape[2] * y.shape[3]
    yf = y.reshape(-1)
    for t in prange(y.shape[0] * nk):
        k = t % nk
        base = t * plane
        v = values[k]
        for i in range(flat.shape[0]):
            yf[np.uintp(base + flat[i])] += v[i]


@njit(cache=True, parallel=True)
def amx_gemm(pt, w, nsteps16, out):
    """int8 on AMX tiles: out (filters x pixels, both multiples of 32) = W . PT, signed bytes.

    A task is one block of 32 pixels x up to 4 blocks of 32 filters (its patches stay in cache).
    """
    nkb, nib = out.shape[0] // AMX_BLOCK, out.shape[1] // AMX_BLOCK
    nkc = (nkb + 3) // 4
    for t in prange(nib * nkc):
        ib, kc = t // nkc, t % nkc
        amx_block(w, pt, kc * 4 * AMX_BLOCK, min(4, nkb - kc * 4), ib * AMX_BLOCK, nsteps16, out)


@njit(cache=True, parallel=True)
def pad_lanes(x, n, pt, pl, pb, pr, value):
    """Image ``n`` of NCHW int8 x (C-contiguous, C a multiple of 4) as padded lane planes, flat:
    (C/4, Hp, Wp) uint32 words of 4 channels (channel 4l + b in byte b), padding ``value`` in every
    byte, and 64 words of slack at the end (AMX tiles read whole 16-word rows)."""
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    nl = c // 4
    hp, wp = h + pt + pb, w + pl + pr
    pad = np.uint32(np.uint8(value)) * np.uint32(0x01010101)
    out = np.empty(nl * hp * wp + 64, np.uint32)
    rc = max(1, min(h, 1024 // max(w, 1)))
    nch = (h + rc - 1) // rc
    xf = x[n].reshape(-1)
    plane = h * w
    for t in prange(nl * nch):
        li, ch = t // nch, t % nch
        r0, r1 = ch * rc, min(h, (ch + 1) * rc)
        dst = out[li * hp * wp:(li + 1) * hp * wp]
        if ch == 0:
            dst[:pt * wp] = pad
        if ch == nch - 1:
            dst[(pt + h) * wp:] = pad
        m = (r1 - r0) * w
        b0 = 4 * li * plane + r0 * w
        s0, s1 = xf[b0:b0 + m], xf[b0 + plane:b0 + plane + m]
        s2, s3 = xf[b0 + 2 * plane:b0 + 2 * plane + m], xf[b0 + 3 * plane:b0 + 3 * plane + m]
        words = np.empty(m, np.uint32)
        for j in range(m):
            words[j] = (np.uint32(np.uint8(s0[j])) | (np.uint32(np.uint8(s1[j])) << np.uint32(8))
                        | (np.uint32(np.uint8(s2[j])) << np.uint32(16)) | (np.uint32(np.uint8(s3[j])) << np.uint32(24)))
        for row in range(r0, r1):
            d0 = (row + pt) * wp
            for j in range(pl):
                dst[d0 + j] = pad
            for j in range(pl + w, wp):
                dst[d0 + j] = pad
            for c0 in range(0, 4 * w, 64):
                copy_bytes(words, 4 * (row - r0) * w + c0, dst, 4 * (d0 + pl) + c0, min(64, 4 * w - c0))
    out[nl * hp * wp:] = 0
    return out


@njit(cache=True, parallel=True)
def amx_implicit_conv(xl, wl, offs, hp, wp, e, f, yk):
    """Stride-1 convolution on AMX tiles without a patch matrix (implicit GEMM).

    Output pixel (e, f) sits at flat position p = e * Wp + f of the padded plane, and its tap
    (r, s) reads position p + r * Wp + s: so for every group of 16 lanes of one tap, the B
    tile of 32 consecutive flat positions is 16 rows of the lane planes ``xl``
    (:func:`pad_lanes`) at a fixed offset (``offs``, bytes), loaded as they are. A task computes
    blocks of 32 flat positions x all filters into a small buffer and copies the real pixels
    (not the Wp - F wrap-around columns) into ``yk`` (K, E*F). ``wl``: (K rounded up to 32,
    steps * 4) int8 filter lanes, step group kk matching ``offs[kk]``.
    """
    k = yk.shape[0]
    kp = wl.shape[0]
    plane = hp * wp
    mflat = (e - 1) * wp + f
    nblk = (mflat + 31) // 32
    per = 4
    nbt = (nblk + per - 1) // per
    nkc = (kp + 127) // 128           # filter chunks of up to 4 x 32: tasks for both threads on few pixels
    for t in prange(nbt * nkc):
        bt, kc = t // nkc, t % nkc
        k0, k1 = kc * 128, min(kp, (kc + 1) * 128)
        ob = np.empty((kp, 32), np.int32)
        amx_configure()
        for blk in range(bt * per, min(nblk, (bt + 1) * per)):
            p0 = blk * 32
            amx_block_taps(wl, xl, offs, k0, (k1 - k0) // 32, p0, 4 * plane, ob)
            q, end = p0, min(p0 + 32, mflat)
            while q < end:
                ei, fi = q // wp, q % wp
                if fi >= f:
                    q = (ei + 1) * wp
                    continue
                cnt = min(f - fi, end - q)
                for kk in range(k0, min(k, k1)):
                    src, dst = ob[kk], yk[kk]
                    for c0 in range(0, 4 * cnt, 64):
                        copy_bytes(src, 4 * (q - p0) + c0, dst, 4 * (ei * f + fi) + c0, min(64, 4 * cnt - c0))
                q += cnt
        amx_release()


@njit(cache=True, parallel=True)
def subsample(x, sh, sw, check_binary):
    """(x[:, :, ::sh, ::sw] as a new C-contiguous array, flags): a strided 1x1 layer reads only those
    pixels. Column stride 2 splits each row with one byte shuffle per 64 bytes. ``check_binary``: also
    check every value of x, read or not, in the same pass over each channel plane; flags is then 0 iff
    all of them are -1 or +1 (without the check, 0)."""
    nb, c, h, w = x.shape
    ho, wo = (h + sh - 1) // sh, (w + sw - 1) // sw
    out = np.empty((nb, c, ho, wo), np.int8)
    flags = np.zeros(nb * c, np.uint8)
    for t in prange(nb * c):
        b, ci = t // c, t % c
        if check_binary:
            flags[t] = not_binary(x[b, ci].reshape(-1))
        junk = np.empty(32, np.int8)
        for i in range(ho):
            src, dst = x[b, ci, i * sh], out[b, ci, i]
            if sw == 2:
                for c0 in range(0, w, 64):
                    split_bytes(src, c0, min(64, w - c0), dst, c0 // 2, junk, 0)
            else:
                for j in range(wo):
                    dst[j] = src[j * sw]
    bad = np.uint8(0)
    for t in range(flags.shape[0]):
        bad |= flags[t]
    return out, bad


@njit(cache=True, parallel=True)
def take_rows(out, y2):
    """y2[k, :] = out[k, :y2.shape[1]] (a GEMM's padded block rows into the image's output planes)."""
    n = 4 * y2.shape[1]
    for k in prange(y2.shape[0]):
        src, dst = out[k], y2[k]
        for c0 in range(0, n, 64):
            copy_bytes(src, c0, dst, c0, min(64, n - c0))


@njit(cache=True)
def ternary_layer(x, pt, pl, pb, pr, wnz, wsg, bias, r, s, sh, sw, e, f, mp, pointwise, out, y, direct):
    """A whole one-group ternary bit-plane layer of one image in one call: pack both planes of x, their
    patch matrices (the planes themselves for a 1x1), and the GEMM into ``out`` (``direct``: y's own
    storage; else its rows are copied into y)."""
    xnz, xsg = pack_input_planes(x, pt, pl, pb, pr, 1)
    steps = wnz.shape[1]
    if pointwise:
        pnz, psg = xnz[0, 0].reshape(steps, e * f), xsg[0, 0].reshape(steps, e * f)
    else:
        pnz = im2col_t(xnz, 0, r, s, sh, sw, e, f, steps, mp)
        psg = im2col_t(xsg, 0, r, s, sh, sw, e, f, steps, mp)
    ternary_gemm(pnz, psg, wnz, wsg, steps, bias, out)
    if not direct:
        take_rows(out, y[0].reshape(y.shape[1], e * f))
