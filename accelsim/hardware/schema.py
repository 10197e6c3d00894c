"""Pydantic schema of a hardware profile (a system on chip).

A profile lists compute units, the memory levels they use, one shared DRAM and
the public sources its numbers come from. Units are described by the cost
model that prices them, a clock, and the precisions they support with their
MACs per cycle:

- ``systolic`` (NPU, DLA, NCE): a MAC array (rows x cols, dataflow) with
  scratchpads; ``macs_per_cycle`` is the whole array's, so
  ``macs_per_cycle / (rows * cols)`` is each PE's rate (fp16 at 512 on a
  32x32 array: one MAC every 2 cycles). Growing the array without scaling it
  makes every PE slower (a 128x128 array at 1024 int8 MACs/cycle: one MAC per
  PE every 16 cycles); the sweeps' overrides scale it with rows x cols.
- ``simd`` (CPU cores with NEON, Hexagon HVX, Myriad SHAVE): ``cores`` vector
  processors (or ``clusters`` of them at their own clocks); ``macs_per_cycle``
  is **per core** and threads take cores in listed order.
- ``simt`` (Adreno, Mali, NVIDIA GPUs): ``lanes`` ALUs in ``cores`` shader
  cores / SMs; ``macs_per_cycle`` is the whole GPU's (tensor-core rate where
  the format runs on tensor cores, ``vector_macs_per_cycle`` the ALU rate).

Every unit may name the on-chip memory levels it uses (caches, scratchpads;
inner to outer, DRAM last and implicit), a per-op ``efficiency`` (share of
peak reached on dense conv, depthwise, 1x1, fully connected and element-wise
layers) and a fixed per-layer overhead. Energies left out are derived from
the Horowitz (ISSCC 2014, 45 nm) table scaled to the profile's ``process_nm``.
"""
from __future__ import annotations

import math
from typing import Literal

from pydantic import ConfigDict, Field, PositiveFloat, PositiveInt, model_validator

from accelsim.hardware.limits_check import LimitedModel, check_array_rate

UnitKind = Literal["cpu", "gpu", "dsp", "vpu", "npu", "dla"]
CostModel = Literal["systolic", "simd", "simt"]
Dataflow = Literal["os", "ws", "is"]
PrecisionName = Literal["fp32", "fp16", "bf16", "int16", "int8", "int4", "ternary", "binary"]

PRECISION_BITS: dict[str, int] = {
    "fp32": 32, "fp16": 16, "bf16": 16, "int16": 16, "int8": 8, "int4": 4, "ternary": 2, "binary": 1,
}


class _Strict(LimitedModel):  # finite, bounded numbers (accelsim/limits.py)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Source(_Strict):
    """Where a number was seen: a datasheet, paper, vendor page or review."""

    id: str
    title: str
    url: str | None = None
    note: str | None = None


class PrecisionSpec(_Strict):
    """Throughput and energy of one numeric format on one unit.

    ``energy_pj_per_mac`` may be left out: it is then the Horowitz 45 nm figure
    scaled to the profile's process node (filled in when the profile loads).
    """

    macs_per_cycle: PositiveFloat
    energy_pj_per_mac: float | None = Field(default=None, ge=0)
    vector_macs_per_cycle: PositiveFloat | None = Field(
        default=None, description="rate of work that cannot use the matrix engine (depthwise, element-wise): "
                                  "e.g. CUDA cores when macs_per_cycle is the tensor-core rate; default: macs_per_cycle")
    via: str | None = Field(default=None, description="how the rate is reached, e.g. 'SDOT', 'tensor cores', 'HVX vrmpy'")
    source: str | None = None

    @property
    def vector_rate(self) -> float:
        return self.vector_macs_per_cycle or self.macs_per_cycle


class MacArray(_Strict):
    """A 2-D systolic MAC array."""

    rows: PositiveInt
    cols: PositiveInt
    dataflow: Dataflow = "ws"
    dataflows: list[Dataflow] | None = Field(
        default=None, description="further dataflows the array supports; the auto mapper picks per layer")


