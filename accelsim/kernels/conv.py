"""``accelsim.kernels.conv2d``: bit-exact binary, ternary and int8 convolutions with PE-array cycles.

Which kernel computes ``y`` (``ConvResult.path``):

* ``xnor-popcount`` (binary): x and w packed along channels into uint64 words (bit = sign),
  ``dot = n - 2 popcount(x XOR w)``. Zero padding is exact through a correction term: the
  kernel pads with -1, then adds ``sum_c w`` back for every padded tap. ``pad_value=+1/-1``
  pads with that value instead (as binary networks often do), without correction.
* ``ternary-bitplanes`` (ternary w, x in {-1, 0, +1}): nonzero and sign planes,
  ``dot = popcount(m) - 2 popcount(m AND (sx XOR sw))`` with ``m = nzx AND nzw``.
* ``ternary-addsub`` (ternary w, any int8 x): adds x where w = +1 and subtracts it where
  w = -1, through byte masks, without multiplies.
* ``int8-vnni`` (int8): AVX-512 VNNI ``vpdpbusd`` on x + 128 (uint8) and w, minus
  ``128 * sum(w)``; ``int8-dot`` without VNNI.
* ``direct`` (any mode, fewer than 4 filters per group, e.g. depthwise): integer MACs on the
  padded int8 tensor, vectorised along output columns.

All paths accumulate exactly in integers, so ``y`` equals the NumPy references bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimError
from accelsim.kernels import drivers
from accelsim.kernels.checks import ConvArgs, check_conv_args
from accelsim.kernels.cycles import CycleStats, measure_stats, step_masks
from accelsim.kernels.microkernels import BLOCK, HAS_VNNI
from accelsim.kernels.packing import filter_rows, im2col, pack_bits, pad_nhwc, round_up
from accelsim.kernels.pe import PEArray

USE_VNNI = HAS_VNNI  # tests switch it off to check the portable int8 path


@dataclass(frozen=True)
class ConvResult:
    """Output ``y`` (int32, NCHW or CHW like x), the kernel used, and PE-array cycles if a ``pe`` was given."""

    y: np.ndarray
    mode: str
    path: str
    stats: CycleStats | None = None

    @property
    def cycles(self) -> int | None:
        return self.stats.cycles if self.stats else None

    def to_dict(self) -> dict:
        return {"mode": self.mode, "path": self.path, "y_shape": list(self.y.shape), "y_dtype": str(self.y.dtype),
                "cycles": self.stats.to_dict() if self.stats else None}


def _weights_khwc(w: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(w.transpose(0, 2, 3, 1))


def _compute(a: ConvArgs) -> tuple[np.ndarray, str]:
    x, w = a.x, a.w
    nb, _, h, wd = x.shape
    k, cg, r, s = w.shape
    e, f = a.out_hw
    (sh, sw), g_n, kg = a.stride, a.groups, k // a.groups
    hp, wp = h + a.padding[0] + a.padding[2], wd + a.padding[1] + a.padding[3]
    m, kw = nb * e * f, r * s * cg
    y = np.empty((nb, k, e, f), np.int32)
    if kg < BLOCK:
        pt, pl, pb, pr = a.padding
        xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=np.int8(a.pad_value))
        drivers.direct_conv(xp, w, g_n, sh, sw, y)
        return y, "direct"
    mp, kgp = round_up(m, BLOCK), round_up(kg, BLOCK)
    if a.mode == "binary":
        xp = pad_nhwc(x, a.padding, 1 if a.pad_value == 1 else -1)
        xb = pack_bits(xp, g_n, True)
        xb = xb.reshape(nb, hp, wp, g_n, xb.shape[-1])
        wb = pack_bits(_weights_khwc(w), 1, True).reshape(k, -1)
        nwords = wb.shape[1]
        bias = np.full(kg, kw, np.int64)
        for g in range(g_n):
            p = im2col(xb, g, r, s, sh, sw, e, f, mp, nwords)
            drivers.xorpop_gemm(p, filter_rows(wb, g, kg, kgp, nwords), nwords, m, kg, g * kg, -2, bias, y)
        if a.pad_value == 0 and any(a.padding):
            wsum = w.sum(axis=1, dtype=np.int64)
            drivers.zero_pad_correction(y, wsum, h, wd, sh, sw, a.padding[0], a.padding[1])
        return y, "xnor-popcount"
    xp = pad_nhwc(x, a.padding, 0)
    wt = _weights_khwc(w)
    if a.mode == "ternary" and x.min() >= -1 and x.max() <= 1:
        planes = [pack_bits(xp, g_n, neg) for neg in (False, True)]
        planes = [pl.reshape(nb, hp, wp, g_n, pl.shape[-1]) for pl in planes]
        wnz, wsg = (pack_bits(wt, 1, neg).reshape(k, -1) for neg in (False, True))
        nwords = wnz.shape[1]
        zero = np.zeros(kg, np.int64)
        for g in range(g_n):
            pnz, psg = (im2col(pl, g, r, s, sh, sw, e, f, mp, nwords) for pl in planes)
            drivers.ternary_gemm(pnz, psg, filter_rows(wnz, g, kg, kgp, nwords),
                                 filter_rows(wsg, g, kg, kgp, nwords), nwords, m, kg, g * kg, zero, y)
        return y, "ternary-bitplanes"
    w2 = wt.reshape(k, kw)
    x5 = xp.reshape(nb, hp, wp, g_n, cg)
    if a.mode == "ternary":
        wpos, wneg = np.where(w2 > 0, -1, 0).astype(np.int8), np.where(w2 < 0, -1, 0).astype(np.int8)
        for g in range(g_n):
            p = im2col(x5, g, r, s, sh, sw, e, f, m, kw)
            drivers.addsub_gemm(p, wpos[g * kg:(g + 1) * kg], wneg[g * kg:(g + 1) * kg], m, kg, g * kg, y)
        return y, "ternary-addsub"
    if USE_VNNI:
        xu = (xp.view(np.uint8) ^ np.uint8(0x80)).reshape(nb, hp, wp, g_n, cg)  # x + 128
        kp = round_up(kw, 64)
        wsum = w2.sum(axis=1, dtype=np.int64)
        for g in range(g_n):
            p = im2col(xu, g, r, s, sh, sw, e, f, mp, kp)
            bias = -128 * wsum[g * kg:(g + 1) * kg]
            drivers.vnni_gemm(p, filter_rows(w2, g, kg, kgp, kp), kp // 64, m, kg, g * kg, bias, y)
        return y, "int8-vnni"
    for g in range(g_n):
        p = im2col(x5, g, r, s, sh, sw, e, f, m, kw)
        drivers.int8_dot_gemm(p, np.ascontiguousarray(w2[g * kg:(g + 1) * kg]), m, kg, g * kg, y)
    return y, "int8-dot"


def _cycle_stats(a: ConvArgs, pe: PEArray) -> CycleStats:
    nb, _, h, wd = a.x.shape
    k, cg, r, s = a.w.shape
    e, f = a.out_hw
    g_n, kg, kw = a.groups, k // a.groups, r * s * cg
    per = pe.elems_per_step(a.mode)
    use_x = pe.zero_skip is not None and pe.skip_operands in ("activations", "both")
    use_w = pe.zero_skip is not None and pe.skip_operands in ("weights", "both")
    if (use_x or use_w) and per > 64:
        raise AccelsimError(f"pe.lane_bits: {pe.lane_bits} gives {per} {a.mode} elements per PE step; zero "
                            "skipping is modelled for at most 64")
    x_masks = w_masks = None
    if use_w:
        w2 = _weights_khwc(a.w).reshape(k, kw)
        w_masks = [step_masks(w2[g * kg:(g + 1) * kg], kw, per) for g in range(g_n)]
    if use_x:
        hp, wp = h + a.padding[0] + a.padding[2], wd + a.padding[1] + a.padding[3]
        x5 = pad_nhwc(a.x, a.padding, a.pad_value).reshape(nb, hp, wp, g_n, cg)
        x_masks = [[step_masks(im2col(x5[i:i + 1], g, r, s, *a.stride, e, f, e * f, kw), kw, per)
                    for g in range(g_n)] for i in range(nb)]
    return measure_stats(x_masks, w_masks, e * f, kg, kw, g_n, nb, pe, a.mode)


def conv2d(x: np.ndarray, w: np.ndarray, *, mode: str, stride=1, padding=0, groups: int = 1,
           pe: PEArray | None = None, pad_value: int = 0) -> ConvResult:
    """Convolve int8 ``x`` (NCHW or CHW) with int8 ``w`` (OIHW) in ``mode`` binary, ternary or int8.

    ``padding``: int, (h, w) or (top, left, bottom, right); ``pad_value`` (binary only):
    0 = exact zero padding, or +1 / -1. With ``pe`` (a :class:`PEArray`), also measures the
    cycles that array spends (see :mod:`accelsim.kernels.cycles`). Bad arguments raise
    :class:`accelsim.errors.AccelsimError` (a ValueError) naming the argument.
    """
    a = check_conv_args(x, w, mode=mode, stride=stride, padding=padding, groups=groups, pad_value=pad_value)
    if pe is not None and not isinstance(pe, PEArray):
        raise AccelsimError(f"pe: got {type(pe).__name__}; must be an accelsim.kernels.PEArray or None")
    y, path = _compute(a)
    stats = _cycle_stats(a, pe) if pe is not None else None
    return ConvResult(y=y[0] if a.unbatched else y, mode=mode, path=path, stats=stats)
