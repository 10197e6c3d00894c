"""Small multi-unit profiles and workloads for the SoC tests (made-up test chips, not hardware claims)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from accelsim.hardware import Profile, load_profile
from accelsim.validation import validate
from accelsim.workload import Add, Concat, Conv2d, Dense, Layer, Pool2d, Workload


def _unit(name, kind, rows, cols, clock, precisions, sram_kb=64, static_mw=0.0, dataflow="ws"):
    return {"name": name, "kind": kind, "cost_model": "systolic", "clock_ghz": clock,
            "array": {"rows": rows, "cols": cols, "dataflow": dataflow},
            "precisions": {p: {"macs_per_cycle": rows * cols * f, "energy_pj_per_mac": e}
                           for p, (f, e) in precisions.items()},
            "sram": {"ifmap_bytes": sram_kb * 1024, "filter_bytes": sram_kb * 1024, "ofmap_bytes": sram_kb * 512,
                     "energy_pj_per_byte": 2.0},
            "static_power_mw": static_mw}


def three_unit_profile(bandwidth_gbps: float | None = 20.0, latency_ns: float = 50.0, shared_cache: bool = False
                       ) -> Profile:
    """npu (fast, int8/fp16), dsp (slower, frugal, int8 only), cpu (slow, runs everything incl. fp32)."""
    data = {
        "name": "test_soc", "description": "test chip",
        "units": [
            _unit("npu", "npu", 32, 32, 1.0, {"int8": (1, 0.25), "fp16": (0.5, 1.2)}, sram_kb=128, static_mw=200),
            _unit("dsp", "dsp", 16, 16, 0.8, {"int8": (1, 0.12)}, sram_kb=32, static_mw=50),
            _unit("cpu", "cpu", 4, 4, 2.0, {"int8": (1, 3.0), "fp16": (1, 4.0), "fp32": (0.5, 8.0)},
                  sram_kb=16, static_mw=300),
        ],
        "dram": {"name": "lpddr", "bandwidth_gbps": bandwidth_gbps, "latency_ns": latency_ns,
                 "energy_pj_per_byte": 100.0},
        "memories": ([{"name": "slc", "size_bytes": 2 * 1024 * 1024, "bandwidth_gbps": 100.0, "latency_ns": 10.0,
                       "energy_pj_per_byte": 5.0, "shared_by": ["npu", "dsp", "cpu"]}] if shared_cache else []),
        "sources": [{"id": "test", "title": "made-up numbers for tests"}],
    }
    return validate(Profile, data, "test_soc")


def two_npu_profile(bandwidth_gbps: float | None, latency_ns: float = 0.0) -> Profile:
    """generic_npu with a second, identical NPU: two units sharing one DRAM."""
    p = load_profile("generic_npu")
    npu = p.units[0]
    dram = p.dram.model_copy(update={"bandwidth_gbps": bandwidth_gbps, "latency_ns": latency_ns})
    return p.model_copy(update={"units": [npu, npu.model_copy(update={"name": "npu2"})], "dram": dram})


@dataclass(frozen=True, kw_only=True)
class CpuOnlyBoxes(Layer):
    """A stand-in for NMS-like post-processing that only a CPU runs (``cpu_only``)."""

    op: ClassVar[str] = "boxes_test"
    cpu_only: ClassVar[bool] = True

    def out_shape(self, ins):
        return self._one_input(ins)

    def elem_ops(self, ins, out):
        return out[0] * out[1] * out[2] * 4


def chain_workload() -> Workload:
    return Workload("chain", (16, 28, 28), [
        Conv2d(name="c1", out_channels=32, kernel=3, padding=1),
        Conv2d(name="c2", out_channels=32, kernel=3, padding=1, groups=32),
        Conv2d(name="c3", out_channels=64, kernel=1, precision="fp16"),
        Pool2d(name="p", kind="avg", global_pool=True),
        Dense(name="fc", out_features=100, precision="fp32"),
    ])


def residual_workload() -> Workload:
    return Workload("residual", (16, 28, 28), [
        Conv2d(name="a", out_channels=32, kernel=1),
        Conv2d(name="b", out_channels=32, kernel=3, padding=1),
        Conv2d(name="c", out_channels=32, kernel=1, precision="fp16"),
        Add(name="r", inputs=("a", "c")),
        CpuOnlyBoxes(name="nms"),
        Conv2d(name="d", out_channels=8, kernel=1, inputs=("r",)),
    ])


def fanout_workload() -> Workload:
    """One tensor read by three branches (a copy to a unit is paid once), then a concat."""
    return Workload("fanout", (16, 20, 20), [
        Conv2d(name="a", out_channels=24, kernel=3, padding=1),
        Conv2d(name="b", out_channels=24, kernel=1, inputs=("a",)),
        Conv2d(name="c", out_channels=24, kernel=3, padding=1, groups=24, inputs=("a",)),
        Conv2d(name="d", out_channels=24, kernel=1, inputs=("a",), precision="fp16"),
        Concat(name="cat", inputs=("b", "c", "d")),
        Conv2d(name="e", out_channels=16, kernel=1),
    ])


def slow_npu_profile(rows: int = 8, cols: int = 8, clock_ghz: float = 0.3) -> Profile:
    """generic_npu shrunk to a small, slow array: MobileNet-V1 takes longer than a 30 fps frame period."""
    p = load_profile("generic_npu")
    npu = p.units[0]
    scale = rows * cols / npu.pe_count
    unit = npu.model_copy(update={
        "array": npu.array.model_copy(update={"rows": rows, "cols": cols}), "clock_ghz": clock_ghz,
        "vector_lanes": cols,
        "precisions": {k: v.model_copy(update={"macs_per_cycle": v.macs_per_cycle * scale})
                       for k, v in npu.precisions.items()}})
    return p.model_copy(update={"name": "slow_npu", "units": [unit]})
