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
* ``xnor-window`` (binary layers with at most 8 channels per group, such as an RGB input
  layer): the same XNOR-popcount with each whole R x S x C window packed densely into words
  (a 7x7x3 window in 3 words rather than one part-empty word per tap).
* ``int8-vnni`` (int8, and ternary layers with at most 8 channels per group, whose taps
  would fill few bits of a popcount word): AVX-512 VNNI
  ``vpdpbusd`` on x + 128 (uint8) and w, minus ``128 * sum(w)``; ``int8-dot`` without VNNI.
* ``int8-amx`` (the same layers, windows of at least :data:`AMX_MIN_STEPS` 4-byte steps, on
  CPUs with AMX-INT8): ``tdpbssd`` tiles on signed bytes (:mod:`accelsim.kernels.amx`).
* ``ternary-addsub@amx`` / ``ternary-addsub@vnni`` (ternary w, int8 x, on hosts with AMX / VNNI)
  and ``ternary-bitplanes@amx`` (bit-plane layers whose words would be at most half filled, see
  :func:`_lowbit_on_amx`): the same ternary layer as int8 products on AMX tiles or VNNI vectors
  ({-1, 0, +1} are int8 values); named after the kernel the modelled core runs, whose
  instructions :mod:`accelsim.kernels.simd_cycles` counts (``HOST_PATH``).
* On AMX hosts, two more routes for the same int8 products (host paths named after the
  modelled kernel, mapped back by ``HOST_PATH``): layers with at most 8 channels and one group
  (RGB input layers, any mode: ``xnor-window@amx`` / ``int8-amx``) gather each 32-pixel block's
  patches with byte shuffles into a buffer in L1 (:mod:`accelsim.kernels.rgb`); stride-1 layers of whole
  64-channel steps (int8; ternary with 128-256 channels, see :func:`_implicit_on_amx`) load their
  tiles straight from the padded lane planes, an implicit GEMM without patch matrix
  (:func:`_amx_implicit`). Both pad with the padding value itself, so binary needs no correction.
* ``direct`` (any mode, fewer than 4 filters per group, e.g. depthwise): integer MACs on the
  padded int8 tensor, vectorised along output columns.

All paths accumulate exactly in integers, so ``y`` equals the NumPy references bit for bit.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimError
from accelsim.kernels import depthwise, drivers
from accelsim.kernels.amx import BLOCK as AMX_BLOCK
from accelsim.kernels.amx import HAS_AMX, STEP_GROUP
from accelsim.kernels.bitserial import gemm_bitserial, step_cycles, stripes_precision
from accelsim.kernels.checks import ConvArgs, check_binary_x, check_conv_args, in_unit_range
from accelsim.kernels.cycles import CycleStats, dense_stats, measure_stats, nm_compact, step_masks
from accelsim.kernels.filters import (SMALL_CHANNELS, PackedFilters, cached_pack_filters, int8_lanes,
                                      small_amx_filters, window_words)
from accelsim.kernels.microkernels import FB, HAS_VNNI, LANES
from accelsim.kernels.packing import (filter_rows, im2col, im2col_t, im2col_window_bits, pack_input_bits,
                                      pack_input_lanes, pack_input_planes, pad_nhwc, pad_phases, round_up,
                                      window_phases)
from accelsim.kernels.pe import MODE_BITS, PEArray
from accelsim.kernels.rgb import SmallAmxPlan
from accelsim.kernels.xnor_band import (NO_TABLES, BandPlan, SubsampledPlan, pad_pattern_table,
                                       padding_patterns, pattern_corrections)

