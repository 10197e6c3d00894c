"""Result of one network partitioned over several units (``accelsim run --unit auto``)."""
from __future__ import annotations

from dataclasses import dataclass, field

from accelsim.frames import ResultViews

from accelsim.sim.result import LayerResult, _provenance


@dataclass(frozen=True)
class CopyResult:
    """A tensor copied from one unit to another before a layer that reads it."""

    tensor: str
    src: str
    dst: str
    via: str
    moved_bytes: int
    latency_ms: float
    energy_mj: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, repr=False)   # repr: ResultViews' one line
class SocRunResult(ResultViews):
    """Per-layer results (each on its own unit and clock) plus the copies between units.

    ``latency_ms`` is end to end: layers and copies back to back (analytical) or
    the simulated time from the first layer's start to the last layer's end (event).
    """

    profile: str
    workload: str
    fidelity: str
    objective: str
    latency_ms: float
    latency_bound_ms: float | None
    bound_met: bool
    exact: bool
    layers: list[LayerResult] = field(default_factory=list)
    copies: list[CopyResult] = field(default_factory=list)
    unit: str = "auto"
    inputs: dict | None = None          # accelsim.provenance.run_inputs: version, profile content + hash, options
    power_mode: str | None = None       # the profile's power mode the run used
    board_extra_mw: float = 0.0         # board power beyond the SoC's (accelsim/cost/power.py)

    @property
    def mapping(self) -> dict[str, str]:
        return {layer.name: layer.unit for layer in self.layers}

    @property
    def energy_mj(self) -> float:
        return sum(x.energy_mj for x in self.layers) + sum(c.energy_mj for c in self.copies)

    @property
    def board_energy_mj(self) -> float:
        """Energy at the board's DC input: SoC + DRAM plus the rest of the idle board over the run."""
        return self.energy_mj + self.board_extra_mw * self.latency_ms * 1e-3

    @property
    def avg_power_w(self) -> float:
        return self.energy_mj / self.latency_ms if self.latency_ms > 0 else 0.0

    @property
    def dram_bytes(self) -> int:
        return sum(x.dram_bytes for x in self.layers) + sum(c.moved_bytes for c in self.copies if c.via == "dram")

    @property
    def macs(self) -> int:
        return sum(x.macs for x in self.layers)

    @property
    def compute_ms(self) -> float:
        """Time spent in layers (without copies)."""
        return sum(x.latency_ms for x in self.layers)

    def unit_ms(self) -> dict[str, float]:
        """Milliseconds each unit spends running layers."""
        out: dict[str, float] = {}
        for x in self.layers:
            out[x.unit] = out.get(x.unit, 0.0) + x.latency_ms
        return out

    def to_dict(self) -> dict:
        return {
            "profile": self.profile, "workload": self.workload, "fidelity": self.fidelity, "unit": self.unit,
            "objective": self.objective, "latency_ms": self.latency_ms, "energy_mj": self.energy_mj,
            "board_energy_mj": self.board_energy_mj, "avg_power_w": self.avg_power_w, "power_mode": self.power_mode,
            "dram_bytes": self.dram_bytes, "macs": self.macs, "latency_bound_ms": self.latency_bound_ms,
            "bound_met": self.bound_met, "exact": self.exact, "unit_ms": self.unit_ms(), "mapping": self.mapping,
            "copies": [c.to_dict() for c in self.copies], "layers": [x.to_dict() for x in self.layers],
            **_provenance(self.inputs),
        }

