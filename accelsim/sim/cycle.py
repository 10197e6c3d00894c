"""Cycle fidelity: run every conv / fc layer through the Numba kernels and use their measured cycles.

For each conv or fully connected layer in int8, int4, ternary or binary, the runner draws a seeded
random input of the layer's shape and format (uniform over the format's values), takes the
layer's real weights when given (``weights``: layer name -> OIHW int8 array, or a
``weights`` mapping the workload carries) and random ones otherwise, runs
:func:`accelsim.kernels.conv2d` on the unit's PE array and reports the measured cycles as
the layer's ``compute_cycles``. Memory traffic, energy and every other layer come from the
analytical model; the total is, as there, the larger of compute and DRAM time. Layers the
kernels cannot run (other formats such as fp16, dilated convolutions, units without an
integer number of MACs per PE) keep the analytical count, and their ``cycle_detail`` says why.
int4 layers (int4 x int4, and int4 weights x int8 activations) run :mod:`accelsim.kernels.int4`:
PE arrays count their int4 steps (native where the unit lists int4, else emulated in the format it
runs), SIMD cores count int4 unpacked to the int8 path, always emulated (``cycle_detail.emulated``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from collections.abc import Mapping

import numba
import numpy as np

from accelsim.compress.sampling import sample_weights
from accelsim.sim.real_weights import kernel_weights
from accelsim.cost.base import LayerCost
from accelsim.cost.compression import execution_format
from accelsim.cost.opclass import op_class
from accelsim.cost.simd import MAC_CLASSES
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PRECISION_BITS, Profile, Unit
from accelsim.kernels import PEArray, conv2d
from accelsim.kernels.compressed import compressed_bytes
from accelsim.kernels.int4 import conv2d_int4, int4_simd_stats
from accelsim.kernels.microkernels import FB
from accelsim.kernels.pe import MODE_BITS
from accelsim.kernels.simd_cycles import HOST_PATH, SimdGeometry, border_pixels, simd_stats
from accelsim.sim.analytical import analytical_cycles, layer_result
from accelsim.sim.result import LayerResult
from accelsim.workload.graph import LayerInfo
from accelsim.workload.layers import Conv2d, Dense

ALPHABETS = {"binary": np.array([-1, 1], np.int8), "ternary": np.array([-1, 0, 1], np.int8)}


def random_tensor(rng: np.random.Generator, shape: tuple[int, ...], fmt: str) -> np.ndarray:
    """Uniform over the format's values: int8 in [-128, 127], int4 in [-8, 7], ternary {-1, 0, 1}, binary {-1, 1}."""
    if fmt == "int8":
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    if fmt == "int4":
        return rng.integers(-8, 8, size=shape, dtype=np.int8)
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
    fmt = "int4" if info.weight_format == "int4" else info.precision   # int4 weights keep their format (W4A8)
    w = kernel_weights(weights[info.name], fmt, f"weights[{info.name!r}]")  # float -> the format
    if not isinstance(w, np.ndarray) or w.dtype != np.int8:
        raise AccelsimError(f"weights[{info.name!r}]: got {getattr(w, 'dtype', type(w).__name__)}; "
                            "must be an int8 numpy array")
    if w.size != math.prod(shape):
        raise AccelsimError(f"weights[{info.name!r}]: shape {w.shape}; layer {info.name!r} needs {shape}")
    return w.reshape(shape)


def _draw(info: LayerInfo, w_shape, rng: np.random.Generator, weights: Mapping | None):
    """(input, weights, how the weights were drawn) for one layer."""
    c, h, w = info.in_shapes[0]
    x = random_tensor(rng, (1, c, h, w), info.precision)
    given = _layer_weights(info, w_shape, weights)
    if given is not None:
        return x, given, "given"
    if not info.compression.is_identity:  # pruned / low-bit weights: the transform's zeros and values
        return x, sample_weights(info, rng).reshape(w_shape), "sampled with the layer's compression"
    return x, random_tensor(rng, w_shape, info.precision), "random"


