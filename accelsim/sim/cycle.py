"""Cycle fidelity: run every conv / fc layer through the Numba kernels and use their measured cycles.

For each conv or fully connected layer in int8, ternary or binary, the runner draws a seeded
random input of the layer's shape and format (uniform over the format's values), takes the
layer's real weights when given (``weights``: layer name -> OIHW int8 array, or a
``weights`` mapping the workload carries) and random ones otherwise, runs
:func:`accelsim.kernels.conv2d` on the unit's PE array and reports the measured cycles as
the layer's ``compute_cycles``. Memory traffic, energy and every other layer come from the
analytical model; the total is, as there, the larger of compute and DRAM time. Layers the
kernels cannot run (other formats such as fp16, dilated convolutions, units without an
integer number of MACs per PE) keep the analytical count, and their ``cycle_detail`` says why.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from accelsim.compress.sampling import sample_weights
from accelsim.sim.real_weights import kernel_weights
from accelsim.cost.base import LayerCost
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile, Unit
from accelsim.kernels import PEArray, conv2d
from accelsim.kernels.pe import MODE_BITS
from accelsim.sim.analytical import analytical_cycles, layer_result
from accelsim.sim.result import LayerResult
from accelsim.workload.graph import LayerInfo
from accelsim.workload.layers import Conv2d, Dense

ALPHABETS = {"binary": np.array([-1, 1], np.int8), "ternary": np.array([-1, 0, 1], np.int8)}


def random_tensor(rng: np.random.Generator, shape: tuple[int, ...], fmt: str) -> np.ndarray:
    """Uniform over the format's values: int8 in [-128, 127], ternary {-1, 0, 1}, binary {-1, 1}."""
    if fmt == "int8":
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    return ALPHABETS[fmt][rng.integers(0, len(ALPHABETS[fmt]), size=shape)]


def conv_geometry(info: LayerInfo):
    """(weight shape, stride, padding, groups) of a conv or fc layer as a convolution, or a reason it has none."""
    layer = info.layer
    c, h, w = info.in_shapes[0]
    if isinstance(layer, Dense):
        return (layer.out_features, c, h, w), (1, 1), (0, 0, 0, 0), 1
    if not isinstance(layer, Conv2d):
        return f"{layer.op} layers have no kernel"
    if layer.dilation != (1, 1):
        return f"dilation {layer.dilation} is not supported by the kernels"
    (r, s), (sh, sw) = layer.kernel, layer.stride
    pt, pl, pb, pr = layer.padding
    _, e, f = info.out_shape
    # ceil_mode outputs (SCALE-Sim) read past the input: pad bottom / right with zeros to match
    pb += max(0, (e - 1) * sh + r - (h + pt + pb))
    pr += max(0, (f - 1) * sw + s - (w + pl + pr))
    return (layer.out_channels, c // layer.groups, r, s), (sh, sw), (pt, pl, pb, pr), layer.groups


def _layer_weights(info: LayerInfo, shape: tuple[int, ...], weights: Mapping | None) -> np.ndarray | None:
    if not weights or info.name not in weights:
        return None
    w = kernel_weights(weights[info.name], info.precision, f"weights[{info.name!r}]")  # float -> the format
    if not isinstance(w, np.ndarray) or w.dtype != np.int8:
        raise AccelsimError(f"weights[{info.name!r}]: got {getattr(w, 'dtype', type(w).__name__)}; "
                            "must be an int8 numpy array")
    if w.size != math.prod(shape):
        raise AccelsimError(f"weights[{info.name!r}]: shape {w.shape}; layer {info.name!r} needs {shape}")
    return w.reshape(shape)


def measure_layer(info: LayerInfo, unit: Unit, dataflow: str | None, rng: np.random.Generator,
                  weights: Mapping | None = None) -> tuple[int | None, dict]:
    """(measured compute cycles or None, detail dict) for one layer."""
    if info.precision not in MODE_BITS:
        return None, {"source": "analytical", "reason": f"{info.precision} has no kernel"}
    geom = conv_geometry(info)
    if isinstance(geom, str):
        return None, {"source": "analytical", "reason": geom}
    try:
        pe = PEArray.from_unit(unit, info.precision, dataflow)
    except AccelsimError as err:
        return None, {"source": "analytical", "reason": str(err)}
    w_shape, stride, padding, groups = geom
    c, h, w = info.in_shapes[0]
    x = random_tensor(rng, (1, c, h, w), info.precision)
    given = _layer_weights(info, w_shape, weights)
    if given is not None:
        wts = given
    elif not info.compression.is_identity:  # pruned / low-bit weights: the transform's zeros and values
        wts = sample_weights(info, rng).reshape(w_shape)
    else:
        wts = random_tensor(rng, w_shape, info.precision)
    try:
        res = conv2d(x, wts, mode=info.precision, stride=stride, padding=padding, groups=groups, pe=pe)
    except AccelsimError as err:
        raise AccelsimError(f"layer {info.name!r}: {err}") from None
    if res.y.shape[1:] != info.out_shape:  # the kernel and shape inference must agree
        raise AccelsimError(f"layer {info.name!r}: kernel output {res.y.shape[1:]} != inferred {info.out_shape}")
    drawn = "random" if info.compression.is_identity else "sampled with the layer's compression"
    detail = {"source": "kernel", "path": res.path, "weights": "given" if given is not None else drawn}
    detail.update(res.stats.to_dict())
    return res.stats.cycles, detail


def check_cycle_work(infos: list[LayerInfo]) -> None:
    """Refuse, before any tensor is allocated, a workload the kernels would take too long or too much memory for."""
    from accelsim.limits import MAX_CYCLE_TENSOR_ELEMENTS, check_work
    kernel_layers = [i for i in infos if isinstance(i.layer, (Conv2d, Dense))]
    for info in kernel_layers:
        biggest = max(info.ifmap_elems, info.ofmap_elems, info.params)
        if biggest > MAX_CYCLE_TENSOR_ELEMENTS:
            raise AccelsimError(f"--fidelity cycle: layer {info.name[:40]!r} has a tensor of {biggest:,} elements, "
                                f"above the cycle kernels' limit of {MAX_CYCLE_TENSOR_ELEMENTS:,}; use the analytical "
                                "or event fidelity")
    check_work("cycle_macs", sum(i.macs for i in kernel_layers), "--fidelity cycle: the kernels would execute",
               "MACs")


def run_cycle(infos: list[LayerInfo], costs: list[LayerCost], unit: Unit, profile: Profile, *,
              dataflow: str | None = None, seed: int = 0, weights: Mapping | None = None) -> list[LayerResult]:
    """Per layer: kernel-measured compute cycles (or the analytical ones), then the roofline total."""
    check_cycle_work(infos)
    rng = np.random.default_rng(seed)
    out = []
    for info, cost in zip(infos, costs):
        cycles, detail = measure_layer(info, unit, dataflow, rng, weights)
        if cycles is not None:  # compression work (unpack, decode, hash) on the vector lanes still bounds it
            cost = dataclasses.replace(cost, compute_cycles=max(int(cycles), cost.compress_cycles))
        res = layer_result(cost, unit, profile, analytical_cycles(cost, unit, profile))
        out.append(dataclasses.replace(res, cycle_detail=detail))
    return out
