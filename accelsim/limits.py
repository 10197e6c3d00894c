"""Documented input limits: every size, count and rate accelsim accepts lies in these ranges.

The ranges keep all arithmetic exact (no int64 overflow in NumPy cost code, no
float inf/nan in any result) and refuse work that could never finish (YAML alias
bombs, 10^9-point sweeps, 10^9-frame streams) *before* anything is allocated.
They are far beyond any real mobile chip or network. The four "work" limits can
be raised with an environment variable (or the flag named in the error):

========================  =================  ==========================================
limit                     default            raise with
========================  =================  ==========================================
YAML nodes after aliases  1,000,000          ``ACCELSIM_MAX_YAML_NODES``
sweep points              1,000,000          ``ACCELSIM_MAX_SWEEP_POINTS``
stream frames (total)     1,000,000          ``ACCELSIM_MAX_STREAM_FRAMES``
cycle-fidelity MACs       10^11              ``ACCELSIM_MAX_CYCLE_MACS``
========================  =================  ==========================================

The others are fixed (see the README's "Limits and errors" section).
"""
from __future__ import annotations

import math
import os

from accelsim.errors import AccelsimError

# --- workloads -----------------------------------------------------------------------------------------------
MAX_CHANNELS = 1 << 20            # channels / features of one tensor
MAX_SPATIAL = 1 << 16             # height or width of one tensor, a kernel, stride, dilation or padding
MAX_TENSOR_ELEMENTS = 1 << 32     # elements of one activation tensor (C x H x W)
MAX_LAYER_MACS = 1 << 48          # MACs (and parameters, element ops) of one layer: 2.8e14
MAX_LAYERS = 100_000              # layers of one workload (and nodes of one ONNX graph)
MAX_ONNX_BYTES = 2 << 30          # ONNX file size (protobuf's own limit is 2 GiB)

# --- hardware profiles ---------------------------------------------------------------------------------------
MAX_ARRAY_DIM = 1 << 16           # rows or cols of a MAC array
MAX_COUNT = 1 << 24               # lanes, cores, clusters' counts, threads, blocks
MAX_MACS_PER_PE = 64              # a systolic precision's macs_per_cycle / (rows x cols) lies in [1/64, 64]
MAX_BYTES = 1 << 50               # any memory size (1 PiB)
#: named float ranges of profile fields [low, high]; any other float field is finite with |x| <= MAX_FLOAT
FLOAT_RANGES: dict[str, tuple[float, float]] = {
    "clock_ghz": (1e-3, 1e3),                 # 1 MHz .. 1 THz
    "bandwidth_gbps": (1e-3, 1e6),            # 1 MB/s .. 1 PB/s
    "macs_per_cycle": (1e-3, 2.0 ** 40),
    "vector_macs_per_cycle": (1e-3, 2.0 ** 40),
    "macs_scale": (1e-3, 1e3),
    "process_nm": (0.1, 1e4),
    "fps": (1e-3, 1e6),                       # stream specs
    "seconds": (1e-6, 1e7),
}
MAX_FLOAT = 1e12                  # any other float of a profile (energies in pJ, powers in mW, latencies, overheads)
MIN_NONZERO_FLOAT = 1e-12         # smallest nonzero magnitude of such a float

# --- work done before it is allocated (raisable) ------------------------------------------------------------
ENV_LIMITS = {
    "yaml_nodes": ("ACCELSIM_MAX_YAML_NODES", 1_000_000),
    "sweep_points": ("ACCELSIM_MAX_SWEEP_POINTS", 1_000_000),
    "stream_frames": ("ACCELSIM_MAX_STREAM_FRAMES", 1_000_000),
    "cycle_macs": ("ACCELSIM_MAX_CYCLE_MACS", 100_000_000_000),   # MACs the cycle fidelity's kernels execute
}
MAX_CYCLE_TENSOR_ELEMENTS = 1 << 28  # one tensor the cycle fidelity allocates (int32 output: 1 GiB)

MAX_SHOWN_CHARS = 40              # an error message shows at most this many characters of a value


def env_limit(key: str) -> int:
    """The limit ``key`` of :data:`ENV_LIMITS`, raised by its environment variable when set."""
    var, default = ENV_LIMITS[key]
    text = os.environ.get(var)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise AccelsimError(f"{var}: got {shown(text)}; must be a positive integer") from None
    if value <= 0:
        raise AccelsimError(f"{var}: got {value}; must be a positive integer")
    return value


def check_work(key: str, count: int, what: str, unit: str) -> None:
    """Refuse ``count`` ``unit`` of work above the (raisable) limit ``key``, naming how to raise it."""
    limit = env_limit(key)
    if count > limit:
        var = ENV_LIMITS[key][0]
        raise AccelsimError(f"{what}: {count:,} {unit} exceed the limit of {limit:,}; set {var} to raise it")


def shown(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """A short repr of ``value`` for an error message: never the whole of a huge or shared structure."""
    if isinstance(value, (dict, list, tuple, set)) and len(value) > 8:
        kind = type(value).__name__
        return f"<{kind} of {len(value)} items>"
    try:
        text = repr(value)
    except RecursionError:  # a self-referencing structure
        return f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return text


def check_int(where: str, field: str, value: object, low: int, high: int) -> int:
    """``value`` as an int in [low, high]; bools, floats and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise AccelsimError(f"{where}: {field}: got {shown(value)}; must be an integer in [{low}, {high:,}]")
    if not low <= value <= high:
        raise AccelsimError(f"{where}: {field}: got {shown(value)}; must be an integer in [{low}, {high:,}]")
    return value


def check_float(where: str, field: str, value: object, low: float, high: float) -> float:
    """``value`` as a finite float in [low, high]; bools and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AccelsimError(f"{where}: {field}: got {shown(value)}; must be a number in [{low:g}, {high:g}]")
    if not (math.isfinite(value) and low <= value <= high):
        raise AccelsimError(f"{where}: {field}: got {shown(value)}; must be a finite number in [{low:g}, {high:g}]")
    return float(value)
