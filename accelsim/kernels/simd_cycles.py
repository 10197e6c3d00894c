"""Cycles a SIMD core (CPU NEON / SVE / AVX-512, Hexagon HVX, SHAVE) spends on a convolution.

The count follows the kernel path :func:`accelsim.kernels.conv2d` actually took for the
layer's tensors, translated into the vector instructions a ``vector_bits`` wide core issues
for that path (one GEMM per group and image: M = E*F output pixels, N filters per group):

* ``xnor-popcount`` (binary): pixels vectorised, ``V/64`` 64-bit words per vector; per
  (pixel vector, filter, word step): XOR + popcount + add = 3 instructions (NEON EOR, CNT,
  UADALP; AVX-512 VPXORQ, VPOPCNTQ, VPADDQ). A window has ``R*S*ceil(C/64)`` word steps, so
  channel counts that leave words part-empty cost their padding bits. Epilogue per
  (pixel vector, filter): scale and bias (2). Zero padding adds the correction: one vector
  add per ``V/32`` (pixel, filter) pairs whose window reaches into the padding.
  ``xnor-window`` (binary, at most 8 channels): the same with whole R x S x C windows packed
  densely, ``ceil(R*S / (64 // C))`` word steps.
* ``ternary-bitplanes``: same walk over nonzero and sign planes, 7 instructions per step
  (AND, XOR, AND, 2 popcounts, 2 accumulates); epilogue 2.
* ``int8-vnni`` / ``int8-amx`` / ``int8-dot`` (int8, and binary / ternary inputs with few channels):
  ``dot4`` = SDOT / VPDPBUSD, 4 bytes per 32-bit lane, ``V/32`` pixels per vector; per
  (pixel vector, filter, 4-channel step): 1 instruction; window ``R*S*ceil(C/4)`` steps;
  epilogue 1 (bias).
* ``ternary-addsub`` (ternary weights, int8 activations): per (pixel, filter), the window in
  ``V/8``-byte vectors, 4 instructions each (AND with the +1 mask, AND with the -1 mask,
  add, subtract) and a 2-instruction horizontal reduction.
* ``direct`` (depthwise, fewer than 4 filters per group): per (image, filter, output row,
  tap, channel) one widening multiply-accumulate per ``V/32`` output columns.

The core's instruction rate comes from the profile's cited MAC rate of the layer's format:
``issue rate = macs_per_cycle / MACs per instruction of that format's dense path`` (binary
``V/3``, ternary ``V/7``, int8 ``V/8``), so a perfectly filled layer takes exactly its
MACs over the cited rate, and everything the path really does beyond that (part-empty
words and vectors, padding corrections, epilogues, the slower depthwise path) shows up as
extra cycles. Cycles = instructions / (issue rate x sum of the threads' relative speeds).
This is an issue-bound count: no cache misses or pipeline stalls (memory time is the
analytical model's, as for the systolic fidelity).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from accelsim.errors import AccelsimError

PATHS = ("xnor-popcount", "xnor-window", "ternary-bitplanes", "dot4", "ternary-addsub", "direct")
# host kernel -> modelled path ("<path>@amx" / "<path>@vnni": ternary products the host ran as
# int8 on AMX tiles / VNNI vectors; the modelled core runs <path>, so its instructions are counted)
HOST_PATH = {"int8-vnni": "dot4", "int8-amx": "dot4", "int8-dot": "dot4", "xnor-window@amx": "xnor-window", "xnor-popcount@amx": "xnor-popcount",
             "ternary-bitplanes@amx": "ternary-bitplanes", "ternary-addsub@amx": "ternary-addsub",
             "ternary-addsub@vnni": "ternary-addsub"}
# instructions per vector step and per (pixel vector, filter) epilogue, per path
STEP_OPS = {"xnor-popcount": 3, "xnor-window": 3, "ternary-bitplanes": 7, "dot4": 1, "ternary-addsub": 4,
            "direct": 1}
EPILOGUE_OPS = {"xnor-popcount": 2, "xnor-window": 2, "ternary-bitplanes": 2, "dot4": 1, "ternary-addsub": 2,
                "direct": 0}
# reference path of a format's cited MAC rate: MACs one instruction does on a V-bit vector
REFERENCE_PATH = {"binary": "xnor-popcount", "ternary": "ternary-bitplanes", "int8": "dot4"}


def macs_per_instruction(path: str, vector_bits: int) -> float:
    """MACs one instruction of ``path``'s inner loop performs on a fully used ``vector_bits`` vector."""
    return {"xnor-popcount": vector_bits / 3, "xnor-window": vector_bits / 3, "ternary-bitplanes": vector_bits / 7, "dot4": vector_bits / 8,
            "ternary-addsub": vector_bits / 8 / 4, "direct": vector_bits / 32}[path]