USE_VNNI = HAS_VNNI  # tests switch it off to check the portable int8 path
USE_AMX = HAS_AMX    # int8 products on AMX tiles where the CPU has them (tests switch it off to check VNNI)
# ... for windows of at least this many 4-byte steps: shorter ones are bound by reading the
# patches and writing the output, where VNNI measured as fast or faster (1 thread, under load:
# 9 steps (RGB 3x3) 1.6x and 18 steps 1.2x faster on VNNI, 25 steps even or VNNI; 27 and 36
# steps 1.1-1.2x, the RGB 7x7 input layer (49 steps) 2.1x and 1x1 layers of 128-256 steps 2x
# faster on AMX)
AMX_MIN_STEPS = 27
# Ternary bit-plane layers run on AMX tiles instead when their 64-bit words are at most half
# filled (e.g. 16-32 channels), with windows of at least this many 4-channel steps and at least
# AMX_BLOCK filters per group (measured, 1 thread: 16->32 ch 3x3 at 112x112 1.9x faster,
# 24-32 ch 3x3 at 56x56 1.1-1.3x; 64-160 ch on full words 1.0-1.7x slower, 16->16 ch slower).
# Binary layers stay on XNOR-popcount: AMX measured 1.1-2.1x slower on every benchmark layer.
AMX_PLANES_MIN_STEPS = 32
# Stride-1 layers with whole 64-channel steps read their B tiles straight from the lane planes
# (implicit GEMM, no patch matrix; see _implicit_on_amx) in these modes
AMX_IMPLICIT_MODES = {"ternary", "int8"}


