"""What a layer's compression does to its cost on one unit.

The cost models ask :func:`plan_layer` how a (possibly compressed) layer runs:

- **Format.** A format the unit's profile lists runs at the profile's MACs
  per cycle and pJ per MAC. A format it lacks is emulated:

  * integer formats run in the narrowest wider format the unit has
    (int4, ternary, binary -> int8 -> int16 -> fp16 -> fp32), at that format's
    throughput and energy; packed operands are unpacked on the unit's vector
    lanes, one element operation per weight and per input activation.
  * binary x binary on a SIMD or SIMT unit (CPU, DSP, GPU) without a binary
    format runs as XNOR + popcount + accumulate on its integer datapath:
    three instructions per datapath word, each word carrying 8 binary MACs
    per int8 lane, so ``8/3`` times the int8 MAC rate at ``3/8`` of the int8
    energy per MAC (XNOR-Net's CPU scheme, Rastegari et al. 2016). Systolic MAC
    arrays cannot pack bits and unpack to int8 instead.
  * ternary on such units also runs as int8: two bit-planes need about 12
    instructions per word, slower than int8 dot products.
  * floats run in a wider float; a format wider than everything the unit
    has is an error naming the layer (choose another unit or precision).

- **Sparsity** saves MAC cycles (and MAC energy) only where the unit's
  profile says it skips zeros, at its granularity; everywhere else the
  weights are stored and moved compressed (fewer DRAM bytes, net of the index)
  and decoded to dense on the vector lanes, one element operation per weight.
- **HashedNets** buckets are stored and moved instead of the weights; every
  virtual weight the MAC array reads costs ``hash_ops_per_weight`` element
  operations to reconstruct, and every MAC still happens.

Element operations run on ``unit.non_mac_lanes`` lanes per cycle at the
execution format's energy per operation, added to the layer's compute time
(reconstruction and decoding are not assumed to overlap the MACs).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Unit
from accelsim.workload.compression import format_bits, is_float
from accelsim.workload.graph import LayerInfo

INT_FALLBACKS = ("int8", "int16", "fp16", "fp32")
FLOAT_FALLBACKS = {"fp16": ("fp32",), "bf16": ("fp32",), "fp32": ()}
POPCOUNT_SPEEDUP = 8 / 3       # binary MACs per int8 MAC slot via XNOR + popcount + add
POPCOUNT_UNITS = ("simd", "simt")


@dataclass(frozen=True)
class ExecutionPlan:
    """How one layer runs on one unit."""

    requested: str              # the layer's compute format
    format: str                 # the format its MACs actually run in
    macs_per_cycle: float       # peak MACs per cycle in that format (emulation included)
    energy_pj_per_mac: float
    emulation: str              # "" when native, else how it is emulated
    mac_fraction: float         # share of the dense MAC work the unit performs (zero skipping)
    overhead_ops: int           # unpack / decode / hash element operations on the vector lanes
    weight_word_bits: int       # bits per weight as the MAC units read it from the scratchpad

    def overhead_cycles(self, unit: Unit) -> int:
        return math.ceil(self.overhead_ops / unit.non_mac_lanes)


def execution_format(unit: Unit, fmt: str, layer: str = "") -> tuple[str, float, float, str]:
    """(format run, MACs per cycle, pJ per MAC, emulation note) for MACs in ``fmt`` on ``unit``."""
    spec = unit.precisions.get(fmt)
    if spec is not None:
        return fmt, spec.macs_per_cycle, spec.energy_pj_per_mac, ""
    int8 = unit.precisions.get("int8")
    if fmt == "binary" and unit.cost_model in POPCOUNT_UNITS and int8 is not None:
        return ("int8", int8.macs_per_cycle * POPCOUNT_SPEEDUP, int8.energy_pj_per_mac / POPCOUNT_SPEEDUP,
                "xnor-popcount on int8")
    chain = FLOAT_FALLBACKS.get(fmt, ()) if is_float(fmt) else tuple(
        f for f in INT_FALLBACKS if format_bits(f) >= format_bits(fmt))
    for alt in chain:
        spec = unit.precisions.get(alt)
        if spec is not None:
            return alt, spec.macs_per_cycle, spec.energy_pj_per_mac, f"unpacked to {alt}"
    where = f"layer {layer!r}: " if layer else ""
    raise AccelsimError(f"{where}unit {unit.name!r} does not run precision {fmt!r} and has no wider format to "
                        f"emulate it; it supports: {', '.join(unit.precisions)}")


def zero_skip_fraction(info: LayerInfo, unit: Unit) -> float:
    """Share of the dense MAC cycles a unit spends on the layer's sparse weights.

    1.0 unless the unit's profile declares zero skipping (``zero_skip``) at a
    granularity the layer's sparsity has.
    """
    skip = getattr(unit, "zero_skip", None)
    comp = info.compression
    if skip is None or comp.sparsity == 0.0 or comp.hash_buckets is not None or info.weight_params == 0:
        return 1.0
    granularity = getattr(skip, "granularity", skip)
    if granularity in ("element", "unstructured", "weight"):
        return comp.density
    nm = getattr(skip, "nm", None)
    if comp.structure == "nm" and nm is not None:
        n, m = nm
        ln, lm = comp.nm
        if lm == m and ln <= n:
            return n / m
    return 1.0


def plan_layer(info: LayerInfo, unit: Unit, filter_reads: int | None = None) -> ExecutionPlan:
    """How ``info`` runs on ``unit``; ``filter_reads`` = weight words the MAC units read (default: each once)."""
    fmt, rate, pj, how = execution_format(unit, info.precision, info.name)
    comp = info.compression
    popcount = how.startswith("xnor")
    overhead = 0
    weight_bits = format_bits(info.weight_format)
    if info.weight_params:
        packed_ok = info.weight_format in unit.precisions or popcount or info.weight_format == fmt
        if not packed_ok:
            overhead += info.weight_params          # unpack weights to the execution format
            weight_bits = format_bits(fmt)
    if info.act_format != fmt and info.act_format not in unit.precisions and not popcount:
        overhead += info.ifmap_elems                # unpack input activations
    fraction = zero_skip_fraction(info, unit)
    if comp.sparsity > 0 and comp.hash_buckets is None and fraction == 1.0 and info.weight_params:
        dense_bits = info.weight_params * format_bits(info.weight_format)
        if info.weight_bytes * 8 < dense_bits:
            overhead += info.weight_params          # decode the sparse format to dense
    if comp.hash_buckets is not None and info.weight_params:
        reads = info.weight_params if filter_reads is None else filter_reads
        overhead += reads * comp.hash_ops_per_weight
    return ExecutionPlan(requested=info.precision, format=fmt, macs_per_cycle=rate, energy_pj_per_mac=pj,
                         emulation=how, mac_fraction=fraction, overhead_ops=int(overhead),
                         weight_word_bits=weight_bits)
