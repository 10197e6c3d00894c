"""Real (float) weights of an imported model as the integer tensors the cycle kernels run.

An ONNX model carries float weights (``workload.weights[layer] = {"weight": array, "bias": array}``);
the cycle fidelity's kernels take int8 arrays holding the layer format's values. Quantization:

- int8: symmetric per-tensor, ``round(w / (max|w| / 127))`` (the TFLite / TensorRT weight scheme);
- ternary: Ternary Weight Networks (Li, Zhang & Liu, arXiv:1605.04711): ``sign(w)`` where
  ``|w| > 0.7 * mean|w|``, else 0;
- binary: BinaryConnect (Courbariaux et al., NeurIPS 2015): ``+1`` where ``w >= 0``, else ``-1``.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from accelsim.errors import AccelsimError


def kernel_weights(entry: object, fmt: str, where: str) -> object:
    """``entry`` as an int8 array of ``fmt``'s values when it holds float weights; otherwise unchanged."""
    if isinstance(entry, Mapping) and "weight" in entry:
        entry = entry["weight"]
    if not isinstance(entry, np.ndarray) or entry.dtype == np.int8:
        return entry
    if not np.issubdtype(entry.dtype, np.number):
        raise AccelsimError(f"{where}: got {entry.dtype} weights; must be numeric")
    w = entry.astype(np.float64)
    if not np.all(np.isfinite(w)):
        raise AccelsimError(f"{where}: the weights hold inf or nan; cannot quantize them to {fmt}")
    if fmt == "int8":
        peak = float(np.max(np.abs(w))) if w.size else 0.0
        if peak == 0.0:
            return np.zeros(w.shape, dtype=np.int8)
        return np.clip(np.rint(w / (peak / 127.0)), -127, 127).astype(np.int8)
    if fmt == "int4":   # symmetric, as int8: the peak maps to 7
        peak = float(np.max(np.abs(w))) if w.size else 0.0
        if peak == 0.0:
            return np.zeros(w.shape, dtype=np.int8)
        return np.clip(np.rint(w / (peak / 7.0)), -7, 7).astype(np.int8)
    if fmt == "ternary":
        delta = 0.7 * float(np.mean(np.abs(w))) if w.size else 0.0
        return (np.sign(w) * (np.abs(w) > delta)).astype(np.int8)
    if fmt == "binary":
        return np.where(w >= 0, 1, -1).astype(np.int8)
    return entry
