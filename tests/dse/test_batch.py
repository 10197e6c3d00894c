"""The vectorized evaluator agrees exactly with accelsim.simulate, point by point."""
import numpy as np
import pytest

import accelsim
from accelsim.dse.batch import DesignArrays, LayerTable, evaluate_batch
from accelsim.dse.evaluate import METRICS, SweepContext, evaluate_points, simulate_point
from accelsim.dse.profile_fields import apply_overrides
from accelsim.dse.space import design_points
from accelsim.dse.spec import SweepSpec
from tests.helpers import load_scalesim_profile  # the batch model is SCALE-Sim's mapping
from accelsim.hardware.schema import PrecisionSpec
from accelsim.workload import load_workload

TOTALS = ("total_cycles", "compute_cycles", "stall_cycles", "latency_ms", "energy_mj", "dram_bytes", "macs",
          "utilization")


def _variants(seed: int, n: int):
    """Random variants of generic_npu (array shape, dataflow, SRAM, DRAM, clock, static power)."""
    base = load_scalesim_profile("generic_npu")
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        out.append(apply_overrides(base, {
            "units.npu.array.rows": int(rng.choice([3, 8, 16, 32, 64, 128])),
            "units.npu.array.cols": int(rng.choice([4, 13, 32, 100])),
            "units.npu.array.dataflow": str(rng.choice(["os", "ws", "is"])),
            "units.npu.sram.ifmap_bytes": int(rng.choice([4096, 65536, 2 ** 20])),
            "units.npu.sram.ofmap_bytes": int(rng.choice([2048, 131072])),
            "units.npu.sram.double_buffered": bool(i % 2),
            "units.npu.clock_ghz": float(rng.choice([0.5, 1.0, 1.35])),
            "units.npu.static_power_mw": float(rng.choice([0.0, 80.0])),
            "dram.bandwidth_gbps": [None, 3.2, 34.1, 500.0][i % 4],
            "dram.latency_ns": float(rng.choice([0.0, 100.0])),
        }))
    return out


def _check(workload, profiles, precision=None):
    wl = load_workload(workload)
    if precision:
        wl = wl.with_precision(precision)
    totals = evaluate_batch(LayerTable.from_workload(wl, profiles[0].unit()), DesignArrays.from_profiles(profiles))
    for i, prof in enumerate(profiles):
        r = accelsim.simulate(prof, wl)
        for name in TOTALS:
            assert getattr(totals, name)[i].item() == getattr(r, name), (workload, i, name)


@pytest.mark.parametrize("workload", ["mobilenet_v1", "mobilenet_v2", "tiny_cnn", "resnet18", "shufflenet_v2",
                                      "squeezenet1_1", "tiny_yolo_v2"])
def test_zoo_networks_agree_exactly(workload):
    _check(workload, _variants(1, 8))


def test_scalesim_csv_and_fp16_agree_exactly(data_dir):
    _check(str(data_dir / "scalesim" / "mobilenet_v1_224.csv"), _variants(2, 6))
    _check("mobilenet_v1", _variants(3, 6), precision="fp16")


def test_fractional_bytes_per_element_agree_exactly():
    """int4 (half a byte per element) exercises the rounding of byte counts."""
    profiles = []
    for p in _variants(4, 6):
        unit = p.unit("npu")
        precs = dict(unit.precisions, int4=PrecisionSpec(macs_per_cycle=2 * unit.pe_count, energy_pj_per_mac=0.1))
        profiles.append(p.model_copy(update={"units": [unit.model_copy(update={"precisions": precs})]}))
    _check("mobilenet_v2", profiles, precision="int4")


def test_sweep_fast_path_matches_simulate_point_by_point():
    """Overrides -> design arrays (validation, PE-rate scaling, vector lanes) -> batch == overrides -> simulate."""
    spec = SweepSpec(workloads=["mobilenet_v2", "tiny_cnn"], precision=["int8", "fp16"], parameters={
        "units.npu.array.rows": {"range": [4, 200], "scale": "log", "integer": True},
        "units.npu.array.cols": ["16", 32.0, 64],          # the schema coerces these; both paths must agree
        "units.npu.sram.ifmap_bytes,units.npu.sram.filter_bytes": {"range": [8192, 4e6], "integer": True},
        "units.npu.vector_lanes": [None, 8],
        "units.npu.precisions.fp16.energy_pj_per_mac": [1.0, 2.5],
        "dram.bandwidth_gbps": [None, 12.8, 51.2],
        "units.npu.array.dataflow": ["os", "ws", "is"]},
        sampling={"mode": "random", "samples": 60, "seed": 7})
    prof = load_scalesim_profile("generic_npu")
    points = design_points(spec, prof)
    ctx = SweepContext(prof, None, "analytical")
    results = evaluate_points(ctx, points)
    assert {r.method for r in results} == {"batch"} and {r.status for r in results} == {"ok"}
    for point, fast in zip(points, results):
        slow = simulate_point(ctx, point)
        assert slow.metrics == fast.metrics, point.overrides
    assert set(results[0].metrics) == set(METRICS)