class Scratchpad(_Strict):
    """The unit's on-chip SRAM split as SCALE-Sim splits it: ifmap, filter, ofmap.

    ``energy_pj_per_byte`` left out of a profile file is the Horowitz SRAM
    figure of the average buffer's size, node-scaled (accelsim/hardware/energy.py).
    """

    ifmap_bytes: PositiveInt
    filter_bytes: PositiveInt
    ofmap_bytes: PositiveInt
    energy_pj_per_byte: float = Field(default=0.0, ge=0)
    double_buffered: bool = True


class ZeroSkip(_Strict):
    """The array skips multiply-accumulates with a zero operand (see accelsim.kernels.cycles).

    ``granularity``: consecutive steps of the streamed dimension skipped together (1 = any
    single zero step). ``operands``: whose zeros are detected.
    """

    granularity: PositiveInt = 1
    operands: Literal["weights", "activations", "both"] = "weights"


class StructuredSparsity(_Strict):
    """N:M structured-sparse MACs (Ampere sparse tensor cores, Orin DLA): weights with at most ``n``
    nonzeros in every ``m`` consecutive input channels are stored compressed (values + position
    metadata) and the array reads only the ``n`` kept values, so the reduction shrinks by m/n.
    Layers whose weights break the pattern, or whose few channels padded to ``m`` would not
    shorten the reduction, run dense (see accelsim.kernels.conv).
    """

    n: PositiveInt = 2
    m: PositiveInt = 4

    @model_validator(mode="after")
    def _check(self) -> "StructuredSparsity":
        if self.n >= self.m:
            raise ValueError(f"structured_sparsity: n {self.n} must be < m {self.m}")
        return self


class CompressedMemory(_Strict):
    """Zero-aware storage in DRAM and SRAM (accelsim.kernels.compressed): ``rle`` (Eyeriss: 5-bit zero
    runs + values) or ``bitmap`` (NVDLA weight compression: a mask bit per element + nonzero values)."""

    format: Literal["rle", "bitmap"] = "bitmap"
    operands: Literal["weights", "activations", "both"] = "both"


OP_CLASSES = ("conv", "depthwise", "pointwise", "fc", "elementwise")


class OpEfficiency(_Strict):
    """Share of peak throughput a unit reaches per kind of layer, in (0, 1].

    conv: dense KxK convolution; depthwise: one filter per channel; pointwise:
    1x1 convolution; fc: fully connected (matrix-vector at batch 1);
    elementwise: pooling, add, concat (share of the vector rate).
    """

    conv: float = Field(default=1.0, gt=0, le=1)
    depthwise: float = Field(default=1.0, gt=0, le=1)
    pointwise: float = Field(default=1.0, gt=0, le=1)
    fc: float = Field(default=1.0, gt=0, le=1)
    elementwise: float = Field(default=1.0, gt=0, le=1)

    def of(self, op_class: str) -> float:
        return getattr(self, op_class)


class InstructionEnergy(_Strict):
    """Energy a programmable (simd, simt) unit spends per instruction beyond its arithmetic, in pJ at the
    profile's process node. Left out, each field is the Horowitz 45 nm figure node-scaled
    (accelsim/hardware/energy.py); the cost models amortise it over the MACs one instruction does.
    """

    issue_pj: float = Field(ge=0, description="instruction fetch, decode and control, once per issued instruction")
    lane_pj: float = Field(ge=0, description="register-file operand reads and write per 32-bit lane")
    lanes_per_issue: PositiveInt | None = Field(
        default=None, description="simt: threads (lanes) sharing one issued instruction, a warp or wave; "
                                  "simd units issue one instruction per vector of 'lanes'")


class OperatingPoint(_Strict):
    """A DVFS point of a unit: clock and the supply voltage it runs at."""

    clock_ghz: PositiveFloat = Field(allow_inf_nan=False)
    voltage_v: float = Field(gt=0, le=2, allow_inf_nan=False)


