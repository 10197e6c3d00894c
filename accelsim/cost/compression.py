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
  profile says it skips zeros (``zero_skip``), at its granularity and as its
  dataflow allows (:func:`skip_fractions`); everywhere else the weights are
  stored and moved compressed (fewer DRAM bytes, net of the index) and
  decoded to dense on the vector lanes, one element operation per stored
  nonzero (a scatter into a zeroed buffer). Where the storage format is the
  model's choice (``sparse_format: auto``), a layer is priced both stored that
  way and stored dense (:func:`dense_stored`), and the one costing less
  energy, then time, is kept (:func:`energy_then_time`): at mild sparsity the
  index saves fewer DRAM bytes than decoding costs, and real designs turn
  weight compression off per layer (NVDLA's optional weight compression,
  Eyeriss v2's per-layer CSC). The unit's own cost models do this; a runtime's
  re-pricing (accelsim/runtime) moves the model's stored bytes as before.
- **HashedNets** buckets are stored and moved instead of the weights; every
  virtual weight costs ``hash_ops_per_weight`` element operations to
  reconstruct each time the weights enter the scratchpad, and every MAC
  still happens.

Weight-side work (unpacking, decoding, reconstruction) happens each time the
weights enter the unit's scratchpad (``weight_fetches``). Element operations
run on ``unit.non_mac_lanes`` lanes per cycle at the execution format's energy
per operation. They feed the MAC units tile by tile through the double
buffers, so a layer with MACs takes the longer of its MAC time and its
element-operation time (a layer without MACs adds them to its own element
operations).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from statistics import NormalDist

from accelsim.cost.gemm import gemm_of
from accelsim.cost.power import busy_ns, busy_power_mw, dram_energy_pj, system_static_mw
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PrecisionSpec, Unit
from accelsim.workload.compression import Compression, format_bits, is_float
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
    spec: PrecisionSpec         # that format's throughput and energy on the unit (emulation included)
    emulation: str              # "" when native, else how it is emulated
    stream_fraction: float      # share of the streamed steps a fold takes (zero skipping, lockstep)
    mac_fraction: float         # share of the dense MACs the unit executes (zero skipping)
    overhead_ops: int           # unpack / decode / hash element operations on the vector lanes
    weight_word_bits: int       # bits per weight as the MAC units read it from the scratchpad

    @property
    def macs_per_cycle(self) -> float:
        return self.spec.macs_per_cycle

    @property
    def energy_pj_per_mac(self) -> float:
        return self.spec.energy_pj_per_mac or 0.0

    def overhead_cycles(self, unit: Unit) -> int:
        """Element operations on the unit's vector lanes (systolic units)."""
        return math.ceil(self.overhead_ops / unit.non_mac_lanes)


def execution_format(unit: Unit, fmt: str, layer: str = "") -> tuple[str, PrecisionSpec, str]:
    """(format run, its throughput and energy spec, emulation note) for MACs in ``fmt`` on ``unit``."""
    spec = unit.precisions.get(fmt)
    if spec is not None:
        return fmt, spec, ""
    int8 = unit.precisions.get("int8")
    if fmt == "binary" and unit.cost_model in POPCOUNT_UNITS and int8 is not None:
        k = POPCOUNT_SPEEDUP
        popcount = int8.model_copy(update={
            "macs_per_cycle": int8.macs_per_cycle * k,
            "vector_macs_per_cycle": int8.vector_macs_per_cycle * k if int8.vector_macs_per_cycle else None,
            "energy_pj_per_mac": (int8.energy_pj_per_mac or 0.0) / k})
        return "int8", popcount, "xnor-popcount on int8"
    chain = FLOAT_FALLBACKS.get(fmt, ()) if is_float(fmt) else tuple(
        f for f in INT_FALLBACKS if format_bits(f) >= format_bits(fmt))
    for alt in chain:
        spec = unit.precisions.get(alt)
        if spec is not None:
            return alt, spec, f"unpacked to {alt}"
    where = f"layer {layer!r}: " if layer else ""
    raise AccelsimError(f"{where}unit {unit.name!r} does not run precision {fmt!r} and has no wider format to "
                        f"emulate it; it supports: {', '.join(unit.precisions)} (pick a unit that has it with "
                        "--unit, or a format it has with --precision / --compress quant=...)")


def _block_zero_probability(c: Compression, consecutive: int, independent: int) -> float:
    """P(a block of ``independent`` runs of ``consecutive`` reduction elements is all zero)."""
    if c.structure == "nm" and c.nm is not None:
        n, m = c.nm
        run = 0.0 if consecutive > m - n else math.comb(m - consecutive, n) / math.comb(m, n)
    else:
        run = c.sparsity ** consecutive
    return run ** independent


def skip_fractions(info: LayerInfo, unit: Unit, dataflow: str | None = None, lanes: int | None = None
                   ) -> tuple[float, float]:
    """(share of the streamed steps a fold still takes, share of the MACs executed) under zero skipping.

    Follows the PE-array model of ``accelsim.kernels.cycles`` in expectation:
    each PE walks its T streamed steps in blocks of ``zero_skip.granularity``
    steps (a step holds ``e`` reduction elements) and skips a block whose
    weights are all zero; the PEs of a fold run in lockstep, so a fold takes
    the expected maximum over its L distinct PEs, approximated as
    ``mean + z_L * sd`` of their binomial block counts (``z_L`` the expected
    maximum of L standard normals, Blom's formula). N:M sparsity is balanced
    by construction (sd = 0 along a filter). Weight zeros shorten the stream in
    the os dataflow (PEs walk a filter's window) and is (PEs walk the
    filters); in ws the weights sit still and a fold could only be skipped
    when all its weights are zero, which pruning essentially never makes.
    Activation zeros are data, not compression, and are not modelled here.
    ``lanes``: the distinct PEs a mapping walks in lockstep (the filters on the
    used columns in os, the window positions on the used rows in is); default:
    what SCALE-Sim's whole-array mapping uses.
    """
    streams, fraction = _skip_streams(info, unit, dataflow, None if lanes is None else (lanes,))
    return streams[0], fraction


def _skip_streams(info: LayerInfo, unit: Unit, dataflow: str | None, lanes_list) -> tuple[list[float], float]:
    """:func:`skip_fractions` for each lane count of ``lanes_list`` (None: the whole array's) at once."""
    zs = getattr(unit, "zero_skip", None)
    comp = info.compression
    g = gemm_of(info)
    ones = [1.0] * (1 if lanes_list is None else len(lanes_list))
    if (zs is None or zs.operands == "activations" or comp.sparsity == 0.0 or comp.hash_buckets is not None
            or not info.weight_params or g is None):
        return ones, 1.0
    _, spec, _ = execution_format(unit, info.precision, info.name)
    e = max(1, int(spec.macs_per_cycle // unit.pe_count))
    steps = math.ceil(g.kw / e)
    gran = zs.granularity
    if unit.array is not None:
        df = dataflow or unit.array.dataflow
        if df == "ws":
            return ones, 1.0
        if df == "os":
            t, whole, q = steps, min(unit.array.cols, g.n), _block_zero_probability(comp, gran * e, 1)
        else:
            t, whole, q = g.n, min(unit.array.rows, steps), _block_zero_probability(comp, e, gran)
    else:
        t, whole, q = steps, min(unit.pe_count, g.n), _block_zero_probability(comp, gran * e, 1)
    blocks = math.ceil(t / gran)
    p = 1.0 - q
    mean = blocks * p
    balanced = comp.structure == "nm" and (unit.array is None or df == "os")
    sd = 0.0 if balanced else math.sqrt(blocks * p * (1.0 - p))
    streams = []
    for lanes in ((whole,) if lanes_list is None else (max(1, int(k)) for k in lanes_list)):
        z = NormalDist().inv_cdf((lanes - 0.375) / (lanes + 0.25)) if lanes > 1 else 0.0
        streams.append(min(1.0, min(blocks, mean + z * sd) * gran / t))
    return streams, min(1.0, mean * gran / t)


def stream_fractions_by_lanes(info: LayerInfo, unit: Unit, dataflows) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """Per dataflow, the stream share of a fold with 1, 2, ... lanes in lockstep (:func:`skip_fractions`), for
    the auto mapper, whose mappings may use part of the array: (dataflow, shares) pairs, shares[k - 1] for k
    lanes (k up to the array's columns in os, rows in is); () when nothing is skipped."""
    out = []
    for df in dataflows:
        if df == "ws" or skip_fractions(info, unit, df)[1] >= 1.0:
            continue
        most = unit.array.cols if df == "os" else unit.array.rows
        out.append((df, tuple(_skip_streams(info, unit, df, range(1, int(most) + 1))[0])))
    return tuple(out)


def structured_fraction(info: LayerInfo, unit: Unit) -> float:
    """Share of the reduction an N:M structured-sparse array reads (``unit.structured_sparsity``):
    n/m for layers pruned to at most n of every m, else 1 (dense)."""
    ss, comp = getattr(unit, "structured_sparsity", None), info.compression
    if ss is None or comp.structure != "nm" or comp.nm is None or not info.weight_params:
        return 1.0
    n, m = comp.nm
    return ss.n / ss.m if m == ss.m and n <= ss.n else 1.0


def plan_layer(info: LayerInfo, unit: Unit, weight_fetches: int = 1, dataflow: str | None = None
               ) -> ExecutionPlan:
    """How ``info`` runs on ``unit``.

    ``weight_fetches``: how many times the layer's weights enter the unit's
    scratchpad (1 when they fit, else once per fold of the loop around them);
    unpacking, sparse decoding and hash reconstruction happen on each entry.
    """
    fmt, spec, how = execution_format(unit, info.precision, info.name)
    comp = info.compression
    popcount = how.startswith("xnor")
    overhead = 0          # element operations per weight fetch, then per layer
    weight_bits = format_bits(info.weight_format)
    if info.weight_params:
        packed_ok = info.weight_format in unit.precisions or popcount or info.weight_format == fmt
        if not packed_ok:
            overhead += info.weight_params          # unpack weights to the execution format
            weight_bits = format_bits(fmt)
    stream, fraction = skip_fractions(info, unit, dataflow)
    if comp.sparsity > 0 and comp.hash_buckets is None and fraction == 1.0 and info.weight_params \
            and structured_fraction(info, unit) == 1.0:   # N:M hardware reads the compressed weights as stored
        dense_bits = info.weight_params * format_bits(info.weight_format)
        if info.weight_bytes * 8 < dense_bits:
            overhead += info.nonzero_weights        # scatter the stored nonzeros into a dense buffer
    if comp.hash_buckets is not None and info.weight_params:
        overhead += info.weight_params * comp.hash_ops_per_weight   # reconstruct every virtual weight
    overhead *= max(1, int(weight_fetches))
    works = info.macs or info.elem_ops
    if works and info.act_format != fmt and info.act_format not in unit.precisions and not popcount:
        overhead += info.ifmap_elems                # unpack input activations
    return ExecutionPlan(requested=info.precision, format=fmt, spec=spec, emulation=how, stream_fraction=stream,
                         mac_fraction=fraction, overhead_ops=int(overhead), weight_word_bits=weight_bits)


def dense_stored(info: LayerInfo) -> LayerInfo | None:
    """``info`` with its sparse weights stored dense (zeros kept), when the format is the model's choice
    (``sparse_format: auto``) and a sparse one was smaller; else None."""
    comp = info.compression
    if (comp.sparsity == 0.0 or comp.sparse_format != "auto" or comp.hash_buckets is not None
            or not info.weight_params):
        return None
    dense = dataclasses.replace(info, layer=dataclasses.replace(
        info.layer, compression=dataclasses.replace(comp, sparse_format="dense")))
    return dense if dense.weight_bytes > info.weight_bytes else None


def energy_then_time(c, unit: Unit, profile=None) -> tuple:
    """Order two storages of a layer's weights (LayerCosts of ``unit``): less energy, then less time. Energy as
    a power meter sees it (accelsim/cost/power.py): per-operation (MACs, decoding), busy and static power over
    the roofline time, on-chip memory and DRAM (with ``profile``)."""
    bw = profile.dram.bandwidth_gbps if profile is not None and not profile.dram.unlimited else None
    transfer = c.dram_bytes * unit.clock_ghz / bw if bw else 0.0
    cycles = max(c.compute_cycles, c.memory_cycles, transfer) + c.overhead_cycles
    energy = (c.compute_energy_pj + c.sram_energy_pj
              + busy_power_mw(unit, c.threads) * busy_ns(unit, cycles, c.overhead_cycles))
    if profile is not None:
        energy += (dram_energy_pj(profile, c.dram_read_bytes, c.dram_write_bytes)
                   + (unit.static_power_mw + system_static_mw(profile)) * cycles / unit.clock_ghz)
    return energy, cycles, c.dram_bytes
