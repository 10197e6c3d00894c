"""Argument checks shared by the kernels and their references: nothing is silently cast.

Every problem raises :class:`accelsim.errors.AccelsimError` (a ``ValueError``) naming the
argument, the value and what is allowed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from accelsim.errors import AccelsimError

MODES = ("binary", "ternary", "int8")
ALPHABETS = {"binary": (-1, 1), "ternary": (-1, 0, 1)}
MAX_WINDOW = 131071  # int8 x int8 sums over a longer window could overflow int32


@dataclass(frozen=True)
class ConvArgs:
    """Checked, normalised arguments: x is 4-D NCHW, padding (top, left, bottom, right)."""

    x: np.ndarray
    w: np.ndarray
    mode: str
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    groups: int
    pad_value: int
    unbatched: bool
    out_hw: tuple[int, int]


def _int(name: str, v) -> int:
    if type(v) is int:  # the common case, checked first (conv2d is called per layer, often on small tensors)
        return v
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise AccelsimError(f"{name}: got {v!r}; must be an integer")
    return int(v)


def _pair(name: str, v, minimum: int) -> tuple[int, int]:
    if type(v) is int and v >= minimum:
        return (v, v)
    vals = (v, v) if not isinstance(v, (tuple, list)) else tuple(v)
    if len(vals) != 2:
        raise AccelsimError(f"{name}: got {v!r}; an int or a pair (h, w)")
    out = tuple(_int(name, a) for a in vals)
    if min(out) < minimum:
        raise AccelsimError(f"{name}: got {v!r}; values must be >= {minimum}")
    return out  # type: ignore[return-value]


def _pads(v) -> tuple[int, int, int, int]:
    if isinstance(v, (tuple, list)) and len(v) == 4:
        out = tuple(_int("padding", a) for a in v)
        if min(out) < 0:
            raise AccelsimError(f"padding: got {v!r}; values must be >= 0")
        return out  # type: ignore[return-value]
    ph, pw = _pair("padding", v, 0)
    return (ph, pw, ph, pw)


@njit(cache=True)
def _outside(flat, binary):
    """How many values are outside {-1, +1} (binary) or {-1, 0, +1}, and the first of them."""
    count = 0
    zero_bad = np.int8(1 if binary else 0)
    for i in range(flat.shape[0]):  # branch-free, so it vectorises
        v = flat[i]
        count += np.int64((v > 1) | (v < -1) | ((v == 0) & (zero_bad == 1)))
    first = 0
    if count:
        for i in range(flat.shape[0]):
            v = flat[i]
            if v > 1 or v < -1 or (binary and v == 0):
                first = v
                break
    return count, first


@njit(cache=True)
def _byte_flags(flat):
    """(max of x + 1 as unsigned bytes, OR of (x + 1) & 0xFD): the first is <= 2 iff every value is in
    {-1, 0, +1}, the second 0 iff every value is -1 or +1. One pass, 64 byte lanes of max / or
    (``flat``: the values as uint8)."""
    n = flat.shape[0]
    n64 = n // 64 * 64
    hi, bits = np.zeros(64, np.uint8), np.zeros(64, np.uint8)
    for i0 in range(0, n64, 64):
        for j in range(64):
            v = np.uint8(flat[i0 + j] + np.uint8(1))
            hi[j] = max(hi[j], v)
            bits[j] |= v & np.uint8(0xFD)
    h, b = np.uint8(0), np.uint8(0)
    for j in range(64):
        h, b = max(h, hi[j]), b | bits[j]
    for i in range(n64, n):
        v = np.uint8(flat[i] + np.uint8(1))
        h, b = max(h, v), b | (v & np.uint8(0xFD))
    return h, b


@njit(cache=True, inline="always")
def not_binary(flat):
    """0 iff every value of ``flat`` (int8 or uint8) is -1 or +1: the OR of (x + 1) & 0xFD in 64 byte lanes.
    The binary half of :func:`_byte_flags`, for kernels that check x as they copy it (without its max
    lanes: MobileNet's RGB layer measured 2-3 us faster than with :func:`_byte_flags`)."""
    n = flat.shape[0]
    n64 = n // 64 * 64
    lanes = np.zeros(64, np.uint8)
    one, keep = np.uint8(1), np.uint8(0xFD)
    for i0 in range(0, n64, 64):
        for j in range(64):
            lanes[j] |= np.uint8(np.uint8(flat[i0 + j]) + one) & keep
    bad = np.uint8(0)
    for j in range(64):
        bad |= lanes[j]
    for i in range(n64, n):
        bad |= np.uint8(np.uint8(flat[i]) + one) & keep
    return bad


@njit(cache=True, parallel=True)
def _byte_flags_parallel(flat):
    """:func:`_byte_flags` over 64 KiB chunks in parallel (large inputs, several threads)."""
    chunk = 65536
    nc = (flat.shape[0] + chunk - 1) // chunk
    his, bits = np.zeros(nc, np.uint8), np.zeros(nc, np.uint8)
    for i in prange(nc):
        his[i], bits[i] = _byte_flags(flat[i * chunk:min(flat.shape[0], (i + 1) * chunk)])
    h, b = np.uint8(0), np.uint8(0)
    for i in range(nc):
        h, b = max(h, his[i]), b | bits[i]
    return h, b


PARALLEL_CHECK_BYTES = 1 << 17   # below this, waking the other threads costs more than the pass


def _flags(arr: np.ndarray) -> tuple[int, int]:
    flat = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
    if flat.shape[0] >= PARALLEL_CHECK_BYTES and numba.get_num_threads() > 1:
        return _byte_flags_parallel(flat)
    return _byte_flags(flat)


def in_unit_range(arr: np.ndarray) -> bool:
    """All values in {-1, 0, +1} (one byte-wide pass)."""
    return bool(_flags(arr)[0] <= 2)


def _check_alphabet(name: str, arr: np.ndarray, mode: str) -> None:
    hi, bits = _flags(arr)
    if hi <= 2 and (mode != "binary" or bits == 0):
        return
    count, first = _outside(arr.reshape(-1), mode == "binary")
    if count:
        raise AccelsimError(f"{name}: mode {mode!r} allows values {set(ALPHABETS[mode])}, got {int(first)} "
                            f"({count} value(s) outside)")


def check_binary_x(x: np.ndarray) -> None:
    """Raise the error check_conv_args raises for a binary x with values other than -1 / +1 (if any)."""
    _check_alphabet("x", x, "binary")


def _check_array(name: str, arr, ranks: tuple[int, ...]) -> None:
    if not isinstance(arr, np.ndarray):
        raise AccelsimError(f"{name}: got {type(arr).__name__}; must be a numpy int8 array")
    if arr.dtype != np.int8:
        raise AccelsimError(f"{name}: dtype {arr.dtype}; must be int8 (convert explicitly, nothing is cast)")
    if arr.ndim not in ranks:
        want = "NCHW (or CHW)" if name == "x" else "OIHW"
        raise AccelsimError(f"{name}: shape {arr.shape}; must be {want}")
    if 0 in arr.shape:
        raise AccelsimError(f"{name}: shape {arr.shape}; no dimension may be 0")


def check_filters(w, mode: str, groups) -> int:
    """Validate OIHW int8 filters for ``mode`` and ``groups``; return groups as an int."""
    _check_array("w", w, (4,))
    groups = _int("groups", groups)
    if groups <= 0:
        raise AccelsimError(f"groups: got {groups}; must be > 0")
    if w.shape[0] % groups:
        raise AccelsimError(f"groups: got {groups}; must divide the {w.shape[0]} output channels of w")
    if w.shape[1] * w.shape[2] * w.shape[3] > MAX_WINDOW:
        raise AccelsimError(f"w: window {w.shape[2]}x{w.shape[3]}x{w.shape[1]} exceeds {MAX_WINDOW} elements "
                            "(int32 accumulators)")
    if mode in ALPHABETS:
        _check_alphabet("w", w, mode)
    return groups


def check_conv_args(x, w, *, mode: str, stride=1, padding=0, groups=1, pad_value=0,
                    filters_checked: bool = False, check_values: bool = True) -> ConvArgs:
    """Validate a convolution call; return normalised arguments or raise AccelsimError.

    ``filters_checked``: ``w`` was already validated for this mode and groups (packed filters).
    ``check_values=False``: leave binary x's values to the caller (the kernels check them while
    packing, then call :func:`check_binary_x` to raise the same error).
    """
    if mode not in MODES:
        raise AccelsimError(f"mode: got {mode!r}; allowed: {', '.join(MODES)}")
    _check_array("x", x, (3, 4))
    groups = _int("groups", groups) if filters_checked else check_filters(w, mode, groups)
    unbatched = x.ndim == 3
    x4 = x[None] if unbatched else x
    c, cg = x4.shape[1], w.shape[1]
    if c % groups or cg * groups != c:
        raise AccelsimError(f"w: shape {w.shape} has {cg} input channels per group; x has {c} channels in "
                            f"{groups} group(s), so w.shape[1] must be {c / groups:g}")
    stride = _pair("stride", stride, 1)
    pads = _pads(padding)
    pad_value = _int("pad_value", pad_value)
    if mode == "binary":
        if pad_value not in (0, 1, -1):
            raise AccelsimError(f"pad_value: got {pad_value}; binary padding is 0 (exact), +1 or -1")
    elif pad_value != 0:
        raise AccelsimError(f"pad_value: got {pad_value}; mode {mode!r} pads with 0 only (+1/-1 is for binary)")
    r, s = w.shape[2], w.shape[3]
    hp, wp = x4.shape[2] + pads[0] + pads[2], x4.shape[3] + pads[1] + pads[3]
    if hp < r or wp < s:
        raise AccelsimError(f"w: kernel {r}x{s} is larger than the padded input {hp}x{wp}")
    if mode == "binary" and check_values:
        _check_alphabet("x", x4, mode)
    out_hw = ((hp - r) // stride[0] + 1, (wp - s) // stride[1] + 1)
    return ConvArgs(x4, w, mode, stride, pads, groups, pad_value, unbatched, out_hw)
