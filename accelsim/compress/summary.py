"""Before/after figures of a compression: what it bought in size, work, traffic, time and energy.

The workload figures (params, nonzero params, model bytes, MACs, effective
MACs, bit-operations) come from the workload alone; the run figures (DRAM
bytes, latency, energy) are filled in from a simulation of it by the caller
(``accelsim.simulate(..., compress=SPEC)``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from accelsim.compress.base import LineageStep
from accelsim.workload.graph import Workload

RUN_FIELDS = ("dram_bytes", "latency_ms", "energy_mj")


@dataclass(frozen=True)
class WorkloadFigures:
    params: int
    nonzero_params: int
    model_bytes: int
    macs: int
    effective_macs: int
    bit_ops: int
    dram_bytes: int | None = None
    latency_ms: float | None = None
    energy_mj: float | None = None

    def with_run(self, run) -> "WorkloadFigures":
        """These figures plus ``run``'s DRAM bytes, latency and energy (any object with them)."""
        return replace(self, **{k: getattr(run, k) for k in RUN_FIELDS})

    def to_dict(self) -> dict:
        return asdict(self)


def workload_figures(wl: Workload) -> WorkloadFigures:
    return WorkloadFigures(params=wl.params, nonzero_params=wl.nonzero_params, model_bytes=wl.model_bytes,
                           macs=wl.macs, effective_macs=wl.effective_macs, bit_ops=wl.bit_ops)


@dataclass(frozen=True)
class CompressionSummary:
    """The ``compression`` block of a run: the spec, its lineage and the figures before and after."""

    spec: str
    lineage: tuple[LineageStep, ...]
    before: WorkloadFigures
    after: WorkloadFigures

    def ratios(self) -> dict[str, float | None]:
        """after / before for every figure (None where before is zero or unknown)."""
        out = {}
        for key, b in self.before.to_dict().items():
            a = getattr(self.after, key)
            out[key] = a / b if a is not None and b else None
        return out

    def to_dict(self) -> dict:
        return {"spec": self.spec, "lineage": [s.to_dict() for s in self.lineage],
                "before": self.before.to_dict(), "after": self.after.to_dict(), "ratio": self.ratios()}