def test_reshaped_array_keeps_each_pes_rate():
    base = load_scalesim_profile("generic_npu")
    big = apply_overrides(base, {"units.npu.array.rows": 64})
    assert big.unit().precisions["int8"].macs_per_cycle == 2048
    assert big.unit().precisions["fp16"].macs_per_cycle == 1024
    pinned = apply_overrides(base, {"units.npu.array.rows": 64, "units.npu.precisions.int8.macs_per_cycle": 100})
    assert pinned.unit().precisions["int8"].macs_per_cycle == 100
    assert pinned.unit().precisions["fp16"].macs_per_cycle == 1024


@pytest.mark.parametrize("spec", ["prune=0.6", "prune=0.5,quant=int8", "quant=int4", "quant=binary,a:int8",
                                  "prune=2:4,quant=int8", "hash=0.25", "factorize=ratio:0.5"])
def test_compressed_workloads_agree_exactly(spec):
    """Compressed weights, biases and scales, emulated formats, unpack / decode / hash work on the vector lanes."""
    from accelsim.compress import apply_spec

    wl = apply_spec(load_workload("mobilenet_v2"), spec)
    profiles = _variants(5, 6)
    totals = evaluate_batch(LayerTable.from_workload(wl, profiles[0].unit()), DesignArrays.from_profiles(profiles))
    for i, prof in enumerate(profiles):
        r = accelsim.simulate(prof, "mobilenet_v2", compress=spec)
        for name in TOTALS:
            assert getattr(totals, name)[i].item() == getattr(r, name), (spec, i, name)


@pytest.mark.parametrize("profile,unit", [("kirin980", "npu"), ("kirin970", "npu"), ("myriadx", "npu"),
                                          ("jetson_agx_orin", "dla")])
def test_calibrated_vendor_npus_agree_exactly(profile, unit):
    """Fitted efficiencies and per-layer overheads, depthwise layers on the NPU's vector unit, emulated int8."""
    base = load_scalesim_profile(profile)
    rng = np.random.default_rng(6)
    profiles = [apply_overrides(base, {
        f"units.{unit}.array.rows": int(rng.choice([8, 32, 64])),
        f"units.{unit}.array.dataflow": str(rng.choice(["os", "ws", "is"])),
        f"units.{unit}.efficiency.depthwise": float(rng.choice([0.3, 1.0])),
        f"units.{unit}.layer_overhead_us": float(rng.choice([0.0, 12.5])),
        "dram.bandwidth_gbps": float(rng.choice([8.0, 40.0]))}) for _ in range(5)]
    wl = load_workload("mobilenet_v2")
    totals = evaluate_batch(LayerTable.from_workload(wl, profiles[0].unit(unit)),
                            DesignArrays.from_profiles(profiles, unit))
    assert totals.total_cycles.min() > 0
    for i, prof in enumerate(profiles):
        r = accelsim.simulate(prof, wl, unit=unit)
        assert r.calibration == base.unit(unit).calibration
        for name in TOTALS:
            assert getattr(totals, name)[i].item() == getattr(r, name), (profile, i, name)


def test_sparse_layers_on_a_zero_skipping_unit_are_not_vectorized():
    from accelsim.compress import apply_spec
    from accelsim.dse.batch import NotVectorizable
    from accelsim.hardware.schema import ZeroSkip

    base = load_scalesim_profile("generic_npu")
    unit = base.unit().model_copy(update={"zero_skip": ZeroSkip(granularity=2)})
    LayerTable.from_workload(load_workload("tiny_cnn"), unit)           # dense: fine
    with pytest.raises(NotVectorizable, match="skips zeros"):
        LayerTable.from_workload(apply_spec(load_workload("tiny_cnn"), "prune=0.5"), unit)
