"""A layer's cost on a unit as a runtime executes it (``cost_layer(..., runtime=...)``).

On top of the unit's cost model (:mod:`accelsim.cost`), the runtime decides:
the convolution algorithm (its GEMM MACs, transform work and operand sizes,
:mod:`accelsim.runtime.choose`), the arithmetic format (fp16 on Armv8.2 cores
and GPUs when it says so) and storage format (fp16 tensors on GPUs), int8
requantization work, the per-layer dispatch and thread-pool cost, and on a CPU
which cores the threads run on (:mod:`accelsim.runtime.placement`) and how
they share the work (static: the slowest thread sets the pace).

Efficiency per op class is the unit's spec efficiency times a fitted factor
of the (runtime, core family) pair on a CPU (the core type's SIMD datapath class), the (runtime, GPU family) pair on a
GPU, or the (runtime, unit group) pair elsewhere (``calibration.yaml``'s
``runtime_factors``), through a smooth cap at 1 (a unit never beats its peak,
and a factor can move the efficiency in both directions from anywhere).
"""
from __future__ import annotations

import dataclasses
import math

from accelsim.cost.base import LayerCost
from accelsim.cost.opclass import op_class
from accelsim.cost.simt import occupancy
from accelsim.cost.tiling import hierarchy_traffic
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import MemoryLevel, SimtSpec, Unit
from accelsim.runtime.algorithms import gemm_slot_ratio, winograd_priced_macs
from accelsim.runtime.choose import algorithm_work, choose_algorithm
from accelsim.runtime.placement import Placement, place
from accelsim.runtime.schema import Runtime
from accelsim.workload.graph import LayerInfo

FACTOR_CLASSES = ("conv", "depthwise", "pointwise", "fc", "elementwise", "overhead", "int8", "threads")
COMPUTE_CLASSES = ("conv", "depthwise", "pointwise", "fc", "elementwise")
CAP_SHARPNESS = 8.0
VECTOR_REGISTERS = 32
# rows of a 128-bit NEON register group: 8 fp16 / 4 fp32 lanes; int8 kernels pack 8 channels (elempack 8,
# the int8 Winograd GEMM's int16 lanes; estimate for the SDOT / SMLAL GEMMs, whose input packs are 8 wide)
NEON_LANES = {"fp16": 8, "fp32": 4, "int8": 8}


def soft_cap(x):
    """x / (1 + x^8)^(1/8): ~x below 0.7, -> 1 above, smooth (works on floats and numpy arrays)."""
    return x / (1.0 + x ** CAP_SHARPNESS) ** (1.0 / CAP_SHARPNESS)


GPU_FAMILIES = ("adreno", "mali", "videocore", "powervr", "immortalis")


def unit_family(unit: Unit, profile=None) -> str:
    """A unit's calibration family: its calibration_group if set, else a GPU family named in the profile, else its kind."""
    if unit.calibration_group:
        return unit.calibration_group
    if unit.kind == "gpu" and profile is not None:
        text = f"{profile.description} {unit.name} {' '.join(unit.sources)}".lower()
        for fam in GPU_FAMILIES:
            if fam in text:
                # named as the profiles' calibration_group names the family (adreno_gpu, mali_gpu), so a
                # profile without calibration_group shares the family's per-runtime key factors
                return "mali_gpu" if fam == "immortalis" else f"{fam}_gpu"
    return unit.kind


def factor_runtime(runtime: Runtime) -> str:
    """The runtime whose fitted factors ``runtime`` uses: its own, or those of the stack it is a build of."""
    return runtime.factors_from or runtime.name


def factor_key(runtime: Runtime, unit: Unit, placement: Placement | None = None, profile=None) -> str:
    """Calibration key: runtime/core family (CPU: the SIMD datapath class of the core that sets the pace,
    :attr:`CoreType.family`), runtime/GPU family, runtime/group."""
    rt = factor_runtime(runtime)
    if placement is not None and placement.cores:
        slowest = min(placement.cores, key=lambda c: c.speed(unit))
        name = slowest.core.family if slowest.core else unit_family(unit, profile)
        return f"{rt}/{name}"
    return f"{rt}/{unit_family(unit, profile)}"