class CoreCluster(_Strict):
    """Identical cores at one clock (a big.LITTLE cluster); threads fill clusters in listed order."""

    name: str
    count: PositiveInt
    clock_ghz: PositiveFloat
    macs_scale: PositiveFloat = Field(
        default=1.0, description="per-cycle throughput relative to the unit's precisions table (little cores < 1)")
    core: str | None = Field(default=None, description="core type in hw_profiles/core_types.yaml (e.g. cortex-a76); "
                                                       "gives the cluster its own precisions, fp16 and dot-product support")


class SimtSpec(_Strict):
    """How a GPU spreads a layer: thread blocks of outputs over its cores (SMs), in waves."""

    outputs_per_block: PositiveInt = Field(default=4096, description="output elements one thread block computes")
    blocks_per_core: PositiveInt = Field(default=2, description="thread blocks resident on one core (SM) at once")


class Unit(_Strict):
    """One compute unit of the chip."""

    name: str
    kind: UnitKind
    cost_model: CostModel
    clock_ghz: PositiveFloat
    array: MacArray | None = None
    lanes: PositiveInt | None = None
    vector_lanes: PositiveInt | None = Field(
        default=None, description="elements per cycle for non-MAC ops (pooling, add); default: array cols or lanes")
    precisions: dict[PrecisionName, PrecisionSpec]
    sram: Scratchpad | None = None
    zero_skip: ZeroSkip | None = None
    mapping: Literal["auto", "scalesim"] = Field(
        default="auto", description="systolic: 'auto' searches the fastest array mapping per layer "
                                        "(accelsim/map); 'scalesim' prices SCALE-Sim v3's fixed mapping exactly")
    bit_serial: Literal["stripes", "pragmatic"] | None = Field(
        default=None, description="systolic: PEs take activations one bit per cycle (Stripes: the layer's "
                                  "precision; Bit-Pragmatic: each activation's essential bits); macs_per_cycle "
                                  "is the full-precision rate")
    compressed_memory: CompressedMemory | None = Field(
        default=None, description="cycle fidelity: weights / input activations move and sit compressed, "
                                  "measured on the tensors (default: dense)")
    structured_sparsity: StructuredSparsity | None = Field(
        default=None, description="systolic: N:M sparse weights run at m/n the dense rate (default: none)")
    static_power_mw: float = Field(default=0.0, ge=0)
    cores: PositiveInt = Field(default=1, description="simd: vector processors (cores, HVX contexts, SHAVEs); "
                                                      "simt: shader cores / SMs")
    clusters: list[CoreCluster] | None = Field(
        default=None, description="simd CPUs: clusters in the order threads take them (overrides cores)")
    threads: PositiveInt | None = Field(default=None, description="simd: default thread count (default: all cores)")
    simt: SimtSpec | None = None
    efficiency: OpEfficiency = Field(default_factory=OpEfficiency)
    instruction_energy: InstructionEnergy | None = Field(
        default=None, description="simd/simt: per-instruction overhead energy (filled from Horowitz when left out)")
    layer_overhead_us: float = Field(default=0.0, ge=0, description="fixed cost per layer: kernel launch, "
                                                                     "thread-pool sync, DSP/NPU op dispatch")
    memories: list[str] = Field(default_factory=list, description="on-chip memory levels used, inner to outer")
    busy_power_mw: float = Field(
        default=0.0, ge=0, allow_inf_nan=False,
        description="dynamic power beyond the per-operation energies while the unit runs (clock tree, pipeline "
                    "control, cache activity), at clock_ghz and its voltage: per core for simd units (times the "
                    "cores a layer uses), the whole unit otherwise")
    busy_power_measured: bool = Field(
        default=False, description="busy_power_mw comes from a cited power measurement of this core or unit, not "
                                   "the kind's default estimate: the fitted busy-power factor leaves it (and the "
                                   "leakage derived from it) alone")
    operating_points: list[OperatingPoint] | None = Field(
        default=None, description="DVFS points (clock, voltage); power modes pick clocks among them")
    calibration_group: str | None = Field(
        default=None, description="units that share group-level calibration factors (default: the unit's kind)")
    vulkan_fp16_arith: bool | None = Field(
        default=None, description="GPU: whether its Vulkan driver exposes fp16 shader arithmetic (shaderFloat16; "
                                  "ncnn prints it as fp16a); false: Vulkan runtimes compute fp32 layers in fp32. "
                                  "None: as the unit's precisions say")
    calibration: str | None = Field(default=None, description="set when fitted factors were applied")
    sources: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_shape(self) -> "Unit":
        if self.cost_model == "systolic" and self.array is None:
            raise ValueError("a systolic unit needs 'array' (rows, cols, dataflow)")
        if self.cost_model in ("simd", "simt") and self.lanes is None:
            raise ValueError(f"a {self.cost_model} unit needs 'lanes'")
        if not self.precisions:
            raise ValueError("'precisions' must list at least one format")
        if self.clusters and self.cost_model != "simd":
            raise ValueError("'clusters' is for simd units (CPUs)")
        if self.instruction_energy is not None and self.cost_model == "systolic":
            raise ValueError("'instruction_energy' is for simd and simt units (a systolic array has no "
                             "instruction per MAC)")
        if self.instruction_energy is not None and self.instruction_energy.lanes_per_issue and \
                self.cost_model != "simt":
            raise ValueError("'instruction_energy.lanes_per_issue' is for simt units; a simd instruction "
                             "covers the unit's 'lanes'")
        if self.operating_points is not None:
            if not self.operating_points:
                raise ValueError("'operating_points' must list at least one (clock_ghz, voltage_v) point")
            clocks = [p.clock_ghz for p in self.operating_points]
            if clocks != sorted(clocks) or len(set(clocks)) != len(clocks):
                raise ValueError(f"'operating_points' must be in rising clock order without repeats, got {clocks}")
            if self.clock_ghz > clocks[-1] * (1 + 1e-9):
                raise ValueError(f"clock_ghz {self.clock_ghz} is above the highest operating point {clocks[-1]}")
        check_array_rate(self)
        return self

    @property
    def group(self) -> str:
        """Calibration group: units of one family (e.g. NVIDIA GPUs) share group-level factors."""
        return self.calibration_group or self.kind

    @property
    def core_count(self) -> int:
        return sum(c.count for c in self.clusters) if self.clusters else self.cores

    def thread_speeds(self, threads: int | None = None) -> list[float]:
        """Relative speed of each core a run with ``threads`` threads uses (1.0 = one core at clock_ghz)."""
        n = threads or self.threads or self.core_count
        if not self.clusters:
            return [1.0] * min(n, self.cores)
        speeds = [c.clock_ghz / self.clock_ghz * c.macs_scale for c in self.clusters for _ in range(c.count)]
        return speeds[:n]

    @property
    def pe_count(self) -> int:
        return self.array.rows * self.array.cols if self.array else int(self.lanes or 1)

    @property
    def non_mac_lanes(self) -> int:
        if self.vector_lanes:
            return self.vector_lanes
        return self.array.cols if self.array else int(self.lanes or 1)