@dataclass(frozen=True)
class SimdGeometry:
    """One convolution as the kernels see it (all integers)."""

    images: int
    groups: int
    m: int                  # output pixels E*F
    n: int                  # filters per group
    cg: int                 # channels per group
    r: int
    s: int
    e: int                  # output rows
    f: int                  # output columns
    border_pixels: int = 0  # output pixels whose window reaches into zero padding (binary correction)


@dataclass(frozen=True)
class SimdStats:
    """Instructions one convolution issues on a SIMD core, and the cycles they take."""

    path: str
    vector_bits: int
    main_instructions: int
    epilogue_instructions: int
    correction_instructions: int
    instructions: int
    issue_per_cycle: float      # vector instructions per cycle of one core at the unit clock
    core_speed: float           # sum of the threads' relative speeds
    cycles: int
    dense_cycles: int           # MACs / cited MAC rate: a perfectly filled layer
    macs: int

    def to_dict(self) -> dict:
        return asdict(self)


def count_instructions(path: str, g: SimdGeometry, vector_bits: int) -> tuple[int, int, int]:
    """(main loop, epilogue, padding correction) instructions of ``path`` over the layer."""
    if path not in PATHS:
        raise AccelsimError(f"path: got {path!r}; allowed: {', '.join(PATHS)}")
    if vector_bits < 64 or vector_bits % 64:
        raise AccelsimError(f"vector_bits: got {vector_bits}; a multiple of 64")
    per = g.images * g.groups
    l64, l32 = vector_bits // 64, vector_bits // 32
    correction = 0
    if path in ("xnor-popcount", "xnor-window", "ternary-bitplanes"):
        if path == "xnor-window":   # whole windows packed densely: 64 // C taps per word
            steps = math.ceil(g.r * g.s / (64 // g.cg))
        else:
            steps = g.r * g.s * math.ceil(g.cg / 64)
        pv = math.ceil(g.m / l64)
        main, epi = STEP_OPS[path] * pv * g.n * steps, EPILOGUE_OPS[path] * pv * g.n
        if path != "ternary-bitplanes":
            correction = math.ceil(g.border_pixels * g.n / l32)
    elif path == "dot4":
        steps = g.r * g.s * math.ceil(g.cg / 4)
        pv = math.ceil(g.m / l32)
        main, epi = pv * g.n * steps, EPILOGUE_OPS[path] * pv * g.n
    elif path == "ternary-addsub":
        vectors = math.ceil(g.r * g.s * g.cg / (vector_bits // 8))
        main, epi = STEP_OPS[path] * g.m * g.n * vectors, EPILOGUE_OPS[path] * g.m * g.n
    else:  # direct: per filter, output row, tap and channel, a vector of output columns
        main, epi = g.n * g.e * g.r * g.s * g.cg * math.ceil(g.f / l32), 0
    return main * per, epi * per, correction * per


def simd_stats(path: str, g: SimdGeometry, vector_bits: int, fmt: str, macs_per_cycle: float,
               core_speed: float = 1.0) -> SimdStats:
    """Instructions of ``path`` and its cycles on a core whose cited ``fmt`` rate is ``macs_per_cycle``."""
    if fmt not in REFERENCE_PATH:
        raise AccelsimError(f"format: got {fmt!r}; the SIMD cycle count knows binary, ternary and int8")
    if not macs_per_cycle > 0 or not core_speed > 0:
        raise AccelsimError(f"macs_per_cycle {macs_per_cycle!r} and core_speed {core_speed!r} must be > 0")
    main, epi, corr = count_instructions(path, g, vector_bits)
    issue = macs_per_cycle / macs_per_instruction(REFERENCE_PATH[fmt], vector_bits)
    total = main + epi + corr
    macs = g.images * g.groups * g.m * g.n * g.cg * g.r * g.s
    return SimdStats(path=path, vector_bits=vector_bits, main_instructions=main, epilogue_instructions=epi,
                     correction_instructions=corr, instructions=total, issue_per_cycle=issue,
                     core_speed=core_speed, cycles=math.ceil(total / (issue * core_speed)),
                     dense_cycles=math.ceil(macs / (macs_per_cycle * core_speed)), macs=macs)


def border_pixels(h: int, w: int, e: int, f: int, r: int, s: int, stride: tuple[int, int],
                  padding: tuple[int, int, int, int]) -> int:
    """Output pixels whose R x S window reaches outside the H x W input (into the padding)."""
    (sh, sw), (pt, pl, _, _) = stride, padding
    rows_in = sum(1 for i in range(e) if i * sh - pt >= 0 and i * sh - pt + r <= h)
    cols_in = sum(1 for j in range(f) if j * sw - pl >= 0 and j * sw - pl + s <= w)
    return e * f - rows_in * cols_in
