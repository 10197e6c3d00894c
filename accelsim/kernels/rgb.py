"""Few-channel layers (RGB input layers) on AMX tiles, patches gathered per block, as a layer plan.

An RGB input layer (3 channels, 7x7 or 3x3, stride 2) has few multiply-adds per output byte:
its time goes into padding x, gathering patches and above all writing y (64 x 112 x 112
int32 = 3.2 MB for resnet18's conv1). So:

* :class:`SmallAmxPlan` keeps everything static about a layer (filters in tile layout,
  geometry), so a repeated call pays no argument checks or lookups;
* each task of :func:`small_amx_conv` pads the input rows it reads and checks binary values
  (-1 / +1) in the same pass;
* y is allocated 64-byte aligned (:func:`aligned_empty`): every tile row stored is then whole
  cache lines (numpy's 16-byte aligned arrays made each 64-byte row straddle two lines:
  measured 1.2-1.35x slower for the layer);
* :func:`small_amx_conv` computes blocks of 32 pixels x all filters from patches built in L1;
  its patch and output buffers, and the filters (:func:`~accelsim.kernels.filters.small_amx_filters`),
  are cache-line aligned too (tile rows straddling lines: 2x slower tile work, measured).

All products are int8 products of the values themselves (padding included), so binary padding
of 0 or +-1 needs no correction and ``y`` is exact.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from accelsim.kernels.amx import (amx_block_at, amx_configure, amx_release, gather_lanes_s1, gather_lanes_s2,
                                  gather_lanes_s3, gather_lanes_s4)
from accelsim.kernels.bytemoves import copy_bytes
from accelsim.kernels.checks import not_binary
from accelsim.kernels.microkernels import _array

ALIGN_BYTES = 64   # a cache line
TASKS_PER_THREAD = 4   # tasks of small_amx_conv per thread (measured k7 1t: 16-block tasks 170 us, 49-98 blocks 163)
# Prefetch the next block's output lines for writing where the blocks have at most this many filters:
# measured on mobilenet conv1 (32 filters) 65 -> 49 us (1t), 32 -> 25 (2t); on resnet18 conv1 (64
# filters, longer tile work per block) 163 -> 182 us, slower.
PREFETCH_MAX_FILTERS = 32


@intrinsic
def prefetch_write(typingctx, arr, off):
    """Prefetch the cache line at byte ``off`` of ``arr`` for writing (PREFETCHW): the line's read for
    ownership starts before the tile store that fills it."""
    def codegen(context, builder, sig, args):
        base, _ = _array(context, builder, sig.args[0], args[0])
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = builder.module.declare_intrinsic("llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(),
                                                                                     [i8p, i32, i32, i32]))
        builder.call(fn, [builder.inttoptr(builder.add(base, args[1]), i8p), ir.Constant(i32, 1),
                          ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return types.void(arr, types.intp), codegen


@njit(cache=True)
def _aligned_int32(n):
    raw = np.empty(n + ALIGN_BYTES // 4, np.int32)
    off = (-raw.ctypes.data % ALIGN_BYTES) // 4
    return raw[off:off + n]


def aligned_empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised C-contiguous int32 array whose first element sits on a cache-line boundary
    (allocated in Numba: numpy's ``.ctypes`` address lookup alone costs microseconds)."""
    n = 1
    for d in shape:
        n *= d
    return _aligned_int32(n).reshape(shape)


@njit(cache=True, inline="always")
def _aligned_zeros_int8(n):
    """n zero bytes starting on a cache-line boundary (Numba's own arrays are not: AMX tile loads and stores
    whose 64-byte rows straddle two lines ran the layer's tile work 2x slower, measured)."""
    raw = np.zeros(n + ALIGN_BYTES, np.int8)
    off = -raw.ctypes.data % ALIGN_BYTES
    return raw[off:off + n]


