"""Filters checked and laid out once for the kernels, as an inference engine does at load time.

``conv2d`` accepts raw OIHW int8 filters (it packs them on every call) or the
:class:`PackedFilters` that :func:`pack_filters` returns, which skips that per-call work.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from accelsim.errors import AccelsimError
from accelsim.kernels.checks import MODES, check_filters
from accelsim.kernels.packing import WORD_BITS, channel_sums, round_up

# Binary / ternary layers with this few channels per group (e.g. an RGB input layer) run on
# the int8 path: their taps would fill only a few bits of each 64-bit popcount word.
SMALL_CHANNELS = 8


@dataclass(frozen=True, eq=False)
class PackedFilters:
    """OIHW int8 filters (a private copy) and the layouts the kernels read."""

    w: np.ndarray
    mode: str
    groups: int
    rows: np.ndarray              # (K, R*S*Cg) int8 in (r, s, c) order
    sums: np.ndarray              # (K,) int64: sum of each filter
    tap_sums: np.ndarray | None   # binary: (K, R, S) int64, sum over channels per tap
    bits: tuple                   # binary: (sign words,); ternary: (nonzero words, sign words)
    lanes: np.ndarray | None      # int8 (or few channels): (K, R*S*ceil4(Cg)) int8, 4 channels per 32-bit lane
    derived: dict = field(default_factory=dict, repr=False)  # per-geometry data the kernels reuse

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return self.w.shape  # type: ignore[return-value]


def pack_filters(w: np.ndarray, *, mode: str, groups: int = 1) -> PackedFilters:
    """Check ``w`` (OIHW int8, values in ``mode``'s alphabet) and lay it out for ``conv2d``."""
    if mode not in MODES:
        raise AccelsimError(f"mode: got {mode!r}; allowed: {', '.join(MODES)}")
    groups = check_filters(w, mode, groups)
    k, cg, r, s = w.shape
    wt = np.ascontiguousarray(w.transpose(0, 2, 3, 1))  # (K, R, S, Cg), a private copy
    rows = wt.reshape(k, -1)
    sums = channel_sums(rows)
    taps = channel_sums(wt.reshape(-1, cg)).reshape(k, r, s) if mode == "binary" else None
    if mode == "binary":
        bits: tuple = (pack_words(wt, True),)
    elif mode == "ternary":
        bits = (pack_words(wt, False), pack_words(wt, True))
    else:
        bits = ()
    lanes = _lanes(wt) if mode == "int8" or cg <= SMALL_CHANNELS else None
    return PackedFilters(w=np.ascontiguousarray(w).copy(), mode=mode, groups=groups, rows=rows, sums=sums,
                         tap_sums=taps, bits=bits, lanes=lanes)


def _lanes(wt: np.ndarray) -> np.ndarray:
    """(K, R, S, Cg) int8 -> (K, R*S*ceil4(Cg)) int8, channels padded with zeros to 4 per 32-bit lane."""
    k, r, s, cg = wt.shape
    if cg % 4 == 0:
        return wt.reshape(k, -1)
    lanes = np.zeros((k, r, s, round_up(cg, 4)), np.int8)
    lanes[..., :cg] = wt
    return lanes.reshape(k, -1)


def int8_lanes(pf: PackedFilters) -> np.ndarray:
    """The int8 lane layout of any filters (binary / ternary values are int8 values too), made once."""
    if pf.lanes is not None:
        return pf.lanes
    if "lanes" not in pf.derived:
        pf.derived["lanes"] = _lanes(pf.rows.reshape(pf.w.shape[0], *pf.w.shape[2:], pf.w.shape[1]))
    return pf.derived["lanes"]


def small_amx_filters(pf: PackedFilters) -> np.ndarray:
    """Filters for :func:`accelsim.kernels.rgb.small_amx_conv`: (K rounded up to 32, steps16 * 64)
    int8, columns in (channel, kernel row, group of 4 kernel columns, column in group) order, zero
    beyond the kernel and beyond the real steps, 64-byte aligned; made once per PackedFilters."""
    if "small_amx" not in pf.derived:
        k, cg, r, s = pf.w.shape
        sg = -(-s // 4)
        wide = np.zeros((k, cg, r, sg * 4), np.int8)
        wide[..., :s] = pf.w
        cols = round_up(cg * r * sg, 16) * 4
        raw = np.zeros(round_up(k, 32) * cols + 64, np.int8)   # on a cache-line boundary: whole-line tile rows
        off = -raw.ctypes.data % 64
        out = raw[off:off + round_up(k, 32) * cols].reshape(round_up(k, 32), cols)
        out[:k, :cg * r * sg * 4] = wide.reshape(k, -1)
        pf.derived["small_amx"] = out
    return pf.derived["small_amx"]


def pack_words(wt: np.ndarray, negative: bool) -> np.ndarray:
    """(K, R, S, Cg) int8 -> (K, R*S*words) uint64; bit c % 64 of word c // 64 per tap.

    The bit is set where w < 0 (``negative``) or w != 0, as :func:`pack_input_bits` does.
    """
    k, r, s, cg = wt.shape
    nw = -(-cg // WORD_BITS)
    bits = np.zeros((k, r, s, nw * WORD_BITS), np.bool_)
    bits[..., :cg] = (wt < 0) if negative else (wt != 0)
    words = np.packbits(bits, axis=-1, bitorder="little").view("<u8").astype(np.uint64, copy=False)
    return words.reshape(k, -1)


def window_words(pf: PackedFilters) -> np.ndarray:
    """Binary filters with few channels, each R x S x C window packed densely (see packing.im2col_window_bits).

    (K, ceil(R*S / (64 // C))) uint64, computed once per PackedFilters.
    """
    if "window" not in pf.derived:
        k, cg, r, s = pf.w.shape
        per = WORD_BITS // cg
        taps = pf.bits[0].reshape(k, r * s)                     # one word per tap: channel c at bit c
        out = np.zeros((k, -(-(r * s) // per)), np.uint64)
        for t in range(r * s):
            out[:, t // per] |= taps[:, t] << np.uint64((t % per) * cg)
        pf.derived["window"] = out
    return pf.derived["window"]


@njit(cache=True, parallel=True)
def _same_words(a, b):
    """Whether two equally long uint64 arrays are equal (OR of XORs per chunk, chunks in parallel:
    reading the weights is memory-bound, two cores read faster than one)."""
    n = a.shape[0]
    chunks = (n + 4095) // 4096
    diff = np.zeros(chunks, np.uint64)
    for c in prange(chunks):
        acc = np.uint64(0)
        for i in range(c * 4096, min(n, (c + 1) * 4096)):
            acc |= a[i] ^ b[i]
        diff[c] = acc
    for c in range(chunks):
        if diff[c] != 0:
            return False
    return True


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """a (a private contiguous copy) and b hold the same int8 values."""
    if a.shape != b.shape:
        return False
    fa, fb = a.reshape(-1), np.ascontiguousarray(b).reshape(-1)
    n8 = fa.size // 8 * 8
    return (_same_words(fa[:n8].view(np.uint64), fb[:n8].view(np.uint64))
            and bool(np.array_equal(fa[n8:], fb[n8:])))


_CACHE: OrderedDict = OrderedDict()
CACHE_ENTRIES = 64            # filter sets kept (least recently used dropped first)
CACHE_BYTES = 32 << 20       # and at most this many bytes of filters (the packed layouts take about 3x more)


def cached_pack_filters(w, *, mode: str, groups=1) -> PackedFilters:
    """:func:`pack_filters` for raw filters passed to ``conv2d`` again and again (static weights).

    Looked up by the array's identity, mode and groups, and reused only if the array still
    holds exactly the values packed (compared with the private copy), so an array changed in
    place or a new array at a recycled address is packed afresh: the result never differs.
    """
    hashable = isinstance(groups, (int, np.integer)) and not isinstance(groups, (bool, np.bool_))
    if not (hashable and isinstance(w, np.ndarray) and w.dtype == np.int8 and w.ndim == 4):
        return pack_filters(w, mode=mode, groups=groups)
    key = (id(w), mode, int(groups))
    pf = _CACHE.get(key)
    if pf is not None and _same_values(pf.w, w):
        _CACHE.pop(key, None)   # most recently used last (pop + insert: safe if another thread evicted it)
        _CACHE[key] = pf
        return pf
    pf = pack_filters(w, mode=mode, groups=groups)
    _CACHE[key] = pf
    while len(_CACHE) > CACHE_ENTRIES or (len(_CACHE) > 1 and sum(p.w.nbytes for p in _CACHE.values()) > CACHE_BYTES):
        _CACHE.popitem(last=False)
    return pf


def clear_filter_cache() -> None:
    """Forget the packed filters :func:`cached_pack_filters` keeps (benchmarks time cold packing with it)."""
    _CACHE.clear()