def core_key(runtime: Runtime, unit: Unit, placement: Placement | None = None) -> str:
    """Finer calibration key under the family one: runtime/core type of the pacing core ("" off a CPU)."""
    if placement is None or not placement.cores:
        return ""
    slowest = min(placement.cores, key=lambda c: c.speed(unit))
    return f"{factor_runtime(runtime)}/{slowest.core.name}" if slowest.core else ""


def arithmetic_format(info: LayerInfo, unit: Unit, runtime: Runtime, placement: Placement | None) -> str:
    """The format the runtime computes an fp32 layer in: fp16 where it says so and the hardware (and, for a
    Vulkan runtime, the unit's driver: ``vulkan_fp16_arith``) has it."""
    if info.precision != "fp32" or not runtime.fp16_arith:
        return info.precision
    if placement is not None and placement.cores:
        cores_ok = all((c.core.fp16_arith and "fp16" in c.core.precisions) if c.core else "fp16" in unit.precisions
                       for c in placement.cores)
        return "fp16" if cores_ok else "fp32"
    if runtime.fp16_arith_needs == "vulkan" and unit.vulkan_fp16_arith is False:
        return "fp32"          # the Vulkan driver exposes no fp16 shader arithmetic: shaders compute in fp32
    return "fp16" if "fp16" in unit.precisions else "fp32"