def _implicit_on_amx(mode: str, cg: int, taps: int, hp: int, wp: int, e: int, f: int) -> bool:
    """Whether a stride-1 layer with whole 64-channel steps runs as an implicit GEMM on AMX tiles.

    Measured per benchmark layer (kernels' own A/B in one process; other helpers loading the
    machine): int8 1.2-3x faster than the im2col AMX / VNNI paths on every 1x1 and 3x3 layer;
    ternary bit planes slower than this on every 3x3 layer (64-512 channels at 7-56 pixels:
    1.1-1.8x on 1 thread, up to 2x on 2) and on 1x1 layers of >= 128 channels with small planes
    and at least 4 blocks of 32 pixels (512 channels at 14x14: 1.15x), faster on 1x1 layers with
    12 KB planes (128 channels at 56x56: tile rows 12 KB apart) or one pixel block (1024
    channels at 7x7: 8x the weight bytes of bit planes); binary XNOR-popcount faster or even on
    every layer (not routed here).
    """
    if mode == "int8":
        return True
    if mode != "ternary":
        return False
    return taps == 9 or (cg >= 128 and hp * wp * 4 <= 4096 and ((e - 1) * wp + f) // 32 >= 4)


def _lowbit_on_amx(ternary_x: bool, cg: int, kg: int, steps: int) -> bool:
    """Whether a ternary layer's products run on AMX tiles (values in {-1, 0, +1} are int8 values)."""
    if not ternary_x:
        return True   # int8 activations: add/subtract loops 8-50x slower than the tiles (measured)
    return steps >= AMX_PLANES_MIN_STEPS and kg >= AMX_BLOCK and round_up(cg, 64) >= 2 * cg


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


def _zero_pad_tables(a: ConvArgs, pf: PackedFilters) -> tuple[np.ndarray, np.ndarray]:
    """Binary zero padding: the kernel padded with -1, so ``sum_c w`` must be added back for every
    padded tap. Returns (flat positions e * F + f of the outputs whose window reaches into the
    padding, corrections (K, those outputs)).

    Which taps of an output fall into the padding depends only on its row pattern and its
    column pattern, so the corrections are computed once per (row, column) pattern pair,
    and kept with the packed filters for the next call of the same geometry.
    """
    (sh, sw), (e, f) = a.stride, a.out_hw
    _, _, h, wd = a.x.shape
    key = ("zero_pad", e, f, h, wd, sh, sw, a.padding[0], a.padding[1])
    if key not in pf.derived:
        r, s = pf.tap_sums.shape[1:]
        row_pat, col_pat, row_of, col_of = padding_patterns(e, f, h, wd, r, s, sh, sw, a.padding[0], a.padding[1])
        be, bf = np.nonzero(~(row_pat.all(axis=1)[row_of][:, None] & col_pat.all(axis=1)[col_of][None, :]))
        corr = pattern_corrections(pf.tap_sums, row_pat, col_pat)      # (K, row patterns, column patterns)
        pf.derived[key] = ((be * f + bf).astype(np.int64),
                           np.ascontiguousarray(corr[:, row_of[be], col_of[bf]], dtype=np.int32))
    return pf.derived[key]


_NO_CORRECTION = (np.zeros(0, np.int64), np.zeros((1, 0), np.int32))


def _zero_pad_correction(y: np.ndarray, a: ConvArgs, pf: PackedFilters) -> None:
    """Add the binary zero-padding corrections (:func:`_zero_pad_tables`) to y."""
    drivers.add_at_pixels(y, *_zero_pad_tables(a, pf))


def _amx(a: ConvArgs, pf: PackedFilters, lanes: np.ndarray) -> np.ndarray:
    """int8 products on AMX tiles: filters and pixels padded to 32, steps to 16 (zeros add nothing).

    ``lanes``: the filters as int8 lanes (binary / ternary values are int8 values; their
    zero padding is padding with 0, exact without a correction)."""
    x = a.x
    nb = x.shape[0]
    k, cg, r, s = a.w.shape
    e, f = a.out_hw
    g_n, kg, m = a.groups, k // a.groups, nb * e * f
    y = np.empty((nb, k, e, f), np.int32)
    xu = pack_input_lanes(x, *a.padding, g_n, a.pad_value, 0).view(np.int32)
    steps = lanes.shape[1] // 4
    s16, kga, mpa = round_up(steps, STEP_GROUP), round_up(kg, AMX_BLOCK), round_up(m, AMX_BLOCK)
    direct = nb == 1 and mpa == m and kga == kg      # the kernel writes straight into y
    for g in range(g_n):
        key = ("amx", g)
        if key not in pf.derived:
            pf.derived[key] = filter_rows(lanes, g, kg, kga, s16 * 4)
        out = y[0, g * kg:(g + 1) * kg].reshape(kg, m) if direct else np.empty((kga, mpa), np.int32)
        pt = im2col_t(xu, g, r, s, *a.stride, e, f, s16, mpa)
        drivers.amx_gemm(pt, pf.derived[key], s16 // STEP_GROUP, out)
        if not direct:
            y[:, g * kg:(g + 1) * kg] = out[:kg, :m].reshape(kg, nb, e, f).transpose(1, 0, 2, 3)
    return y


def _amx_implicit(a: ConvArgs, pf: PackedFilters, lanes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Stride-1 layers with channels in whole 64-byte steps on AMX tiles, B tiles read straight from the
    padded lane planes (drivers.amx_implicit_conv): int8 products of the values themselves."""
    x = a.x
    k, cg, r, s = a.w.shape
    e, f = a.out_hw
    hp, wp = x.shape[2] + a.padding[0] + a.padding[2], x.shape[3] + a.padding[1] + a.padding[3]
    key = ("amx_implicit", hp, wp)
    if key not in pf.derived:
        n16 = r * s * cg // 64
        wl = filter_rows(lanes, 0, k, round_up(k, AMX_BLOCK), n16 * 64)
        kk = np.arange(n16)
        tap, lg = kk // (cg // 64), kk % (cg // 64)
        offs = 4 * (lg * 16 * hp * wp + (tap // s) * wp + tap % s)
        pf.derived[key] = (wl, offs.astype(np.int64))
    wl, offs = pf.derived[key]
    for n in range(x.shape[0]):
        xl = drivers.pad_lanes(x, n, *a.padding, np.int8(a.pad_value))
        drivers.amx_implicit_conv(xl, wl, offs, hp, wp, e, f, y[n].reshape(k, e * f))
    return y


IMPLICIT_AMX_PATH = {"binary": "xnor-popcount@amx", "ternary": "ternary-bitplanes@amx", "int8": "int8-amx"}
SMALL_AMX_PATH = {"binary": "xnor-window@amx", "ternary": "int8-amx", "int8": "int8-amx"}


def _compute(a: ConvArgs, pf: PackedFilters, plan_key=None) -> tuple[np.ndarray, str]:
    """(y, path). ``plan_key``: where to keep the layer's plan, if its path makes one, so the next call
    with the same arguments (:func:`_plan_key`) runs it straight away. A plan is a callable
    ``plan(x4) -> (y, bad)`` with a ``path`` attribute (``bad``: x holds values the mode does not allow,
    which the caller turns into the checks' error)."""
    plannable = plan_key is not None and a.x.flags.c_contiguous   # (a plan runs on the caller's x as it is)
    if not a.x.flags.c_contiguous:   # the packers read whole channel planes as flat runs
        a = dataclasses.replace(a, x=np.ascontiguousarray(a.x))
    sub = None     # strided 1x1 binary band layer: the stride its plan subsamples x with
    if a.w.shape[2:] == (1, 1) and not any(a.padding) and a.stride != (1, 1):
        # strided 1x1: only every sh-th row and sw-th column is read, so pack just those
        sh, sw = a.stride
        if a.mode == "binary" and a.groups == 1 and a.x.shape[0] == 1 and a.w.shape[1] > SMALL_CHANNELS:
            sub = a.stride   # (the band branch below; its plan repeats this step)
            xs, bad = drivers.subsample(a.x, sh, sw, True)
            if bad:
                check_binary_x(a.x)   # raises: every value, not only the pixels read
        else:
            if a.mode == "binary":
                check_binary_x(a.x)   # every value, not only the pixels read
            xs, _ = drivers.subsample(a.x, sh, sw, False)
        plannable = plannable and sub is not None   # (only the band plan below redoes this step)
        a = dataclasses.replace(a, x=xs, stride=(1, 1))
    x, w = a.x, a.w
    nb, _, h, wd = x.shape
    k, cg, r, s = w.shape
    e, f = a.out_hw
    (sh, sw), g_n, kg = a.stride, a.groups, k // a.groups
    pads = a.padding
    m, kw = nb * e * f, r * s * cg
    y = np.empty((nb, k, e, f), np.int32)
    if kg < FB:
        if cg == 1 and kg == 1 and r == s == 3:
            unit = a.mode == "binary" or (a.mode == "ternary" and in_unit_range(x))
            if unit:   # int8 lanes, x padded per channel in cache, binary x checked on the way
                plan = depthwise.DepthwisePlan(pads[0], pads[1], np.int8(a.pad_value), sh, sw, w, (k, e, f),
                                               a.mode == "binary")
                y, bad = plan(x, y)
                if bad:
                    check_binary_x(x)   # raises: binary x holds values other than -1 / +1
                if plannable and a.mode == "binary":   # (a ternary x must be checked for the unit range anew)
                    pf.derived[plan_key] = plan
                return y, plan.path
            if sw > 1:   # (int8, column stride 1: the register-blocked depthwise3x3 below)
                drivers.depthwise3x3_flat(x, w, *pads, np.int8(a.pad_value), sh, sw, y)
                return y, "direct"
        if a.mode == "binary":
            check_binary_x(x)
        if sw == 1:
            xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
                        constant_values=np.int8(a.pad_value))
            xph = xp.reshape(xp.shape[0], xp.shape[1], xp.shape[2], 1, xp.shape[3])
        else:
            xph = pad_phases(x, *pads, a.pad_value, sw)
        if cg == 1 and kg == 1 and r == s == 3:
            drivers.depthwise3x3(xph, w, sh, sw, y)
        else:
            drivers.direct_conv(xph, w, g_n, sh, sw, y)
        return y, "direct"
    small_amx = USE_AMX and g_n == 1 and cg <= SMALL_CHANNELS and sw <= 4
    if a.mode == "binary" and cg <= SMALL_CHANNELS and not small_amx:
        check_binary_x(x)     # (the AMX plan checks x as it pads it, the bit packer of xnor-popcount as it packs)
    if small_amx:
        # few channels (an RGB input layer): int8 products on AMX tiles with the patches gathered per
        # block (accelsim.kernels.rgb); named after the kernel the modelled core runs (HOST_PATH)
        plan = SmallAmxPlan(SMALL_AMX_PATH[a.mode], small_amx_filters(pf), tuple(pads), np.int8(a.pad_value),
                            (cg, r, s, sh, sw), (k, e, f), a.mode == "binary")
        y, bad = plan(x)
        if bad:
            check_binary_x(x)
        if plannable:
            pf.derived[plan_key] = plan
        return y, plan.path
    if (USE_AMX and a.mode in AMX_IMPLICIT_MODES and g_n == 1 and (sh, sw) == (1, 1) and cg % 64 == 0
            and _implicit_on_amx(a.mode, cg, r * s, h + pads[0] + pads[2], wd + pads[1] + pads[3], e, f)):
        if a.mode == "binary":
            check_binary_x(x)
        if a.mode == "ternary":
            path = "ternary-bitplanes@amx" if in_unit_range(x) else "ternary-addsub@amx"
        else:
            path = IMPLICIT_AMX_PATH[a.mode]
        return _amx_implicit(a, pf, pf.lanes if a.mode == "int8" else int8_lanes(pf), y), path
    kgp = round_up(kg, FB)
    window = a.mode == "binary" and cg <= SMALL_CHANNELS        # few channels: whole windows in popcount words
    lanes = USE_VNNI and (a.mode == "int8" or (cg <= SMALL_CHANNELS and not window))  # int8 VNNI path
    # ternary with few channels runs as int8 dot products on every host (the VNNI path above, or
    # the portable int8-dot loops below), so the modelled core's path (dot4) never depends on the host
    few_ternary = a.mode == "ternary" and cg <= SMALL_CHANNELS
    ternary_x = a.mode == "ternary" and not few_ternary and in_unit_range(x)
    lane_steps = r * s * round_up(cg, 4) // 4
    if USE_AMX and a.mode == "ternary" and not lanes and not few_ternary and _lowbit_on_amx(ternary_x, cg, kg,
                                                                                              lane_steps):
        # the same products on AMX int8 tiles; named after the kernel the modelled core runs
        # (HOST_PATH maps "<path>@amx" back to <path> for the instruction count)
        low = "ternary-bitplanes" if ternary_x else "ternary-addsub"
        return _amx(a, pf, int8_lanes(pf)), low + "@amx"
    if a.mode == "binary" and not window and g_n == 1 and nb == 1:   # one pass over bands of rows, no GEMM buffers
        key = ("xnor_band", kgp)
        if key not in pf.derived:
            pf.derived[key] = (filter_rows(pf.bits[0], 0, kg, kgp, pf.bits[0].shape[1]), np.full(kgp, kw, np.int64))
        wg, bias = pf.derived[key]
        flat, vals, tables = *_NO_CORRECTION, NO_TABLES
        if a.pad_value == 0 and any(pads):   # corrections in the micro-kernels' epilogue, or a pass per block
            tkey = ("band_pad", kgp, e, f, h, wd, sh, sw, pads[0], pads[1])
            if tkey not in pf.derived:
                pf.derived[tkey] = pad_pattern_table(pf.tap_sums, kw, kgp, e, f, h, wd, sh, sw, pads[0], pads[1])
            tables = pf.derived[tkey]
            if tables is None:
                flat, vals, tables = *_zero_pad_tables(a, pf), NO_TABLES
        plan = BandPlan(tuple(pads), a.pad_value != 1, wg, bias, (r, s, sh, sw), (k, e, f), flat, vals, tables)
        y, bad = plan(x, y)
        if bad:
            check_binary_x(x)
        if plannable:
            pf.derived[plan_key] = plan if sub is None else SubsampledPlan(plan, sub)
        return y, "xnor-popcount"
    addsub_vnni = USE_VNNI and a.mode == "ternary" and not ternary_x and not lanes  # int8 x, ternary w
    addsub = a.mode == "ternary" and not few_ternary
    blocked = lanes or a.mode == "binary" or ternary_x
    mp = round_up(m, LANES["vnni" if lanes or addsub_vnni else "xorpop"])  # VNNI GEMMs take whole vnni blocks
    direct_out = blocked and nb == 1 and mp == m and kgp == kg  # kernels write straight into y
    out = np.empty((kgp, mp), np.int32) if not direct_out else y[0, :kg].reshape(kg, m)

    def scatter(g: int) -> None:
        nonlocal out
        if direct_out:
            if g + 1 < g_n:
                out = y[0, (g + 1) * kg:(g + 2) * kg].reshape(kg, m)
            return
        y[:, g * kg:(g + 1) * kg] = out[:kg, :m].reshape(kg, nb, e, f).transpose(1, 0, 2, 3)

    pointwise = r == s == 1 and (sh, sw) == (1, 1) and not any(pads) and nb == 1 and mp == m

    def patches(planes: np.ndarray, g: int, steps: int) -> np.ndarray:
        if pointwise and planes.shape[2] == steps:  # 1x1: the planes already are the patch matrix
            return planes[0, g].reshape(steps, m)
        return im2col_t(planes, g, r, s, sh, sw, e, f, steps, mp)

    if lanes and USE_AMX and pf.lanes.shape[1] // 4 >= AMX_MIN_STEPS:
        return _amx(a, pf, pf.lanes), "int8-amx"  # the same int8 products on AMX tiles, signed bytes
    if lanes or addsub_vnni:  # int8 x and w (or binary / ternary values with few channels) with VNNI
        wl = int8_lanes(pf)
        xu = pack_input_lanes(x, *pads, g_n, a.pad_value, 128).view(np.int32)
        steps = wl.shape[1] // 4
        bias = np.zeros(kgp, np.int64)
        for g in range(g_n):
            bias[:kg] = -128 * pf.sums[g * kg:(g + 1) * kg]
            wg = filter_rows(wl, g, kg, kgp, steps * 4).view(np.int32)
            drivers.vnni_gemm(patches(xu, g, steps), wg, steps, bias, out)
            scatter(g)
        return y, "ternary-addsub@vnni" if addsub_vnni else "int8-vnni"
    if window:
        xb, _ = pack_input_bits(x, *pads, g_n, True, a.pad_value != 1)
        ww = window_words(pf)
        steps = ww.shape[1]
        bias = np.full(kgp, kw, np.int64)
        for g in range(g_n):
            wg = filter_rows(ww, g, kg, kgp, steps)
            pt_ = im2col_window_bits(window_phases(xb, g, sw), r, s, sh, sw, e, f, cg, steps, mp)
            drivers.xorpop_gemm(pt_, wg, steps, -2, bias, out)
            scatter(g)
        if a.pad_value == 0 and any(pads):
            _zero_pad_correction(y, a, pf)
        return y, "xnor-window"
    if a.mode == "binary":
        xb, bad = pack_input_bits(x, *pads, g_n, True, a.pad_value != 1)
        if bad:
            check_binary_x(x)
        steps = pf.bits[0].shape[1]
        bias = np.full(kgp, kw, np.int64)
        for g in range(g_n):
            wg = filter_rows(pf.bits[0], g, kg, kgp, steps)
            drivers.xorpop_gemm(patches(xb, g, steps), wg, steps, -2, bias, out)
            scatter(g)
        if a.pad_value == 0 and any(pads):
            _zero_pad_correction(y, a, pf)
        return y, "xnor-popcount"
    if ternary_x and g_n == 1 and nb == 1:
        key = ("ternary_layer", kgp)
        if key not in pf.derived:
            steps = pf.bits[0].shape[1]
            pf.derived[key] = tuple(filter_rows(plane, 0, kg, kgp, steps) for plane in pf.bits) + (
                np.zeros(kgp, np.int64),)
        wnz, wsg, zero = pf.derived[key]
        pw = pointwise and pf.bits[0].shape[1] == -(-cg // 64)
        drivers.ternary_layer(x, *pads, wnz, wsg, zero, r, s, sh, sw, e, f, mp, pw, out, y, direct_out)
        return y, "ternary-bitplanes"
    if ternary_x:
        xnz, xsg = pack_input_planes(x, *pads, g_n)
        steps = pf.bits[0].shape[1]
        zero = np.zeros(kgp, np.int64)
        for g in range(g_n):
            wnz, wsg = (filter_rows(plane, g, kg, kgp, steps) for plane in pf.bits)
            drivers.ternary_gemm(patches(xnz, g, steps), patches(xsg, g, steps), wnz, wsg, steps, zero, out)
            scatter(g)
        return y, "ternary-bitplanes"
    x5 = pad_nhwc(x, pads, 0).reshape(nb, h + pads[0] + pads[2], wd + pads[1] + pads[3], g_n, cg)
    rows = np.empty((m, kg), np.int32)
    if addsub:
        wpos = np.where(pf.rows > 0, -1, 0).astype(np.int8)
        wneg = np.where(pf.rows < 0, -1, 0).astype(np.int8)
    for g in range(g_n):
        p = im2col(x5, g, r, s, sh, sw, e, f, m, kw)
        part = slice(g * kg, (g + 1) * kg)
        if addsub:
            drivers.addsub_gemm(p, wpos[part], wneg[part], rows)
        else:
            drivers.int8_dot_gemm(p, pf.rows[part], rows)
        out[:kg, :m] = rows.T
        scatter(g)
    return y, "ternary-addsub" if addsub else "int8-dot"


def _cycle_stats(a: ConvArgs, pf: PackedFilters, pe: PEArray) -> CycleStats:
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
    if pe.bit_serial is not None:
        return _bit_serial_stats(a, pe, per)
    x_masks = w_masks = None
    w_rows, kw_run, violations = pf.rows, kw, 0
    if pe.nm is not None:  # N:M structured sparsity: the array reads only the kept weights
        packed, violations = nm_compact(pf.rows, r * s, cg, *pe.nm)
        if violations == 0 and packed.shape[1] < kw:  # few channels padded to m would only grow the stream
            w_rows, kw_run = packed, packed.shape[1]
    if use_w:
        w_masks = [step_masks(w_rows[g * kg:(g + 1) * kg], kw_run, per) for g in range(g_n)]
    if use_x:
        hp, wp = h + a.padding[0] + a.padding[2], wd + a.padding[1] + a.padding[3]
        x5 = pad_nhwc(a.x, a.padding, a.pad_value).reshape(nb, hp, wp, g_n, cg)
        x_masks = [[step_masks(im2col(x5[i:i + 1], g, r, s, *a.stride, e, f, e * f, kw), kw, per)
                    for g in range(g_n)] for i in range(nb)]
    stats = measure_stats(x_masks, w_masks, e * f, kg, kw_run, g_n, nb, pe, a.mode)
    if pe.nm is None:
        return stats
    dense = dense_stats(e * f, kg, kw, g_n, nb, dataclasses.replace(pe, zero_skip=None, nm=None), a.mode)
    return dataclasses.replace(stats, dense_cycles=dense.cycles, dense_ops=dense.dense_ops,
                               skipped_ops=dense.dense_ops - stats.busy_pe_cycles,
                               structured=kw_run < kw, nm_violations=violations)


def _bit_serial_stats(a: ConvArgs, pe: PEArray, per: int) -> CycleStats:
    """Cycles of a bit-serial array (accelsim.kernels.bitserial) on the layer's activations."""
    nb, _, h, wd = a.x.shape
    k, cg, r, s = a.w.shape
    e, f = a.out_hw
    g_n, kg, kw = a.groups, k // a.groups, r * s * cg
    hp, wp = h + a.padding[0] + a.padding[2], wd + a.padding[1] + a.padding[3]
    x5 = pad_nhwc(a.x, a.padding, a.pad_value).reshape(nb, hp, wp, g_n, cg)
    full = MODE_BITS[a.mode]   # the format's width: Stripes at full precision, the data-blind bound
    precision = min(stripes_precision(a.x), full) if pe.bit_serial == "stripes" else None
    cycles = dense = busy = folds = 0
    for i in range(nb):
        for g in range(g_n):
            patches = im2col(x5[i:i + 1], g, r, s, *a.stride, e, f, e * f, kw)
            b = np.minimum(step_cycles(patches, per, pe.bit_serial, precision), full)
            c, bz, fo = gemm_bitserial(b, kg, pe.rows, pe.cols, pe.dataflow)
            d, _, _ = gemm_bitserial(np.full_like(b, full), kg, pe.rows, pe.cols, pe.dataflow)
            cycles, dense, busy, folds = cycles + c, dense + d, busy + bz, folds + fo
    kp = -(-kw // per)
    dense_ops = nb * g_n * e * f * kg * kp * full      # PE bit-cycles at full precision
    pe_cycles = (cycles + nb * g_n) * pe.rows * pe.cols
    return CycleStats(cycles=cycles, dense_cycles=dense, pe_cycles=pe_cycles, busy_pe_cycles=busy,
                      idle_pe_cycles=pe_cycles - busy, skipped_ops=dense_ops - busy, dense_ops=dense_ops,
                      folds=folds, elems_per_step=per, rows=pe.rows, cols=pe.cols, dataflow=pe.dataflow,
                      zero_skip=None, skip_operands=pe.skip_operands, bit_serial=pe.bit_serial)


def _plan_key(x, w, mode, stride, padding, groups, pad_value, pe) -> tuple | None:
    """Key of a layer's plan among the packed filters' derived data, or None where no plan applies
    (raw filters, cycle counting, x not a C-contiguous int8 array, unhashable arguments). Every argument
    that the checks or the kernel choice read is in it (and the host paths switched on); the kernel
    checks binary x's values on every call."""
    if (pe is not None or type(w) is not PackedFilters or type(x) is not np.ndarray
            or x.dtype != np.int8 or not x.flags.c_contiguous):
        return None
    key = ("plan", x.shape, stride, padding, groups, pad_value, mode, USE_AMX, USE_VNNI)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def conv2d(x: np.ndarray, w: np.ndarray | PackedFilters, *, mode: str, stride=1, padding=0, groups: int = 1,
           pe: PEArray | None = None, pad_value: int = 0) -> ConvResult:
    """Convolve int8 ``x`` (NCHW or CHW) with int8 ``w`` (OIHW) in ``mode`` binary, ternary or int8.

    ``w`` may also be :func:`pack_filters` output (checked and laid out once); raw filters
    passed again unchanged reuse their packing (:func:`~accelsim.kernels.filters.cached_pack_filters`).
    ``padding``: int, (h, w) or (top, left, bottom, right); ``pad_value`` (binary only):
    0 = exact zero padding, or +1 / -1. With ``pe`` (a :class:`PEArray`), also measures the
    cycles that array spends (see :mod:`accelsim.kernels.cycles`). Bad arguments raise
    :class:`accelsim.errors.AccelsimError` (a ValueError) naming the argument.
    """
    plan_key = _plan_key(x, w, mode, stride, padding, groups, pad_value, pe)
    if plan_key is not None and plan_key in w.derived:   # the same checked arguments as an earlier call
        plan = w.derived[plan_key]
        y, bad = plan(x if x.ndim == 4 else x[None])
        if bad:
            check_binary_x(x)
        return ConvResult(y=y if x.ndim == 4 else y[0], mode=mode, path=plan.path)
    if isinstance(w, PackedFilters):
        if (w.mode, w.groups) != (mode, groups):
            raise AccelsimError(f"w: filters were packed for mode {w.mode!r}, groups {w.groups}; "
                                f"this call has mode {mode!r}, groups {groups!r}")
        pf = w
        a = check_conv_args(x, pf.w, mode=mode, stride=stride, padding=padding, groups=groups,
                            pad_value=pad_value, filters_checked=True, check_values=False)
    else:
        pf = cached_pack_filters(w, mode=mode, groups=groups)
        a = check_conv_args(x, pf.w, mode=mode, stride=stride, padding=padding, groups=pf.groups,
                            pad_value=pad_value, filters_checked=True, check_values=False)
    if pe is not None and not isinstance(pe, PEArray):
        raise AccelsimError(f"pe: got {type(pe).__name__}; must be an accelsim.kernels.PEArray or None")
    y, path = _compute(a, pf, plan_key)
    stats = _cycle_stats(a, pf, pe) if pe is not None else None
    return ConvResult(y=y[0] if a.unbatched else y, mode=mode, path=path, stats=stats)