class MemoryLevel(_Strict):
    """A memory level: size, bandwidth, latency and energy per byte.

    ``per_core`` levels (L1, a core's L2, a SHAVE's CMX slice) give size and
    bandwidth of one core's share. ``energy_pj_per_byte`` left out of an
    on-chip level is derived from its size (Horowitz SRAM table, node-scaled).
    """

    name: str
    kind: Literal["cache", "scratchpad", "dram"] = "cache"
    per_core: bool = False
    size_bytes: PositiveInt | None = None
    bandwidth_gbps: PositiveFloat | None = Field(
        default=None, description="GB/s (1e9 bytes/s); omitted = unlimited")
    latency_ns: float = Field(default=0.0, ge=0)
    energy_pj_per_byte: float = Field(default=0.0, ge=0)
    shared_by: list[str] | None = None
    generation: Literal["lpddr2", "lpddr3", "lpddr4", "lpddr4x", "lpddr5", "ddr4"] | None = Field(
        default=None, description="dram: the memory generation; fills read/write energy and background power "
                                  "(accelsim/hardware/dram.py) unless given")
    write_energy_pj_per_byte: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="dram: energy per byte written (default: as read)")
    background_power_mw: float = Field(
        default=0.0, ge=0, allow_inf_nan=False, description="dram: active-standby + refresh power while a run "
                                                           "keeps the memory awake (DRAM and PHY)")

    @property
    def write_pj_per_byte(self) -> float:
        return self.energy_pj_per_byte if self.write_energy_pj_per_byte is None else self.write_energy_pj_per_byte

    @property
    def unlimited(self) -> bool:
        return self.bandwidth_gbps is None or math.isinf(self.bandwidth_gbps)


