"""Sweeps over compression specs: each point is ``accelsim.simulate(..., compress=spec)``."""
import yaml

import accelsim
from accelsim.dse.profile_fields import apply_overrides
from accelsim.dse.runner import run_sweep
from accelsim.dse.spec import SweepSpec
from accelsim.hardware import load_profile
from tests.helpers import write_scalesim_profile

METRICS = ("latency_ms", "energy_mj", "dram_bytes", "total_cycles", "compute_cycles", "utilization")


def _check_rows(out, spec, base, unit=None):
    for row in out.rows:
        assert row["status"] == "ok", row["error"]
        prof = apply_overrides(base, {k: row[k] for k in spec.parameters})
        r = accelsim.simulate(prof, row["workload"], unit=unit, compress=row["compression"])
        assert tuple(row[m] for m in METRICS) == tuple(getattr(r, m) for m in METRICS), row


def test_sweep_over_compression_specs_matches_simulate(tmp_path):
    spec = SweepSpec(workloads=["mobilenet_v2"], compression=["prune=0.5,quant=int8", "quant=int4"],
                     parameters={"units.npu.array.rows": [16, 64], "dram.bandwidth_gbps": [6.4, 34.1],
                                 "units.npu.vector_lanes": [None, 8]},
                     profile=str(write_scalesim_profile(tmp_path / "npu.yaml")))  # the batch model's mapping
    out = run_sweep(spec, tmp_path / "out", backend="serial")
    assert len(out.rows) == 16 and {r["method"] for r in out.rows} == {"batch"}
    _check_rows(out, spec, load_profile(spec.profile))
    by_spec = {(r["compression"], r["units.npu.vector_lanes"]): r for r in out.rows
               if r["units.npu.array.rows"] == 64 and r["dram.bandwidth_gbps"] == 6.4}
    # int4 operands move half the bytes of int8 ones, but this unit unpacks them to int8 on its vector lanes:
    # fewer lanes, more unpacking time
    assert by_spec[("quant=int4", 8)]["dram_bytes"] < by_spec[("prune=0.5,quant=int8", 8)]["dram_bytes"]
    assert by_spec[("quant=int4", 8)]["compute_cycles"] > by_spec[("quant=int4", None)]["compute_cycles"]


def test_calibrated_vendor_npu_sweep_uses_the_mapper_and_is_exact(tmp_path):
    """A real-chip NPU maps layers with the auto mapper (its default): its points are simulated one by one
    (the batch model follows SCALE-Sim's mapping; tests/dse/test_batch.py checks it on these NPUs, pinned)."""
    spec = SweepSpec(profile="kirin980", unit="npu", workloads=["mobilenet_v2"], compression=["none", "prune=0.7"],
                     parameters={"units.npu.array.cols": [32, 128], "units.npu.layer_overhead_us": [0.0, 15.79],
                                 "units.npu.efficiency.pointwise": [0.5, 1.0]})
    out = run_sweep(spec, tmp_path, backend="serial")
    assert {r["method"] for r in out.rows} == {"simulate"}
    _check_rows(out, spec, load_profile("kirin980"), unit="npu")


def test_zero_skipping_unit_simulates_its_sparse_points(tmp_path):
    data = load_profile("generic_npu", calibrated=False).model_dump(exclude_none=True)
    data["units"][0]["zero_skip"] = {"granularity": 1}
    data["units"][0]["mapping"] = "scalesim"      # the batch model (dense points) is SCALE-Sim's mapping
    path = tmp_path / "skipper.yaml"
    path.write_text(yaml.safe_dump(data))
    spec = SweepSpec(profile=str(path), workloads=["tiny_cnn"], compression=["none", "prune=0.75"],
                     parameters={"units.npu.array.rows": [8, 32], "units.npu.array.dataflow": ["os", "ws"]})
    out = run_sweep(spec, tmp_path / "out", backend="serial")
    methods = {(r["compression"], r["method"]) for r in out.rows}
    assert methods == {("none", "batch"), ("prune=0.75", "simulate")}
    _check_rows(out, spec, load_profile(str(path)))
    os_rows = {r["compression"]: r["compute_cycles"] for r in out.rows
               if r["units.npu.array.dataflow"] == "os" and r["units.npu.array.rows"] == 32}
    assert os_rows["prune=0.75"] < os_rows["none"]          # the os dataflow skips zero weights