def static_units(out_channels: int, fmt: str) -> int:
    """Work units a static schedule deals out: output-channel packs of one NEON register (elempack: 8 fp16
    lanes, 4 fp32 lanes, where the channel count divides; else single channels), as ncnn's Arm kernels
    parallelize ``for (int p = 0; p < outch / elempack; p++)`` with ``#pragma omp parallel for``."""
    pack = 8 if fmt == "fp16" and out_channels % 8 == 0 else 4 if out_channels % 4 == 0 else 1
    return max(1, out_channels // pack)


def _cpu_rate(unit: Unit, placement: Placement, fmt: str, schedule: str, units: int | None = None,
              spin_wait: bool = False) -> float:
    """MACs per unit-clock cycle of the placed threads at efficiency 1.

    Static schedule over ``units`` work units (None: divisible without remainder): each thread gets
    ceil(units / threads) of them, so a layer with fewer units than threads leaves threads idle.
    ``spin_wait``: idle threads spin at barriers, so more threads than cores waste cores / threads."""
    rates = []
    for c in placement.cores:
        r = c.macs_per_cycle(unit, fmt)
        if r is None:
            r = c.macs_per_cycle(unit, "fp32") or c.macs_per_cycle(unit, next(iter(unit.precisions)))
        rates.append(r * c.clock_ghz / unit.clock_ghz)
    if schedule == "static":
        # n equal chunks, thread i on core i mod k: the slowest core runs ceil(n / k) of them
        n = placement.threads
        balance = 1.0 if units is None else units / (n * -(-units // n))
        # spin-waiting threads (OpenMP blocktime) hold their core at every barrier: with more threads than
        # cores, a thread's useful share of its core is cores / threads on top of the time sharing
        spin = min(1.0, len(placement.cores) / n) if spin_wait else 1.0
        return n * balance * min(rates) / placement.chunks_per_core * spin
    return sum(rates)


@dataclasses.dataclass(frozen=True)
class RuntimeTerms:
    """A layer's cost split the way calibration factors act on it."""

    gemm_cycles: float       # GEMM-rate work (with the algorithm's transforms and packing) at efficiency 1
    gemm_class: str
    vector_cycles: float     # requantization and element-wise work at efficiency 1
    prior_gemm: float
    prior_vector: float
    memory_cycles: int
    overhead_cycles: float
    key: str                 # runtime/core type or runtime/GPU family: per-key factors
    group: str               # the unit's calibration group (cpu, gpu, nvidia_gpu, dsp, ...): shared factors
    runtime: str
    int8: bool = False       # an int8 MAC layer (the int8 factor scales its GEMM efficiency)
    log2_threads: float = 0.0   # CPU: log2 of the thread count (the threads factor is a per-doubling scaling loss)
    int8_factor: float | None = None   # the runtime's own int8 factor (cited), replacing the fitted shared x key one
    core_key: str = ""          # CPU: runtime/core type, factors on top of the family key's (calibration.yaml cores)
    async_dispatch: bool = False   # launches queued ahead of the device: the layer costs max(work, dispatch)


def runtime_terms(info: LayerInfo, unit: Unit, runtime: Runtime, *, memories=(), threads: int | None = None,
                  cores: str | None = None, profile=None) -> tuple[RuntimeTerms, str, dict]:
    """Factor-free terms of ``info`` on ``unit`` under ``runtime``, its algorithm and traffic details."""
    if unit.kind not in runtime.units:
        raise AccelsimError(f"runtime {runtime.name!r} drives {', '.join(runtime.units)} units, not unit "
                            f"{unit.name!r} ({unit.kind})")
    want = threads or unit.threads
    if runtime.max_threads is not None:   # the stack runs at most this many threads, whatever was asked
        want = min(want or unit.core_count, runtime.max_threads)
    placement = place(unit, want, cores or runtime.default_cores, runtime.all_cores_order) \
        if unit.cost_model == "simd" and unit.kind == "cpu" else None
    core_types = [c.core for c in placement.cores if c.core is not None] if placement is not None else []
    dotprod = all(c.dotprod for c in core_types) if core_types else None   # the slowest core paces a layer
    sdot_lost = bool(dotprod) and not runtime.int8_dotprod and info.precision == "int8"
    if sdot_lost:
        dotprod = False                # a build without SDOT kernels: conv rules take the no-SDOT path
    algorithm = choose_algorithm(info, runtime, unit.kind, dotprod)
    work = algorithm_work(info, algorithm) if algorithm else None
    cls = op_class(info)
    groups = getattr(info.layer, "groups", 1) if info.macs > 0 else 1
    per_group = runtime.grouped_conv == "per_group" and groups > 1
    if per_group:   # each group is a separate dense convolution, launched on its own: the dense conv kernels' class
        cls = "conv"
    fmt = arithmetic_format(info, unit, runtime, placement)
    store_bytes = 2.0 if (fmt == "fp16" or (runtime.fp16_storage and info.precision == "fp32")) else \
        info.act_bytes_per_elem
    gemm_macs = work.gemm_macs if work else (info.macs if info.macs > 0 else 0)
    transform_ops = work.vector_ops if work else 0      # runs inside the conv kernel, at its efficiency
    priced_macs = gemm_macs
    if placement is not None and runtime.neon_register_blocks and fmt in NEON_LANES and gemm_macs:   # CPU GEMMs
        c_out, out_h, out_w = info.out_shape
        if algorithm.startswith("winograd"):
            priced_macs = winograd_priced_macs(algorithm, info.in_shapes[0][0], c_out, out_h, out_w, NEON_LANES[fmt])
        elif algorithm in ("gemm_1x1", "im2col_gemm"):   # output channels x output pixels
            priced_macs = gemm_macs * gemm_slot_ratio(c_out, out_h * out_w, NEON_LANES[fmt])
    vector_ops = 0 if info.macs > 0 else info.elem_ops
    if info.precision == "int8" and info.macs > 0:
        vector_ops += runtime.int8_requant_ops * info.ofmap_elems
        if getattr(info.layer, "quantize_input", False):
            vector_ops += runtime.int8_quantize_ops * info.ifmap_elems
        if getattr(info.layer, "float_activation", False):
            vector_ops += runtime.int8_float_act_ops * info.ofmap_elems
    in_elems = work.ifmap_elems if work else info.ifmap_elems
    out_elems = work.ofmap_elems if work else info.ofmap_elems
    active = 1
    lane_rate = None     # CPU int8 layers: the float lane rate of their element-wise passes
    if placement is not None:
        gemm_rate = _cpu_rate(unit, placement, fmt, runtime.schedule, static_units(info.out_shape[0], fmt),
                              runtime.spin_wait)
        if sdot_lost and fmt == "int8":
            gemm_rate *= 0.5           # SMLAL/SADALP widening MACs: 8 int8 MACs per 128-bit op, SDOT's 16
        vec_rate = gemm_rate
        if fmt == "int8":
            # quantize / dequantize / activation passes are float work at the rate of the float layers around
            # them (fp32 lanes, or fp16 where the runtime stores and computes fp16), not at the int8 MAC rate
            lane_fmt = arithmetic_format(dataclasses.replace(info, precision="fp32"), unit, runtime, placement)
            lane_rate = _cpu_rate(unit, placement, lane_fmt, runtime.schedule,
                                  static_units(info.out_shape[0], lane_fmt), runtime.spin_wait)
        active = len(placement.cores)
        register_bytes = VECTOR_REGISTERS * (unit.lanes or 4) * 4
    elif unit.cost_model == "simt":
        spec = unit.precisions.get(fmt) or unit.precisions.get(info.precision) or next(iter(unit.precisions.values()))
        occ = occupancy(info.ofmap_elems // (groups if per_group else 1), unit.cores, unit.simt or SimtSpec())
        matrix = cls in ("conv", "pointwise", "fc") and runtime.matrix_units
        gemm_rate = (spec.macs_per_cycle if matrix else spec.vector_rate) * occ
        vec_rate = spec.vector_rate * occ
        active = unit.cores
        register_bytes = 64 * 1024
    else:
        spec = unit.precisions.get(fmt) or unit.precisions.get(info.precision)
        if spec is None:
            raise AccelsimError(f"layer {info.name!r}: unit {unit.name!r} does not run precision {info.precision!r}")
        if unit.array is not None:
            gemm_rate = spec.macs_per_cycle
            vec_rate = float(unit.non_mac_lanes)
        else:
            speeds = sum(unit.thread_speeds(threads))
            gemm_rate = (spec.macs_per_cycle if cls in ("conv", "pointwise", "fc") else spec.vector_rate) * speeds
            vec_rate = spec.vector_rate * speeds
            active = len(unit.thread_speeds(threads))
        register_bytes = VECTOR_REGISTERS * (unit.lanes or 4) * 4
    mem = hierarchy_traffic(in_elems * store_bytes, info.model_bytes, out_elems * store_bytes, gemm_macs,
                            store_bytes, list(memories), register_bytes, active, unit.clock_ghz)
    dispatch = runtime.dispatch(unit.kind)
    dispatch_us = unit.layer_overhead_us if dispatch is None else dispatch
    if placement is not None and placement.threads > 1:
        dispatch_us += runtime.sync_us
    if per_group:
        dispatch_us *= groups
    terms = RuntimeTerms(gemm_cycles=(priced_macs / gemm_rate if gemm_macs else 0.0)
                         + (transform_ops / vec_rate if transform_ops else 0.0),
                         gemm_class=cls if info.macs > 0 else "elementwise",
                         vector_cycles=vector_ops / (lane_rate or vec_rate) if vector_ops else 0.0,
                         prior_gemm=unit.efficiency.of(cls), prior_vector=unit.efficiency.of("elementwise"),
                         memory_cycles=mem.memory_cycles, overhead_cycles=dispatch_us * 1e3 * unit.clock_ghz,
                         key=factor_key(runtime, unit, placement, profile), group=unit.group,
                         runtime=factor_runtime(runtime), int8=info.precision == "int8" and info.macs > 0,
                         log2_threads=math.log2(placement.threads) if placement is not None else 0.0,
                         int8_factor=runtime.int8_factor, core_key=core_key(runtime, unit, placement),
                         async_dispatch=unit.kind in runtime.async_dispatch)
    # utilization counts the layer's direct-convolution MACs: Winograd's peak is scaled by the MACs it saves
    detail = {"mem": mem, "fmt": fmt, "threads": placement.threads if placement else None,
              "peak": gemm_rate * max(1.0, info.macs / gemm_macs) if gemm_macs else gemm_rate}
    return terms, algorithm, detail


def combined_factors(rf: dict | None, t: RuntimeTerms) -> dict[str, float]:
    """Per op class: shared (group) x runtime x per-key x per-core-type factor of calibration.yaml's ``runtime_factors``
    (shared ``compute`` on every compute class, ``depthwise`` on top for depthwise layers, ``overhead``)."""
    if not rf:
        return {}
    shared = (rf.get("shared") or {}).get(t.group) or {}
    key = (rf.get("keys") or {}).get(t.key) or {}
    core = (rf.get("cores") or {}).get(t.core_key) or {} if t.core_key else {}
    rt = float((rf.get("runtimes") or {}).get(t.runtime, 1.0))
    out = {c: shared.get("compute", 1.0) * rt * key.get(c, 1.0) * core.get(c, 1.0) for c in COMPUTE_CLASSES}
    out["depthwise"] *= shared.get("depthwise", 1.0)
    for c in ("overhead", "int8", "threads"):
        out[c] = shared.get(c, 1.0) * key.get(c, 1.0) * core.get(c, 1.0)
    if t.int8_factor is not None:
        out["int8"] = t.int8_factor
    return out


def terms_cycles(t: RuntimeTerms, f: dict | None) -> tuple[int, float, int]:
    """(compute cycles, efficiency, overhead cycles) of terms under combined factors ``f`` (None: all 1)."""
    f = f or {}
    eff_g = soft_cap(t.prior_gemm * f.get(t.gemm_class, 1.0) * (f.get("int8", 1.0) if t.int8 else 1.0))
    eff_v = soft_cap(t.prior_vector * f.get("elementwise", 1.0))
    compute = (t.gemm_cycles / eff_g + t.vector_cycles / eff_v) * f.get("threads", 1.0) ** t.log2_threads
    return math.ceil(compute), eff_g, math.ceil(t.overhead_cycles * f.get("overhead", 1.0))


def _dram_cycles(mem, profile, unit: Unit) -> int:
    """DRAM transfer cycles of a layer's traffic, as the analytical fidelity counts them (sim.memory.transfer_cycles;
    restated here because the runtime stage comes before the simulator)."""
    nbytes = mem.dram_read_bytes + mem.dram_write_bytes
    if profile is None or nbytes <= 0 or profile.dram.unlimited:
        return 0
    dram = profile.dram
    return math.ceil(dram.latency_ns * unit.clock_ghz + nbytes / (dram.bandwidth_gbps / unit.clock_ghz))


def cost_with_runtime(info: LayerInfo, unit: Unit, runtime: Runtime, base: LayerCost, *, memories=(),
                      threads: int | None = None, cores: str | None = None,
                      factors: dict | None = None, profile=None) -> LayerCost:
    """``base`` (the unit's own cost of ``info``) re-priced as ``runtime`` runs it.

    ``factors``: calibration.yaml's ``runtime_factors`` (key -> op class -> factor).
    """
    terms, algorithm, detail = runtime_terms(info, unit, runtime, memories=memories, threads=threads, cores=cores,
                                             profile=profile)
    compute, eff, overhead = terms_cycles(terms, combined_factors(factors, terms))
    mem = detail["mem"]
    if terms.async_dispatch:   # the launch of this layer overlapped the previous layers' work: only its excess shows
        overhead = max(0, overhead - max(compute, mem.memory_cycles, _dram_cycles(mem, profile, unit)))
    return dataclasses.replace(base, compute_cycles=compute, efficiency=eff, memory_cycles=mem.memory_cycles,
                               dram_read_bytes=mem.dram_read_bytes, dram_write_bytes=mem.dram_write_bytes,
                               sram_read_bytes=sum(mem.level_bytes.values()), level_bytes=mem.level_bytes,
                               overhead_cycles=overhead, peak_macs_per_cycle=detail["peak"] or base.peak_macs_per_cycle,
                               threads=detail["threads"] if detail["threads"] is not None else base.threads,
                               algorithm=algorithm, runtime=runtime.name)