class PowerMode(_Strict):
    """A named operating mode (an nvpmodel preset, a phone governor): the clock of each unit it changes."""

    clocks_ghz: dict[str, PositiveFloat] = Field(description="unit name -> clock; unlisted units keep clock_ghz")
    note: str | None = None
    source: str | None = None


class PowerSpec(_Strict):
    """Power beyond the units' own: SoC always-on rails, the board around the chip, power modes.

    ``board_idle_w`` is the whole board measured idle at its DC input (regulators,
    carrier, fan, the SoC idling); ``soc_always_on_mw`` is the part of the SoC that
    stays on during a run whatever unit works (fabric, memory controller, always-on
    island) and is counted in a run's ``energy_mj``; a board-scope energy adds the
    rest of the idle board, ``board_idle_w - soc_always_on_mw``, over the run.
    """

    soc_always_on_mw: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    board_idle_w: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    psu_efficiency: float = Field(default=1.0, gt=0, le=1, allow_inf_nan=False,
                                  description="wall adapter efficiency, for wall-scope energy")
    power_modes: dict[str, PowerMode] = Field(default_factory=dict)
    default_power_mode: str | None = Field(
        default=None, description="the mode whose clocks the units list (the one the cited measurements used)")
    sources: list[str] = Field(default_factory=list)

    @property
    def board_extra_mw(self) -> float:
        """Board idle power not already in a run's SoC energy."""
        return max(0.0, self.board_idle_w * 1e3 - self.soc_always_on_mw)


class HostLink(_Strict):
    """One bus a host can reach the chip over (a USB stick's USB 2 or USB 3 port): what a transfer costs."""

    bandwidth_mb_per_s: PositiveFloat = Field(description="usable bulk throughput, 1e6 bytes per second")
    latency_us: float = Field(default=0.0, ge=0, allow_inf_nan=False,
                              description="fixed cost of one transfer (bus scheduling, the driver's round trip)")
    source: str = Field(description="id of the source the figures come from (or the estimate's derivation)")
    note: str | None = None


class HostLinkSpec(_Strict):
    """Buses a unit attached to a host is reached over; a run that names one adds the input upload and the
    output download (accelsim/sim/host_link.py). ``default``: the link the chip is built for."""

    links: dict[str, HostLink]
    default: str