def _run(info: LayerInfo, x, wts, geom, pe):
    w_shape, stride, padding, groups = geom
    try:
        res = conv2d(x, wts, mode=info.precision, stride=stride, padding=padding, groups=groups, pe=pe)
    except AccelsimError as err:
        raise AccelsimError(f"layer {info.name!r}: {err}") from None
    if res.y.shape[1:] != info.out_shape:  # the kernel and shape inference must agree
        raise AccelsimError(f"layer {info.name!r}: kernel output {res.y.shape[1:]} != inferred {info.out_shape}")
    return res


def _simd_layer(info: LayerInfo, unit: Unit, geom, x, wts, threads: int | None) -> tuple[int | None, dict]:
    """Instruction-count cycles of the kernel path on a SIMD unit (accelsim.kernels.simd_cycles)."""
    fmt, spec, how = execution_format(unit, info.precision, info.name)
    if how.startswith("unpacked") and fmt != "int8":
        return None, {"source": "analytical", "reason": f"{info.precision} runs as {fmt} on unit {unit.name!r}: "
                                                        "no integer kernel path"}
    res = _run(info, x, wts, geom, None)
    path = HOST_PATH.get(res.path, res.path)
    ref = info.precision
    if how.startswith("unpacked"):  # the runtime runs the layer as int8 dot products
        path, ref = "dot4", "int8"
    elif how.startswith("xnor"):   # the emulated binary rate is the int8 rate x 8/3
        ref = "binary"
    (k, cg, r, s), stride, padding, groups = geom
    _, h, w = info.in_shapes[0]
    _, e, f = info.out_shape
    border = border_pixels(h, w, e, f, r, s, stride, padding) if any(padding) else 0
    g = SimdGeometry(images=1, groups=groups, m=e * f, n=k // groups, cg=cg, r=r, s=s, e=e, f=f,
                     border_pixels=border)
    rate = spec.macs_per_cycle if op_class(info) in MAC_CLASSES else spec.vector_rate
    st = simd_stats(path, g, unit.lanes * 32, ref, rate, sum(unit.thread_speeds(threads)))
    detail = {"source": "kernel", "model": "simd instructions", "path": res.path, "format": fmt,
              "emulation": how}
    counted = st.to_dict()
    counted["isa_path"] = counted.pop("path")   # the instruction sequence counted; "path" stays the kernel's
    detail.update(counted)
    return st.cycles, detail


def tensor_counts(x: np.ndarray, wts: np.ndarray) -> dict:
    """Elements and zeros of the tensors the kernel ran on (what skipping and compression can use)."""
    return {"act_elems": int(x.size), "act_zeros": int(x.size - np.count_nonzero(x)),
            "weight_elems": int(wts.size), "weight_zeros": int(wts.size - np.count_nonzero(wts))}


def memory_detail(info: LayerInfo, unit: Unit, x: np.ndarray, wts: np.ndarray) -> dict | None:
    """Bytes of the drawn input and weights, dense and as the unit stores them (``unit.compressed_memory``)."""
    cm = getattr(unit, "compressed_memory", None)
    if cm is None:
        return None
    bits = PRECISION_BITS[info.precision]
    out = {"format": cm.format, "operands": cm.operands}
    for name, arr, used in (("act", x, cm.operands in ("activations", "both")),
                            ("weight", wts, cm.operands in ("weights", "both"))):
        dense = math.ceil(arr.size * bits / 8)
        out[f"{name}_dense_bytes"] = dense
        out[f"{name}_stored_bytes"] = min(dense, compressed_bytes(arr, cm.format, bits)) if used else dense
    return out