@njit(cache=True, inline="always")
def _gather_lanes(sw, src, soff, dst, doff):
    if sw == 1:
        gather_lanes_s1(src, soff, dst, doff)
    elif sw == 2:
        gather_lanes_s2(src, soff, dst, doff)
    elif sw == 3:
        gather_lanes_s3(src, soff, dst, doff)
    else:
        gather_lanes_s4(src, soff, dst, doff)


@njit(cache=True, inline="always")
def _pad_rows(x, n, pt, pl, value, row0, row1, wp, buf):
    """Padded rows [row0, row1) of every channel of image ``n`` into ``buf`` as (C, row1 - row0, Wp), padded
    with ``value`` (``buf``: 64 bytes of slack after that, as the lane gathers read whole 64-byte vectors)."""
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    nr = row1 - row0
    for ci in range(c):
        for row in range(row0, row1):
            d0 = (ci * nr + row - row0) * wp
            if row < pt or row >= pt + h:
                for j in range(wp):
                    buf[np.uintp(d0 + j)] = value
                continue
            for j in range(pl):
                buf[np.uintp(d0 + j)] = value
            for j in range(pl + w, wp):
                buf[np.uintp(d0 + j)] = value
            src = x[n, ci, row - pt]
            for c0 in range(0, w, 64):
                copy_bytes(src, c0, buf, d0 + pl + c0, min(64, w - c0))


@njit(cache=True, inline="always")
def _check_rows(x, n, x0, x1):
    """0 iff rows [x0, x1) of every channel of image ``n`` hold only -1 / +1 (one flat run per channel)."""
    bad = np.uint8(0)
    if x1 > x0:
        for ci in range(x.shape[1]):
            bad |= not_binary(x[n, ci, x0:x1].reshape(-1))
    return bad


