"""Result objects of a simulation; ``to_dict()`` is the JSON ``accelsim run --json`` writes."""
from __future__ import annotations

from dataclasses import dataclass, field


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
    algorithm: str = ""               # with a runtime: conv algorithm chosen (winograd_f63, im2col_gemm, fused, ...)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunResult:
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
    runtime: str | None = None          # the runtime (software stack) the run modelled; None = unit cost model alone

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
    def latency_ms(self) -> float:
        return self.total_cycles / (self.clock_ghz * 1e6)

    @property
    def energy_mj(self) -> float:
        return sum(layer.energy_mj for layer in self.layers)

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
            "latency_ms": self.latency_ms, "energy_mj": self.energy_mj, "dram_bytes": self.dram_bytes,
            "macs": self.macs, "utilization": self.utilization,
            "layers": [layer.to_dict() for layer in self.layers],
        }
        if self.compression is not None:
            d["compression"] = self.compression.to_dict()
        return d
