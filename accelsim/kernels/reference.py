"""NumPy reference convolutions, written for clarity rather than speed.

They compute the plain arithmetic definition ``y[n, k, e, f] = sum_{c, r, s}
w[k, c, r, s] * x_padded[n, g*C/groups + c, e*sh + r, f*sw + s]`` in int64 and return
int32, without any of the kernels' tricks (bit packing, popcounts, offsets), so the
Numba kernels can be tested bit for bit against them. Inputs are NCHW / OIHW int8.
"""
from __future__ import annotations

import numpy as np

from accelsim.kernels.checks import check_conv_args


def conv2d_int_reference(x: np.ndarray, w: np.ndarray, stride=(1, 1), padding=(0, 0, 0, 0), groups: int = 1,
                         pad_value: int = 0) -> np.ndarray:
    """Integer convolution by definition; ``padding`` is (top, left, bottom, right)."""
    sh, sw = stride
    pt, pl, pb, pr = padding
    xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=pad_value)
    n, c, hp, wp = xp.shape
    k, cg, r, s = w.shape
    e, f = (hp - r) // sh + 1, (wp - s) // sw + 1
    kg = k // groups
    y = np.zeros((n, k, e, f), dtype=np.int64)
    for g in range(groups):
        xg = xp[:, g * cg:(g + 1) * cg]
        wg = w[g * kg:(g + 1) * kg].astype(np.int64)
        for i in range(r):
            for j in range(s):
                window = xg[:, :, i:i + sh * (e - 1) + 1:sh, j:j + sw * (f - 1) + 1:sw]  # (n, cg, e, f)
                y[:, g * kg:(g + 1) * kg] += np.einsum("ncef,kc->nkef", window, wg[:, :, i, j])
    return y.astype(np.int32)


def _reference(x, w, mode, stride, padding, groups, pad_value):
    a = check_conv_args(x, w, mode=mode, stride=stride, padding=padding, groups=groups, pad_value=pad_value)
    y = conv2d_int_reference(a.x, a.w, a.stride, a.padding, a.groups, a.pad_value)
    return y[0] if a.unbatched else y


def binary_conv2d_reference(x, w, *, stride=1, padding=0, groups=1, pad_value=0) -> np.ndarray:
    """x, w in {-1, +1}; padded positions hold ``pad_value`` (0 = exact zero padding, or +1 / -1)."""
    return _reference(x, w, "binary", stride, padding, groups, pad_value)


def ternary_conv2d_reference(x, w, *, stride=1, padding=0, groups=1) -> np.ndarray:
    """w in {-1, 0, +1}; x ternary or any int8; zero padding."""
    return _reference(x, w, "ternary", stride, padding, groups, 0)


def int8_conv2d_reference(x, w, *, stride=1, padding=0, groups=1) -> np.ndarray:
    """int8 x and w, exact integer accumulation (fits int32 for any realistic window)."""
    return _reference(x, w, "int8", stride, padding, groups, 0)


def conv2d_reference(x, w, *, mode, stride=1, padding=0, groups=1, pad_value=0) -> np.ndarray:
    """The reference of ``accelsim.kernels.conv2d`` for any mode."""
    return _reference(x, w, mode, stride, padding, groups, pad_value)