def _with_memory(cost: LayerCost, info: LayerInfo, mem: dict) -> LayerCost:
    """DRAM reads and SRAM traffic scaled by the measured compression of the input and weights.

    Reads are split between input and weights in proportion to their analytical sizes; the
    weights' analytical bytes may already be compressed by the layer's own format, so they
    shrink only where the measured storage is smaller. Output writes stay dense.
    """
    act_b, w_b = info.ifmap_elems * info.act_bytes_per_elem, info.model_bytes
    if act_b + w_b <= 0:
        return cost
    ra = mem["act_stored_bytes"] / mem["act_dense_bytes"] if mem["act_dense_bytes"] else 1.0
    extra = max(0, w_b - mem["weight_dense_bytes"])         # biases and scales beside the weights
    rw = min(w_b, mem["weight_stored_bytes"] + extra) / w_b if w_b else 1.0
    share = act_b / (act_b + w_b)
    factor = share * ra + (1 - share) * rw
    mem["read_factor"] = factor
    return dataclasses.replace(cost, dram_read_bytes=math.ceil(cost.dram_read_bytes * factor),
                               sram_read_bytes=math.ceil(cost.sram_read_bytes * factor),
                               sram_energy_pj=cost.sram_energy_pj * factor)


def int4_act_bits(info: LayerInfo) -> int | None:
    """4 for int4 x int4 layers, 8 for int4 weights x int8 activations, None for every other layer."""
    if info.precision == "int4":
        return 4
    if info.precision == "int8" and info.weight_format == "int4" and info.act_format == "int8":
        return 8
    return None


