"""int4 convolutions: int4 weights x int4 (W4A4) or int8 (W4A8) activations, bit-exact, with their cycles.

Storage: signed int4 values in [-8, 7] as two's-complement nibbles, two per byte, the lower
index in the low nibble (:func:`pack_int4`). The kernel keeps the weights packed and decodes
each byte's two nibbles in the inner loop (``(b << 4) >> 4`` and ``b >> 4`` as signed bytes),
the activations packed too in W4A4; it accumulates exactly in int32, so ``y`` equals the
NumPy reference of :mod:`accelsim.kernels.reference` bit for bit.

Cycles:

* PE arrays (:class:`accelsim.kernels.PEArray`): the GEMM of :mod:`accelsim.kernels.cycles`
  with ``lane_bits / 4`` int4 elements per PE step in W4A4, and the int8 step (activations
  are 8 bits wide) in W4A8; zero skipping reads the operands' step masks and N:M weights are
  read compressed when they conform, as for int8. Bit-serial PEs are not modelled for int4.
* SIMD cores (:func:`int4_simd_stats`): no CPU core accelsim models multiplies int4 natively
  (Armv9.0 SVE2 / I8MM and AVX-512 VNNI stop at 8 bits), so the path is ``int4-unpack-dot4``:
  nibbles are unpacked to int8 and fed to the int8 dot product (SDOT / VPDPBUSD) of
  :mod:`accelsim.kernels.simd_cycles` (or its ``direct`` path for depthwise layers).
  Unpacking a V-bit vector of packed nibbles into two int8 vectors is 3 instructions on
  either ISA (NEON: SHL #4 + SSHR #4 for the low nibbles, SSHR #4 for the high; AVX-512:
  VPANDD, VPSRLW + VPANDD, the offset of the unsigned nibbles folded into the bias as the
  int8 VNNI path does with +128). The input feature map is unpacked once into the int8
  buffer the int8 path reads (W4A4), the weights once per image (kept packed in memory: the
  point of int4 weights). The rate is the core's cited int8 rate.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass

import numpy as np
from numba import njit, prange

from accelsim.errors import AccelsimError
from accelsim.kernels.checks import check_conv_args
from accelsim.kernels.conv import ConvResult
from accelsim.kernels.cycles import dense_stats, measure_stats, nm_compact, step_masks
from accelsim.kernels.packing import im2col, pad_nhwc
from accelsim.kernels.pe import PEArray
from accelsim.kernels.simd_cycles import SimdGeometry, SimdStats, simd_stats

INT4_MIN, INT4_MAX = -8, 7
ACT_BITS = (4, 8)
UNPACK_OPS = 3            # instructions to unpack one vector of packed nibbles into two int8 vectors
PATH_W4A4, PATH_W4A8 = "int4-nibble", "int4w-nibble"       # the host kernel's paths
ISA_PATH = "int4-unpack-dot4"       # what a CPU core executes (int4-unpack-direct for depthwise)


def pack_int4(a: np.ndarray) -> np.ndarray:
    """int8 values in [-8, 7] -> uint8, two nibbles per byte along the last axis (zero-padded to even)."""
    a = np.asarray(a)
    if a.dtype != np.int8:
        raise AccelsimError(f"pack_int4: got dtype {a.dtype}; must be int8")
    if a.size and (a.min() < INT4_MIN or a.max() > INT4_MAX):
        bad = a[(a < INT4_MIN) | (a > INT4_MAX)].flat[0]
        raise AccelsimError(f"pack_int4: got value {int(bad)}; int4 allows {INT4_MIN}..{INT4_MAX}")
    n = a.shape[-1]
    padded = np.zeros((*a.shape[:-1], n + n % 2), np.uint8)
    padded[..., :n] = a.view(np.uint8) & 0x0F
    return (padded[..., 0::2] | (padded[..., 1::2] << 4)).astype(np.uint8)


@njit(cache=True, inline="always")
def _lo(b):
    return np.int32(np.int8(np.uint8(b << np.uint8(4)))) >> 4


@njit(cache=True, inline="always")
def _hi(b):
    return np.int32(np.int8(b)) >> 4


@njit(cache=True, parallel=True)
def unpack_int4(packed, n):
    """uint8 (rows, bytes) -> int8 (rows, n): the inverse of :func:`pack_int4` on 2-D arrays."""
    rows = packed.shape[0]
    out = np.empty((rows, n), np.int8)
    for i in prange(rows):
        for j in range(n):
            b = packed[i, j // 2]
            out[i, j] = np.int8(_hi(b) if j % 2 else _lo(b))
    return out


@njit(cache=True, parallel=True)
def gemm_w4a4(xp, wp, out):
    """out[i, k] = sum_j x[i, j] w[k, j], both packed two int4 per byte (padding nibbles are 0)."""
    nb = xp.shape[1]
    for i in prange(xp.shape[0]):
        xr = xp[i]
        for k in range(wp.shape[0]):
            wr = wp[k]
            acc = np.int32(0)
            for j in range(nb):
                a, b = xr[j], wr[j]
                acc += _lo(a) * _lo(b) + _hi(a) * _hi(b)
            out[i, k] = acc


@njit(cache=True, parallel=True)
def gemm_w4a8(x, wp, out):
    """out[i, k] = sum_j x[i, j] w[k, j]: x int8 (rows, 2 * bytes, zero-padded), w packed int4."""
    nb = wp.shape[1]
    for i in prange(x.shape[0]):
        xr = x[i]
        for k in range(wp.shape[0]):
            wr = wp[k]
            acc = np.int32(0)
            for j in range(nb):
                b = wr[j]
                acc += np.int32(xr[2 * j]) * _lo(b) + np.int32(xr[2 * j + 1]) * _hi(b)
            out[i, k] = acc


@dataclass(frozen=True)
class Int4Result(ConvResult):
    """A :class:`ConvResult` (mode ``int4``) that also names the activation bits (4: W4A4, 8: W4A8)."""

    act_bits: int = 4

    def to_dict(self) -> dict:
        return {**super().to_dict(), "act_bits": self.act_bits}


def _check_range(name: str, arr: np.ndarray, lo: int, hi: int) -> None:
    if arr.size and (arr.min() < lo or arr.max() > hi):
        bad = arr[(arr < lo) | (arr > hi)].flat[0]
        raise AccelsimError(f"{name}: got value {int(bad)}; int4 allows {lo}..{hi}")


def conv2d_int4(x: np.ndarray, w: np.ndarray, *, act_bits: int = 4, stride=1, padding=0, groups: int = 1,
                pe: PEArray | None = None) -> Int4Result:
    """Convolve int8-held ``x`` (NCHW or CHW) with int4 ``w`` (OIHW, values in [-8, 7]), zero padding.

    ``act_bits`` 4: x must be int4 too (W4A4); 8: any int8 x (W4A8). With ``pe``, also the
    PE-array cycles (W4A4 steps of ``pe.lane_bits / 4`` elements; W4A8 of ``lane_bits / 8``).
    """
    if act_bits not in ACT_BITS:
        raise AccelsimError(f"act_bits: got {act_bits!r}; allowed: 4, 8")
    if pe is not None and not isinstance(pe, PEArray):
        raise AccelsimError(f"pe: got {type(pe).__name__}; must be an accelsim.kernels.PEArray or None")
    if pe is not None and pe.bit_serial is not None:
        raise AccelsimError("pe: bit-serial PEs are not modelled for int4")
    a = check_conv_args(x, w, mode="int8", stride=stride, padding=padding, groups=groups)
    _check_range("w", a.w, INT4_MIN, INT4_MAX)
    if act_bits == 4:
        _check_range("x", a.x, INT4_MIN, INT4_MAX)
    nb, _, h, wd = a.x.shape
    k, cg, r, s = a.w.shape
    e, f = a.out_hw
    g_n, kg, kw = a.groups, k // a.groups, r * s * cg
    hp, wp_ = h + a.padding[0] + a.padding[2], wd + a.padding[1] + a.padding[3]
    x5 = pad_nhwc(a.x, a.padding, 0).reshape(nb, hp, wp_, g_n, cg)
    # filter rows in (r, s, c) order, as im2col's patch columns
    w_rows = np.ascontiguousarray(a.w.transpose(0, 2, 3, 1).reshape(k, kw))
    w_packed = pack_int4(w_rows)
    m = nb * e * f
    y = np.empty((nb, k, e, f), np.int32)
    out = np.empty((m, kg), np.int32)
    masks_x, masks_w = [[] for _ in range(nb)], []
    w_run, kw_run, violations = w_rows, kw, 0
    if pe is not None and pe.nm is not None:   # N:M weights read compressed when the layer conforms (as int8)
        packed, violations = nm_compact(w_rows, r * s, cg, *pe.nm)
        if violations == 0 and packed.shape[1] < kw:
            w_run, kw_run = packed, packed.shape[1]
    mode = "int4" if act_bits == 4 else "int8"
    per = pe.elems_per_step(mode) if pe is not None else 1
    use_x = pe is not None and pe.zero_skip is not None and pe.skip_operands in ("activations", "both")
    use_w = pe is not None and pe.zero_skip is not None and pe.skip_operands in ("weights", "both")
    if (use_x or use_w) and per > 64:
        raise AccelsimError(f"pe.lane_bits: {pe.lane_bits} gives {per} {mode} elements per PE step; zero "
                            "skipping is modelled for at most 64")
    for g in range(g_n):
        p = im2col(x5, g, r, s, *a.stride, e, f, m, kw + kw % 2)       # (m, kw) + one zero column if odd
        wg = w_packed[g * kg:(g + 1) * kg]
        if act_bits == 4:
            gemm_w4a4(pack_int4(p), wg, out)
        else:
            gemm_w4a8(p, wg, out)
        y[:, g * kg:(g + 1) * kg] = out.reshape(nb, e, f, kg).transpose(0, 3, 1, 2)
        if use_w:
            masks_w.append(step_masks(w_run[g * kg:(g + 1) * kg], kw_run, per))
        if use_x:
            for i in range(nb):
                masks_x[i].append(step_masks(np.ascontiguousarray(p[i * e * f:(i + 1) * e * f, :kw]), kw, per))
    stats = None
    if pe is not None:
        stats = measure_stats(masks_x if use_x else None, masks_w if use_w else None, e * f, kg, kw_run, g_n, nb,
                              pe, mode)
        if pe.nm is not None:
            dense = dense_stats(e * f, kg, kw, g_n, nb, dataclasses.replace(pe, zero_skip=None, nm=None), mode)
            stats = dataclasses.replace(stats, dense_cycles=dense.cycles, dense_ops=dense.dense_ops,
                                        skipped_ops=dense.dense_ops - stats.busy_pe_cycles,
                                        structured=kw_run < kw, nm_violations=violations)
    return Int4Result(y=y[0] if a.unbatched else y, mode="int4", act_bits=act_bits,
                      path=PATH_W4A4 if act_bits == 4 else PATH_W4A8, stats=stats)


@dataclass(frozen=True)
class Int4SimdStats:
    """Instructions of ``int4-unpack-dot4`` on a SIMD core: unpacking, then the int8 path's instructions."""

    int8: SimdStats                # the int8 kernel path on the unpacked tensors (simd_cycles' count)
    unpack_act_instructions: int
    unpack_weight_instructions: int
    instructions: int
    cycles: int
    emulated: bool = True          # int4 runs as int8 on the core

    def to_dict(self) -> dict:
        d = asdict(self)
        d["int8"] = self.int8.to_dict()
        d["isa_path"] = f"int4-unpack-{self.int8.path}"
        return d