@njit(cache=True, parallel=True)
def small_amx_conv(x, n, pads, value, check_binary, wa, r, s, sh, sw, e, f, n16, y2, per, prefetch):
    """Image ``n`` of a few-channel layer (an RGB input layer) on AMX tiles, without an im2col pass.

    The reduction runs over (channel, kernel row, group of 4 kernel columns): for 16 output
    pixels of one row, the 4 taps of such a group are 4 consecutive bytes of one padded input
    row at a stride of ``sw`` bytes, so one byte shuffle (VPERMB) of a 64-byte load makes a
    whole 16-pixel row of the B tile. Blocks of 32 pixels x all filters are built in a small
    buffer that stays in L1 and multiplied by the filter matrix ``wa`` (columns in that order,
    taps beyond the kernel zero); ``y2`` is (K, E*F) int32.

    Each task of ``per`` blocks first pads the input rows its blocks read (x: NCHW int8, C-contiguous;
    ``pads`` (top, left, bottom, right) of ``value``) into a buffer of its own, and with
    ``check_binary`` checks those rows of x for values other than -1 / +1 (and the rows no output
    reads: those a stride skips, those below the last output row): no separate padding pass, and no
    padded rows read from the other core's cache.
    ``prefetch``: prefetch the next block's output lines for writing. Returns 0 iff x passed the check
    (or none was asked for).
    """
    pt, pl, pb, pr = pads
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    hp, wp = h + pt + pb, w + pl + pr
    m = e * f
    kp, k = wa.shape[0], y2.shape[0]
    sg_n = (s + 3) // 4
    nblk = (m + 31) // 32
    ntask = (nblk + per - 1) // per
    rowb = y2.strides[0]
    flags = np.zeros(ntask, np.uint8)
    for t in prange(ntask):
        b0, b1 = t * per, min(nblk, (t + 1) * per)
        row0 = (b0 * 32 // f) * sh                            # the padded rows this task's blocks read
        row1 = min(hp, ((min(b1 * 32, m) - 1) // f) * sh + r)
        # the padded rows this task checks: up to the next task's first row (the rows a stride skips
        # too), the last task down to the bottom; together every row, once or twice
        chk1 = hp if t == ntask - 1 else min(hp, (b1 * 32 // f) * sh)
        nr = row1 - row0
        plane = nr * wp
        xb = np.empty(c * plane + 64, np.int8)
        _pad_rows(x, n, pt, pl, value, row0, row1, wp, xb)
        xb[c * plane:] = 0
        if check_binary:
            flags[t] = _check_rows(x, n, min(max(row0 - pt, 0), h), min(max(chk1 - pt, 0), h))
        # steps x (32 pixels x 4 bytes), unused steps stay 0; and a block of outputs (kp, 32) int32
        patches = _aligned_zeros_int8(n16 * 16 * 128).reshape(n16 * 16, 128)
        ob = _aligned_zeros_int8(kp * 32 * 4).view(np.int32).reshape(kp, 32)
        amx_configure()
        for blk in range(b0, b1):
            p0 = blk * 32
            if prefetch and blk + 1 < b1:
                for kk in range(k):
                    prefetch_write(y2, kk * rowb + 4 * p0 + 128)
                    prefetch_write(y2, kk * rowb + 4 * p0 + 192)
            for half in range(2):
                pix = p0 + 16 * half
                ei, f0 = pix // f, pix % f
                if pix + 16 <= m and f0 + 16 <= f:
                    for ci in range(c):
                        for ri in range(r):
                            base = ci * plane + (ei * sh + ri - row0) * wp + f0 * sw
                            for sg in range(sg_n):
                                j = (ci * r + ri) * sg_n + sg
                                _gather_lanes(sw, xb, base + 4 * sg, patches, j * 128 + half * 64)
                else:   # pixels across a row end or past the last one: byte by byte
                    for nn in range(16):
                        p = pix + nn
                        e2, f2 = p // f, p % f
                        for ci in range(c):
                            for ri in range(r):
                                for sg in range(sg_n):
                                    j = (ci * r + ri) * sg_n + sg
                                    for b in range(4):
                                        ss = 4 * sg + b
                                        v = np.int8(0)
                                        if p < m and ss < s:
                                            v = xb[ci * plane + (e2 * sh + ri - row0) * wp + f2 * sw + ss]
                                        patches[j, half * 64 + nn * 4 + b] = v
            if kp == k and p0 + 32 <= m:
                amx_block_at(wa, patches, 0, kp // 32, 0, n16, y2, p0)
            else:
                amx_block_at(wa, patches, 0, kp // 32, 0, n16, ob, 0)
                for kk in range(k):
                    for i in range(min(32, m - p0)):
                        y2[kk, p0 + i] = ob[kk, i]
        amx_release()
    bad = np.uint8(0)
    for t in range(ntask):
        bad |= flags[t]
    return bad


@dataclass(frozen=True)
class SmallAmxPlan:
    """A checked few-channel layer's static arguments: calling it with x (N, C, H, W) int8, C-contiguous,
    of the shape it was planned for, runs :func:`small_amx_conv` on each image into a new aligned y.
    Returns (y (N, K, E, F) int32, bad: ``check_binary`` was asked and x holds values other
    than -1 / +1, which the caller turns into the checks' error)."""

    path: str
    wa: np.ndarray                         # filters.small_amx_filters
    pads: tuple[int, int, int, int]
    pad_value: np.int8
    kernel: tuple[int, int, int, int, int]   # C, R, S, sh, sw
    out_kef: tuple[int, int, int]            # K, E, F
    check_binary: bool

    def __call__(self, x4: np.ndarray) -> tuple[np.ndarray, int]:
        k, e, f = self.out_kef
        _, r, s, sh, sw = self.kernel
        y = aligned_empty((x4.shape[0], k, e, f))
        nblk = (e * f + 31) // 32
        per = max(1, -(-nblk // (TASKS_PER_THREAD * numba.get_num_threads())))
        prefetch = self.wa.shape[0] <= PREFETCH_MAX_FILTERS
        for n in range(x4.shape[0]):
            bad = small_amx_conv(x4, n, self.pads, self.pad_value, self.check_binary, self.wa, r, s, sh, sw, e, f,
                                 self.wa.shape[1] // 64, y[n].reshape(k, e * f), per, prefetch)
            if bad:
                return y, 1
        return y, 0