def _int4_layer(info: LayerInfo, unit: Unit, dataflow: str | None, rng: np.random.Generator,
                weights: Mapping | None, threads: int | None, act_bits: int) -> tuple[int | None, dict]:
    """int4 layers (accelsim.kernels.int4): PE-array cycles, or int4-unpack-dot4 instructions on a SIMD core."""
    geom = conv_geometry(info)
    if isinstance(geom, str):
        return None, {"source": "analytical", "reason": geom}
    fmt, spec, how = execution_format(unit, info.precision, info.name)
    pe = None
    if unit.cost_model == "systolic":
        try:
            pe = PEArray.from_unit(unit, info.precision, dataflow, run_as=fmt if how else None)
        except AccelsimError as err:
            return None, {"source": "analytical", "reason": str(err)}
        if pe.bit_serial is not None:
            return None, {"source": "analytical", "reason": f"unit {unit.name!r} is bit-serial: not modelled for int4"}
    elif act_bits == 4 and fmt != "int8":
        return None, {"source": "analytical", "reason": f"int4 runs as {fmt} on SIMD unit {unit.name!r}: the "
                                                        "instruction count models int4 unpacked to int8 only"}
    x, wts, drawn = _draw(info, geom[0], rng, weights)   # x in the layer's precision: int4, or int8 (W4A8)
    if wts.min() < -8 or wts.max() > 7:
        raise AccelsimError(f"layer {info.name!r}: int4 weights must lie in [-8, 7]; got {int(wts.min())}.."
                            f"{int(wts.max())}")
    (k, cg, r, s), stride, padding, groups = geom
    try:
        res = conv2d_int4(x, wts, act_bits=act_bits, stride=stride, padding=padding, groups=groups, pe=pe)
    except AccelsimError as err:
        raise AccelsimError(f"layer {info.name!r}: {err}") from None
    if res.y.shape[1:] != info.out_shape:
        raise AccelsimError(f"layer {info.name!r}: kernel output {res.y.shape[1:]} != inferred {info.out_shape}")
    emulated = act_bits == 4 and fmt != "int4"
    detail = {"source": "kernel", "path": res.path, "act_bits": act_bits, "format": fmt, "emulation": how,
              "emulated": emulated, "weights": drawn, "memory": memory_detail(info, unit, x, wts),
              "tensors": tensor_counts(x, wts)}
    if pe is not None:
        detail.update(res.stats.to_dict())
        return res.stats.cycles, detail
    _, e, f = info.out_shape
    g = SimdGeometry(images=1, groups=groups, m=e * f, n=k // groups, cg=cg, r=r, s=s, e=e, f=f)
    rate = spec.macs_per_cycle if op_class(info) in MAC_CLASSES else spec.vector_rate
    c_in, h, w = info.in_shapes[0]
    path = "direct" if k // groups < FB else "dot4"       # the int8 kernel's choice (accelsim.kernels.conv)
    st = int4_simd_stats(g, c_in * h * w, unit.lanes * 32, rate, act_bits, sum(unit.thread_speeds(threads)), path)
    detail.update({"model": "simd instructions", **st.to_dict()})
    detail["emulated"] = True          # no modelled CPU core multiplies int4 natively
    return st.cycles, detail


def measure_layer(info: LayerInfo, unit: Unit, dataflow: str | None, rng: np.random.Generator,
                  weights: Mapping | None = None, threads: int | None = None) -> tuple[int | None, dict]:
    """(measured compute cycles or None, detail dict) for one layer."""
    act_bits = int4_act_bits(info)
    if act_bits is not None and unit.cost_model != "simt":
        return _int4_layer(info, unit, dataflow, rng, weights, threads, act_bits)
    if info.precision not in MODE_BITS:
        return None, {"source": "analytical", "reason": f"{info.precision} has no kernel"}
    geom = conv_geometry(info)
    if isinstance(geom, str):
        return None, {"source": "analytical", "reason": geom}
    if unit.cost_model == "simt":
        return None, {"source": "analytical", "reason": f"unit {unit.name!r} is a GPU (simt): no cycle model"}
    if unit.cost_model == "simd":
        x, wts, drawn = _draw(info, geom[0], rng, weights)
        cycles, detail = _simd_layer(info, unit, geom, x, wts, threads)
        detail["weights"] = drawn
        detail["memory"] = memory_detail(info, unit, x, wts)
        detail["tensors"] = tensor_counts(x, wts)
        return cycles, detail
    try:
        fmt, _, how = execution_format(unit, info.precision, info.name)
        pe = PEArray.from_unit(unit, info.precision, dataflow, run_as=fmt if how else None)
    except AccelsimError as err:
        return None, {"source": "analytical", "reason": str(err)}
    x, wts, drawn = _draw(info, geom[0], rng, weights)
    res = _run(info, x, wts, geom, pe)
    detail = {"source": "kernel", "path": res.path, "weights": drawn, "emulation": how,
              "memory": memory_detail(info, unit, x, wts), "tensors": tensor_counts(x, wts)}
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


@contextlib.contextmanager
def host_threads(threads: int | None):
    """Numba threads for the kernels: ``threads`` (the run's --threads) or the cores this process may use."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = max(1, min(threads or allowed, allowed, numba.config.NUMBA_NUM_THREADS))
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(before)


def run_cycle(infos: list[LayerInfo], costs: list[LayerCost], unit: Unit, profile: Profile, *,
              dataflow: str | None = None, seed: int = 0, weights: Mapping | None = None,
              threads: int | None = None) -> list[LayerResult]:
    """Per layer: kernel-measured compute cycles (or the analytical ones), then the roofline total.

    ``threads``: the simulated SIMD unit's thread count, also the Numba threads the kernels use
    on this host (default: the cores the process may use), so processes never oversubscribe.
    """
    check_cycle_work(infos)
    with host_threads(threads):
        return _run_cycle(infos, costs, unit, profile, dataflow, seed, weights, threads)


def _run_cycle(infos, costs, unit, profile, dataflow, seed, weights, threads) -> list[LayerResult]:
    rng = np.random.default_rng(seed)
    out = []
    for info, cost in zip(infos, costs):
        cycles, detail = measure_layer(info, unit, dataflow, rng, weights, threads)
        if detail.get("source") == "kernel":  # the analytical estimate beside the measurement
            detail["analytical"] = {"compute_cycles": cost.compute_cycles, "dram_bytes": cost.dram_bytes,
                                    "total_cycles": analytical_cycles(cost, unit, profile)}
        if detail.get("emulated"):
            cost = dataclasses.replace(cost, emulated=True)
        if cycles is not None:  # compression work (unpack, decode, hash) on the vector lanes still bounds it
            cost = dataclasses.replace(cost, compute_cycles=max(int(cycles), cost.compress_cycles))
        if detail.get("memory"):
            cost = _with_memory(cost, info, detail["memory"])
        res = layer_result(cost, unit, profile, analytical_cycles(cost, unit, profile))
        out.append(dataclasses.replace(res, cycle_detail=detail))
    return out