def unpack_counts(input_elems: int, weight_elems: int, images: int, vector_bits: int,
                  act_bits: int) -> tuple[int, int]:
    """(activation, weight) unpack instructions: 3 per ``vector_bits`` vector of packed nibbles.

    The input feature map (``input_elems`` per image) is unpacked once into an int8 buffer the
    int8 path reads (W4A4 only), the weights once per image.
    """
    per_vector = vector_bits // 4
    act = UNPACK_OPS * math.ceil(input_elems / per_vector) * images if act_bits == 4 else 0
    return act, UNPACK_OPS * math.ceil(weight_elems / per_vector) * images


def int4_simd_stats(g: SimdGeometry, input_elems: int, vector_bits: int, int8_macs_per_cycle: float,
                    act_bits: int = 4, core_speed: float = 1.0, path: str = "dot4") -> Int4SimdStats:
    """Instructions and cycles of int4 unpacked to int8 on a core with that cited int8 rate.

    ``path``: the int8 path the unpacked layer takes (``dot4``, or ``direct`` for fewer than 4
    filters per group); ``input_elems``: C*H*W of one image's input.
    """
    if act_bits not in ACT_BITS:
        raise AccelsimError(f"act_bits: got {act_bits!r}; allowed: 4, 8")
    st = simd_stats(path, g, vector_bits, "int8", int8_macs_per_cycle, core_speed)
    w_elems = g.groups * g.n * g.cg * g.r * g.s
    ua, uw = unpack_counts(input_elems, w_elems, g.images, vector_bits, act_bits)
    total = st.instructions + ua + uw
    return Int4SimdStats(int8=st, unpack_act_instructions=ua, unpack_weight_instructions=uw, instructions=total,
                         cycles=math.ceil(total / (st.issue_per_cycle * core_speed)))