class Profile(_Strict):
    """A whole system on chip."""

    name: str
    description: str = ""
    process_nm: PositiveFloat | None = Field(default=None, description="process node, for energy scaling")
    units: list[Unit]
    memories: list[MemoryLevel] = Field(default_factory=list)
    dram: MemoryLevel
    sources: list[Source]
    default_unit: str | None = None
    use_calibration: bool = Field(default=True, description="false: always priced from the spec alone")
    power: PowerSpec | None = None
    host_link: HostLinkSpec | None = Field(
        default=None, description="a chip on a bus (a USB stick): the links a host reaches it over")

    @model_validator(mode="before")
    @classmethod
    def _derive_energies(cls, data):
        from accelsim.hardware.energy import fill_energies
        return fill_energies(data)

    @model_validator(mode="after")
    def _check_refs(self) -> "Profile":
        if not self.units:
            raise ValueError("a profile needs at least one unit")
        names = [u.name for u in self.units]
        if len(set(names)) != len(names):
            raise ValueError(f"unit names must be unique, got {names}")
        if self.default_unit is not None and self.default_unit not in names:
            raise ValueError(f"default_unit {self.default_unit!r} is not one of the units {names}")
        if not self.sources:
            raise ValueError("'sources' must cite at least one public source")
        ids = {s.id for s in self.sources}
        mems = {m.name for m in self.memories}
        for u in self.units:
            missing = [s for s in u.sources if s not in ids]
            if missing:
                raise ValueError(f"unit {u.name!r} cites unknown source ids {missing}; known: {sorted(ids)}")
            unknown = [m for m in u.memories if m not in mems]
            if unknown:
                raise ValueError(f"unit {u.name!r} uses unknown memory levels {unknown}; known: {sorted(mems)}")
        if self.power is not None:
            self._check_power(names, ids)
        if self.host_link is not None:
            if self.host_link.default not in self.host_link.links:
                raise ValueError(f"host_link.default {self.host_link.default!r} is not one of the links "
                                 f"{sorted(self.host_link.links)}")
            for link_name, link in self.host_link.links.items():
                if link.source not in ids:
                    raise ValueError(f"host_link {link_name!r} cites unknown source id {link.source!r}; "
                                     f"known: {sorted(ids)}")
        return self

    def _check_power(self, names: list[str], ids: set[str]) -> None:
        power = self.power
        missing = [s for s in power.sources if s not in ids]
        if missing:
            raise ValueError(f"power cites unknown source ids {missing}; known: {sorted(ids)}")
        if power.default_power_mode is not None and power.default_power_mode not in power.power_modes:
            raise ValueError(f"power.default_power_mode {power.default_power_mode!r} is not one of the power_modes "
                             f"{sorted(power.power_modes)}")
        units = {u.name: u for u in self.units}
        if power.default_power_mode is not None:
            for unit_name, clock in power.power_modes[power.default_power_mode].clocks_ghz.items():
                if unit_name in units and abs(units[unit_name].clock_ghz - clock) > 1e-9:
                    raise ValueError(f"power.default_power_mode {power.default_power_mode!r} sets unit "
                                     f"{unit_name!r} to {clock} GHz; the unit lists {units[unit_name].clock_ghz} "
                                     f"(a profile's clocks are its default mode's)")
        for mode_name, mode in power.power_modes.items():
            for unit_name, clock in mode.clocks_ghz.items():
                if unit_name not in units:
                    raise ValueError(f"power mode {mode_name!r} sets unknown unit {unit_name!r}; units are {names}")
                ops = units[unit_name].operating_points
                if not ops:
                    raise ValueError(f"power mode {mode_name!r} sets unit {unit_name!r}'s clock, but the unit has "
                                     f"no operating_points to take its voltage from")
                if clock > ops[-1].clock_ghz * (1 + 1e-9):
                    raise ValueError(f"power mode {mode_name!r}: unit {unit_name!r} clock {clock} GHz is above its "
                                     f"highest operating point {ops[-1].clock_ghz} GHz")

    def memory(self, name: str) -> MemoryLevel:
        return next(m for m in self.memories if m.name == name)

    def unit_memories(self, unit: "Unit") -> list[MemoryLevel]:
        """The on-chip levels ``unit`` uses, inner to outer (DRAM not included)."""
        return [self.memory(n) for n in unit.memories]

    def unit(self, name: str | None = None) -> Unit:
        """The named unit, or the default unit (the first one if none is set)."""
        key = name or self.default_unit
        if key is None:
            return self.units[0]
        for u in self.units:
            if u.name == key:
                return u
        from accelsim.errors import AccelsimError
        raise AccelsimError(
            f"profile {self.name}: unit {key!r} not found; units are {[u.name for u in self.units]}")
