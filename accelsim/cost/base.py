"""What a cost model says about one layer on one unit."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class LayerCost:
    """Analytical cost of one layer on one unit (cycles are the unit's clock cycles)."""

    name: str
    op: str
    unit: str
    precision: str
    macs: int
    compute_cycles: int
    n_tiles: int                 # folds / tiles the layer runs as (event fidelity replays these)
    dram_read_bytes: int
    dram_write_bytes: int
    sram_read_bytes: int
    sram_write_bytes: int
    compute_energy_pj: float
    sram_energy_pj: float
    peak_macs_per_cycle: float
    op_class: str = ""           # conv, depthwise, pointwise, fc or elementwise
    efficiency: float = 1.0      # share of peak the unit reaches on this op class (after calibration)
    memory_cycles: int = 0       # slowest on-chip memory level's transfer time (caches, scratchpads)
    overhead_cycles: int = 0     # fixed per-layer cost (launch, sync, dispatch), added after the roofline
    threads: int | None = None   # simd units: threads the layer ran on
    level_bytes: dict[str, int] = field(default_factory=dict)  # traffic served by each on-chip level
    compress_cycles: int = 0     # unpack / decode / hash work the MAC array overlaps (accelsim/cost/compression.py)
    mapping: dict | None = None  # systolic auto mapping: dataflow, tile, spatial dims (accelsim/map/array_mapping.py)
    emulated: bool = False       # the layer's format is computed in a wider one the unit has
    effective_macs: int | None = None  # MACs executed (zero skipping skips some); None: all of ``macs``
    dram_parts: dict | None = None  # systolic: DRAM bytes by operand (ifmap_read, weight_read, psum_read, ofmap_write)
    algorithm: str = ""          # with a runtime: the conv algorithm it chose (im2col_gemm, winograd_f63, fused, ...)
    runtime: str = ""            # the runtime (software stack) that priced the layer; "" = the unit's cost model alone

    @property
    def dram_bytes(self) -> int:
        return self.dram_read_bytes + self.dram_write_bytes

    def to_dict(self) -> dict:
        d = asdict(self)
        d["dram_bytes"] = self.dram_bytes
        return d
