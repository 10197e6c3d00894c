"""Depthwise 3x3 convolution of values in {-1, 0, +1} (binary, ternary) in int8 vector lanes.

Per (image, channel) task the channel is copied once into a small padded buffer that stays in L1
(column stride 2: split into even / odd column planes, so every tap reads contiguous bytes),
while binary x is checked. Then one call of the block intrinsic computes up to 64 outputs of
one output row: for each of the 9 taps a plain load of the buffer, ``(v ^ s) & z`` (one VPTERNLOG:
s the tap's sign mask, z its nonzero mask) added in wrapping bytes; plus a per-channel constant
(``sum(x * w) = sum((x ^ s) & z) + #negative taps``, in [-9, 9]), sign-extended to int32 and
stored straight into y: no multiplies, no int8 accumulator round trip through memory.

The intrinsics are defined here, next to the driver, so the driver's Numba cache follows their edits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from accelsim.kernels.bytemoves import _store
from accelsim.kernels.checks import not_binary
from accelsim.kernels.microkernels import _array, _loop, _splat

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
V8 = ir.VectorType(I8, 64)
BLOCK = 64            # outputs per block (int8 lanes of one AVX-512 vector)
CHK_SLOTS = 8         # rows take turns at 8 check accumulators: no store-to-load chain from row to row
SLACK = 2 * BLOCK     # buffer bytes past the last row: a block's junk lanes may read there


def _vload(builder, addr, vt=V8):
    v = builder.load(builder.inttoptr(addr, vt.as_pointer()))
    v.align = 1
    return v


def _masked_load(builder, addr, mask, passthru):
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(V8, [V8.as_pointer(), I32, mask.type, V8]), "llvm.masked.load.v64i8.p0")
    return builder.call(fn, [builder.inttoptr(addr, V8.as_pointer()), ir.Constant(I32, 1), mask, passthru])


@intrinsic
def unit_block(typingctx, buf, a0, rs, t1, t2, sgn, nzr, cst, y, yoff, store):
    """int32 y at byte offset yoff, lanes i < 64 where bit i of ``store`` is set = cst + sum over taps
    q = 3 r + s of (buf[a0 + r * rs + t_s + i] ^ s_q) & z_q (t_0 = 0; s_q, z_q: all ones iff bit q of
    sgn, nzr; bytes, wrapping)."""
    def codegen(context, builder, sig, args):
        buf, a0, rs, t1, t2, sgn, nzr, cst, y, yoff, store = args
        bb, _ = _array(context, builder, sig.args[0], buf)
        yb, _ = _array(context, builder, sig.args[8], y)
        zero = ir.Constant(I64, 0)
        acc = _splat(builder, builder.trunc(cst, I8), V8)
        for r in range(3):
            row = builder.add(builder.add(bb, a0), builder.mul(rs, ir.Constant(I64, r)))
            for s, t in enumerate((zero, t1, t2)):
                q = 3 * r + s
                v = _vload(builder, builder.add(row, t))
                bit = ir.Constant(I64, 1 << q)
                sq = builder.icmp_unsigned("!=", builder.and_(sgn, bit), zero)
                zq = builder.icmp_unsigned("!=", builder.and_(nzr, bit), zero)
                sv = _splat(builder, builder.select(sq, ir.Constant(I8, -1), ir.Constant(I8, 0)), V8)
                zv = _splat(builder, builder.select(zq, ir.Constant(I8, -1), ir.Constant(I8, 0)), V8)
                acc = builder.add(acc, builder.and_(builder.xor(v, sv), zv))
        out = builder.add(yb, yoff)
        for k in range(4):
            part = builder.shuffle_vector(acc, ir.Constant(V8, None),
                                          ir.Constant(ir.VectorType(I32, 16), list(range(16 * k, 16 * k + 16))))
            m = builder.trunc(builder.lshr(store, ir.Constant(I64, 16 * k)), ir.IntType(16))
            _store(builder, builder.sext(part, ir.VectorType(I32, 16)), builder.add(out, ir.Constant(I64, 64 * k)),
                   builder.bitcast(m, ir.VectorType(I1, 16)))
        return context.get_dummy_value()
    i = types.int64
    return types.void(buf, i, i, i, i, i, i, i, y, i, i), codegen


def _bad_bytes(builder, v):
    """(v + 1) & 0xFD: 0 in the lanes holding -1 or +1."""
    return builder.and_(builder.add(v, ir.Constant(V8, [1] * 64)), ir.Constant(V8, [0xFD] * 64))


def _make_row(sw):
    def typer(typingctx, x, xoff, buf, b0, b1, masks, mi, chk, choff):
        def codegen(context, builder, sig, args):
            x, xoff, buf, b0, b1, masks, mi, chk, choff = args
            xb, _ = _array(context, builder, sig.args[0], x)
            bb, _ = _array(context, builder, sig.args[2], buf)
            mb, _ = _array(context, builder, sig.args[5], masks)
            cb, _ = _array(context, builder, sig.args[7], chk)
            cb = builder.add(cb, choff)
            row = builder.add(mb, builder.mul(mi, ir.Constant(I64, 8 * 4)))

            def mask(i):
                m = builder.load(builder.inttoptr(builder.add(row, ir.Constant(I64, 8 * i)), I64.as_pointer()))
                return builder.bitcast(m, ir.VectorType(I1, 64))

            src = builder.add(xb, xoff)
            ones = ir.Constant(V8, [0xFF] * 64)      # (-1: passes the check)
            lo = _masked_load(builder, src, mask(0), ones)
            hi = _masked_load(builder, builder.add(src, ir.Constant(I64, 64)), mask(1), ones)
            if sw == 1:
                _store(builder, lo, builder.add(bb, b0), mask(0))
                _store(builder, hi, builder.add(bb, builder.add(b0, ir.Constant(I64, 64))), mask(1))
            else:
                for ph, boff in ((0, b0), (1, b1)):
                    even_odd = ir.Constant(ir.VectorType(I32, 64), [2 * i + ph for i in range(64)])
                    v = builder.shuffle_vector(lo, hi, even_odd)
                    _store(builder, v, builder.add(bb, boff), mask(2 + ph))
            acc = _vload(builder, cb)
            acc = builder.or_(acc, builder.or_(_bad_bytes(builder, lo), _bad_bytes(builder, hi)))
            builder.store(acc, builder.inttoptr(cb, V8.as_pointer())).align = 1
            return context.get_dummy_value()
        i = types.int64
        return types.void(x, i, buf, i, i, masks, i, chk, i), codegen
    typer.__name__ = typer.__qualname__ = f"row_s{sw}"
    typer.__doc__ = ("Up to 128 bytes of an x row from byte offset xoff (lanes: bits of masks[mi, 0:2]) into buf: "
                     + ("at b0." if sw == 1 else "even bytes at b0, odd ones at b1 (bits of masks[mi, 2:4]).")
                     + " ORs (b + 1) & 0xFD of every byte read into the 64 bytes at chk[choff:]"
                     + " (0 iff all are -1 / +1).")
    return intrinsic(typer)


row_s1, row_s2 = _make_row(1), _make_row(2)


def _bits(n):
    return np.int64(-1) if n >= 64 else (np.int64(1) << max(n, 0)) - 1


_bits = njit(cache=True, inline="always")(_bits)


@njit(cache=True)
def _row_masks(wd):
    """Per chunk of 128 bytes of an x row: load masks of its two halves, store masks of its even and odd bytes."""
    nch = (wd + 127) // 128
    masks = np.empty((nch, 4), np.int64)
    for c in range(nch):
        n = min(128, wd - 128 * c)
        masks[c, 0], masks[c, 1] = _bits(min(n, 64)), _bits(n - 64)
        masks[c, 2], masks[c, 3] = _bits((n + 1) // 2), _bits(n // 2)
    return masks


@njit(cache=True, inline="always")
def _pad_channel(x, n, ko, pt, pl, value, sw, rs, half, masks, chk, buf):
    """Padded rows of channel ko of image n into buf, rs bytes apart; with sw > 1 each row is split
    into sw column phases of ``half`` bytes: padded column j at phase j % sw, byte j // sw.
    Column strides 1 and 2 also OR each x byte's binary check into chk (see the row intrinsics)."""
    k, h, wd = x.shape[1], x.shape[2], x.shape[3]
    buf[:] = value
    plane = (n * k + ko) * h * wd
    for row in range(h):
        base = (row + pt) * rs
        xoff = plane + row * wd
        if sw == 1:
            for c in range(masks.shape[0]):
                row_s1(x, xoff + 128 * c, buf, base + pl + 128 * c, 0, masks, c, chk, 64 * (row % CHK_SLOTS))
        elif sw == 2:   # input column j goes to phase (j + pl) % 2 at (j + pl) // 2
            ev = base + (pl % 2) * half + pl // 2
            od = base + ((1 + pl) % 2) * half + (1 + pl) // 2
            for c in range(masks.shape[0]):
                row_s2(x, xoff + 128 * c, buf, ev + 64 * c, od + 64 * c, masks, c, chk,
                       64 * (row % CHK_SLOTS))
        else:
            src = x[n, ko, row]
            for j in range(wd):
                jp = j + pl
                buf[base + (jp % sw) * half + jp // sw] = src[j]


@njit(cache=True, parallel=True)
def depthwise3x3_unit(x, w, pt, pl, value, sh, sw, y, check_binary=False):
    """Depthwise 3x3 with x, w and the pad value in {-1, 0, +1}, any stride and padding (top ``pt``,
    left ``pl``; bottom / right follow from y's shape). x and y C-contiguous. ``check_binary``: also
    check that x holds only -1 / +1 (every value, read or not); returns 0 iff it does."""
    nb, k, e, f = y.shape
    h, wd = x.shape[2], x.shape[3]
    half = ((f - 1) * sw + 3 + sw - 1) // sw          # bytes of a column phase the outputs read
    half = max(half, (pl + wd + sw - 1) // sw)        # ... and that the row's pixels land in
    rs = sw * half
    rows = max(h + pt, (e - 1) * sh + 3)
    nblk = (f + BLOCK - 1) // BLOCK
    last = f - (nblk - 1) * BLOCK
    last_mask = np.int64(-1) if last == BLOCK else (np.int64(1) << last) - 1
    t1, t2 = (1 % sw) * half + 1 // sw, (2 % sw) * half + 2 // sw
    flags = np.zeros(nb * k, np.int64)
    masks = _row_masks(wd)
    for t in prange(nb * k):
        n, ko = t // k, t % k
        if check_binary and sw > 2:
            flags[t] = not_binary(x[n, ko].reshape(-1))
        sgn, nzr, neg = 0, 0, 0
        for q in range(9):
            wv = w[ko, 0, q // 3, q % 3]
            if wv != 0:
                nzr |= 1 << q
            if wv < 0:
                sgn |= 1 << q
                neg += 1
        buf = np.empty(rows * rs + SLACK, np.int8)
        chk = np.zeros(64 * CHK_SLOTS, np.int8)
        _pad_channel(x, n, ko, pt, pl, value, sw, rs, half, masks, chk, buf)
        if check_binary and sw <= 2:
            for j in range(64 * CHK_SLOTS):
                flags[t] |= chk[j]
        for ei in range(e):
            ybase = ((n * k + ko) * e + ei) * f * 4
            a0 = ei * sh * rs
            for b in range(nblk):
                unit_block(buf, a0 + b * BLOCK, rs, t1, t2, sgn, nzr, neg, y, ybase + 4 * BLOCK * b,
                           last_mask if b == nblk - 1 else np.int64(-1))
    bad = np.int64(0)
    for t in range(flags.shape[0]):
        bad |= flags[t]
    return bad


@dataclass(frozen=True)
class DepthwisePlan:
    """A checked depthwise 3x3 layer of values in {-1, 0, +1}: calling it with x (the shape it was planned
    for, int8, C-contiguous) runs :func:`depthwise3x3_unit` straight away. Returns (y (N, K, E, F) int32,
    bad: ``check_binary`` and x holds values other than -1 / +1)."""

    pt: int
    pl: int
    value: np.int8
    sh: int
    sw: int
    w: np.ndarray
    out_kef: tuple[int, int, int]          # K, E, F
    check_binary: bool
    path = "direct"                        # (a class attribute: what conv2d reports for a planned call)

    def __call__(self, x4: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        if y is None:                      # (or the caller's (N, K, E, F) int32 output array)
            y = np.empty((x4.shape[0],) + self.out_kef, np.int32)
        bad = depthwise3x3_unit(x4, self.w, self.pt, self.pl, self.value, self.sh, self.sw, y, self.check_binary)
        return y, bad
