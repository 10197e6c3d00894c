"""Result objects of a simulation; ``to_dict()`` is the JSON ``accelsim run --json`` writes."""
from __future__ import annotations

from dataclasses import dataclass, field

from accelsim.frames import ResultViews


def _provenance(inputs: dict | None) -> dict:
    """``accelsim_version`` always, and the ``inputs`` block when the run recorded one."""
    from accelsim import __version__
    return {"accelsim_version": __version__, **({"inputs": inputs} if inputs is not None else {})}


@dataclass(frozen=True)
class LayerResult:
    name: str
    op: str
    unit: str
    precision: str
    macs: int
    compute_cycles: int
    stall_cycles: int
    total_cycles: int
    latency_ms: float
    energy_mj: float
    dram_bytes: int
    dram_read_bytes: int
    dram_write_bytes: int
    sram_bytes: int
    utilization: float
    cycle_detail: dict | None = None  # cycle fidelity: what the kernel measured, or why it fell back
    op_class: str = ""                # conv, depthwise, pointwise, fc or elementwise (accelsim/cost/opclass.py)
    overhead_cycles: int = 0          # fixed per-layer cost (launch, sync, dispatch); stall_cycles is memory only
    bound: str = ""                   # compute | memory | overhead: the largest of the three parts
    compute_energy_mj: float = 0.0    # MACs, instructions and the unit's busy power
    sram_energy_mj: float = 0.0       # on-chip memory (scratchpads, caches)
    dram_energy_mj: float = 0.0       # DRAM reads and writes
    static_energy_mj: float = 0.0     # leakage, SoC always-on and DRAM background over the layer's time
    mapping: dict | None = None       # systolic auto mapping chosen (accelsim/map/array_mapping.py)
    emulated: bool = False            # the layer's format ran in a wider one the unit has
    algorithm: str = ""               # with a runtime: conv algorithm chosen (winograd_f63, im2col_gemm, fused, ...)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, repr=False)   # repr: ResultViews' one line
class RunResult(ResultViews):
    profile: str
    workload: str
    fidelity: str
    unit: str
    dataflow: str | None
    clock_ghz: float
    layers: list[LayerResult] = field(default_factory=list)
    threads: int | None = None          # simd units: threads used
    calibration: str | None = None      # where the unit's fitted factors came from; None = spec alone
    compression: object | None = None  # accelsim.compress.CompressionSummary when run with compress=
    inputs: dict | None = None          # accelsim.provenance.run_inputs: version, profile content + hash, options
    power_mode: str | None = None       # the profile's power mode the run used (None: the profile has none)
    board_extra_mw: float = 0.0         # board power beyond the SoC's (profile power.board_idle_w - always-on)
    runtime: str | None = None          # the runtime (software stack) the run modelled; None = unit cost model alone
    host_link: object | None = None     # accelsim.sim.host_link.HostTransfer: input upload + output download
    host_cpu_mw: float = 0.0            # SoC CPU cores the runtime's host side keeps busy (cost/power.host_busy_mw)

    @property
    def total_cycles(self) -> int:
        return sum(layer.total_cycles for layer in self.layers)

    @property
    def compute_cycles(self) -> int:
        return sum(layer.compute_cycles for layer in self.layers)

    @property
    def stall_cycles(self) -> int:
        return sum(layer.stall_cycles for layer in self.layers)

    @property
    def overhead_cycles(self) -> int:
        return sum(layer.overhead_cycles for layer in self.layers)

    @property
    def latency_ms(self) -> float:
        """The unit's cycles at its clock, plus the host link's transfers when the run has one."""
        link_ms = self.host_link.transfer_ms if self.host_link is not None else 0.0
        return self.total_cycles / (self.clock_ghz * 1e6) + link_ms

    @property
    def energy_mj(self) -> float:
        link_mj = self.host_link.energy_mj if self.host_link is not None else 0.0
        return sum(layer.energy_mj for layer in self.layers) + link_mj + self.host_cpu_energy_mj

    @property
    def host_cpu_energy_mj(self) -> float:
        """The host CPU cores' busy energy over the whole run (0 unless the runtime declares host cores)."""
        return self.host_cpu_mw * self.latency_ms * 1e-3   # mW * ms = uJ

    @property
    def board_energy_mj(self) -> float:
        """Energy at the board's DC input: the SoC + DRAM energy plus the rest of the idle board over the run."""
        return self.energy_mj + self.board_extra_mw * self.latency_ms * 1e-3   # mW * ms = uJ

    @property
    def avg_power_w(self) -> float:
        """SoC + DRAM average power over the run (mJ / ms = W)."""
        return self.energy_mj / self.latency_ms if self.latency_ms > 0 else 0.0

    def energy_parts_mj(self) -> dict[str, float]:
        """The run's energy split into compute, on-chip memory (sram), DRAM and static (and host_link: the
        chip waiting for its input and output, when the run has a host link)."""
        parts = {"compute": sum(x.compute_energy_mj for x in self.layers),
                 "sram": sum(x.sram_energy_mj for x in self.layers),
                 "dram": sum(x.dram_energy_mj for x in self.layers),
                 "static": sum(x.static_energy_mj for x in self.layers)}
        if self.host_link is not None:
            parts["host_link"] = self.host_link.energy_mj
        if self.host_cpu_mw:
            parts["host_cpu"] = self.host_cpu_energy_mj
        return parts

    @property
    def dram_bytes(self) -> int:
        return sum(layer.dram_bytes for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def utilization(self) -> float:
        """MACs done over the MACs the unit could have done in the run's cycles."""
        peak = sum(layer.utilization * layer.total_cycles for layer in self.layers)
        return peak / self.total_cycles if self.total_cycles else 0.0

    def to_dict(self) -> dict:
        d = {
            "profile": self.profile, "workload": self.workload, "fidelity": self.fidelity, "unit": self.unit,
            "dataflow": self.dataflow, "clock_ghz": self.clock_ghz, "threads": self.threads,
            "calibration": self.calibration, "runtime": self.runtime, "total_cycles": self.total_cycles,
            "compute_cycles": self.compute_cycles, "stall_cycles": self.stall_cycles,
            "overhead_cycles": self.overhead_cycles,
            "latency_ms": self.latency_ms, "energy_mj": self.energy_mj, "board_energy_mj": self.board_energy_mj,
            "avg_power_w": self.avg_power_w, "power_mode": self.power_mode, "energy_parts_mj": self.energy_parts_mj(),
            "dram_bytes": self.dram_bytes,
            "macs": self.macs, "utilization": self.utilization,
            "layers": [layer.to_dict() for layer in self.layers],
        }
        if self.host_link is not None:
            d["host_link"] = self.host_link.to_dict()
        if self.compression is not None:
            d["compression"] = self.compression.to_dict()
        d.update(_provenance(self.inputs))
        return d
