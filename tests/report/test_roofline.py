"""Rooflines: ceilings at the profile's peaks, one slope per memory level, every layer under the roof."""
import numpy as np
import pytest
from matplotlib.collections import PathCollection

import accelsim
from accelsim.hardware import load_profile
from accelsim.hardware.schema import MemoryLevel
from accelsim.report.plots import roofline_figure
from accelsim.report.roofline import roofline


def _profile(bandwidth_gbps=34.1, memories=()):
    """generic_npu with another DRAM bandwidth; ``memories`` become levels its NPU uses (inner to outer)."""
    p = load_profile("generic_npu")
    dram = p.dram.model_copy(update={"bandwidth_gbps": bandwidth_gbps})
    npu = p.unit("npu").model_copy(update={"memories": [m.name for m in memories]})
    return p.model_copy(update={"dram": dram, "memories": list(memories), "units": [npu]})


def _below_roof(rf):
    for p in rf.points:
        roof = rf.roof_gops(p.intensity_ops_per_byte, p.precision)
        assert p.attained_gops <= roof * (1 + 1e-12), (p, roof)
    return True


def test_ceilings_are_the_profiles_peaks_and_slopes_its_levels():
    cache = MemoryLevel(name="system_cache", size_bytes=2 ** 21, bandwidth_gbps=200.0)
    prof = _profile(memories=[cache])
    rf = roofline(accelsim.simulate(prof).to_dict(), prof, "npu")
    unit = prof.unit("npu")
    assert {c.precision: c.peak_gops for c in rf.ceilings} == {
        name: 2 * spec.macs_per_cycle * unit.clock_ghz for name, spec in unit.precisions.items()}
    assert rf.ceiling("int8") == pytest.approx(2048.0)   # 32x32 MACs x 1 GHz x 2 ops
    assert [(s.level, s.bandwidth_gbps) for s in rf.slopes] == [("system_cache", 200.0), ("lpddr4x", 34.1)]
    other_unit_only = prof.model_copy(update={"units": [unit.model_copy(update={"memories": []})]})
    assert [s.level for s in roofline(accelsim.simulate(other_unit_only).to_dict(), other_unit_only, "npu").slopes
            ] == ["lpddr4x"]                # a level the unit does not use is not its slope


@pytest.mark.parametrize("fidelity", ["analytical", "event"])
@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize("bandwidth", [2.0, 34.1, 400.0])
def test_every_layer_is_under_the_roof(fidelity, dataflow, bandwidth):
    prof = _profile(bandwidth)
    result = accelsim.simulate(prof, "mobilenet_v1", dataflow=dataflow, fidelity=fidelity).to_dict()
    rf = roofline(result, prof, "npu")
    assert len(rf.points) == sum(1 for layer in result["layers"] if layer["macs"] > 0)
    assert _below_roof(rf)


def test_fp16_points_sit_under_the_fp16_ceiling():
    prof = _profile(1000.0)
    rf = roofline(accelsim.simulate(prof, precision="fp16").to_dict(), prof, "npu")
    assert {p.precision for p in rf.points} == {"fp16"}
    best = max(p.attained_gops for p in rf.points)
    assert rf.ceiling("fp16") * 0.5 < best <= rf.ceiling("fp16")   # compute-bound layers reach near the fp16 roof


def test_memory_bound_layers_touch_the_dram_slope():
    """At very low bandwidth some layers are DRAM-bound: they sit on the slope, within the latency term."""
    prof = _profile(0.5)
    rf = roofline(accelsim.simulate(prof).to_dict(), prof, "npu")
    ratios = [p.attained_gops / rf.roof_gops(p.intensity_ops_per_byte, p.precision) for p in rf.points]
    assert max(ratios) > 0.95 and max(ratios) <= 1.0


def test_unlimited_dram_has_no_slope():
    prof = _profile(None)
    rf = roofline(accelsim.simulate(prof).to_dict(), prof, "npu")
    assert rf.slopes == [] and rf.unlimited_levels == ["lpddr4x"]
    assert _below_roof(rf)


def test_layers_without_macs_are_listed_not_plotted():
    prof = _profile()
    rf = roofline(accelsim.simulate(prof).to_dict(), prof, "npu")
    assert rf.skipped == ["avgpool (pool: no MACs)"]


def test_figure_draws_ceilings_slopes_and_points_where_the_numbers_are():
    cache = MemoryLevel(name="llc", size_bytes=2 ** 20, bandwidth_gbps=100.0)
    prof = _profile(memories=[cache])
    rf = roofline(accelsim.simulate(prof).to_dict(), prof, "npu")
    ax = roofline_figure(rf).axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "intensity" in ax.get_xlabel() and "GOP/s" in ax.get_ylabel()
    horizontal = {round(line.get_ydata()[0], 6) for line in ax.lines
                  if line.get_ydata()[0] == line.get_ydata()[-1]}
    for c in rf.ceilings:
        assert round(c.peak_gops, 6) in horizontal
    slopes = set()
    for line in ax.lines:
        (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
        if y0 != y1:
            slopes.add(round(y0 / x0, 6))
            assert y1 / x1 == pytest.approx(y0 / x0)                        # a bandwidth line: y = bw * x
            assert y1 == pytest.approx(max(c.peak_gops for c in rf.ceilings))  # ends on the top ceiling
    assert slopes == {round(s.bandwidth_gbps, 6) for s in rf.slopes}
    offsets = np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    expected = np.array([(p.intensity_ops_per_byte, p.attained_gops) for p in rf.points])
    assert sorted(map(tuple, offsets)) == sorted(map(tuple, expected))
    labels = " ".join(t.get_text() for t in ax.texts)
    assert "int8 peak 2,048 GOP/s" in labels and "lpddr4x 34.1 GB/s" in labels and "llc 100 GB/s" in labels


def test_simd_dsp_ceilings_count_its_vector_contexts_and_cache():
    """Snapdragon 855 Hexagon: 4 HVX units x 128 int8 MACs/cycle (1024-bit vrmpy) at 1 GHz; L2 128 GB/s."""
    prof = load_profile("snapdragon855")
    rf = roofline(accelsim.simulate(prof, "mobilenet_v2").to_dict(), prof, "dsp")
    assert rf.ceiling("int8") == pytest.approx(2 * 4 * 128 * 1.0)
    assert rf.ceiling("int16") == pytest.approx(2 * 4 * 64 * 1.0)
    assert rf.vector_ceilings == []   # HVX runs dense and vector work at the same rate: no separate vector ceiling
    assert [(s.level, s.bandwidth_gbps) for s in rf.slopes] == [("dsp_l2", 128.0), ("lpddr4x", 34.1)]
    assert len(rf.points) > 50 and _below_roof(rf)
    dw = [p for p in rf.points if p.layer.endswith("dw")]
    assert dw and all(p.attained_gops <= rf.ceiling("int8") for p in dw)


def test_simd_cpu_ceilings_follow_the_runs_threads():
    """A CPU's peak sums the cores its threads took: prime 2.84 GHz, then gold 2.42 GHz, then silver at half rate."""
    prof = load_profile("snapdragon855")
    one = roofline(accelsim.simulate(prof, "tiny_cnn", unit="cpu", threads=1).to_dict(), prof, "cpu")
    eight = roofline(accelsim.simulate(prof, "tiny_cnn", unit="cpu", threads=8).to_dict(), prof, "cpu")
    assert one.threads == 1 and eight.threads == 8
    assert one.ceiling("int8") == pytest.approx(2 * 32 * 2.84)
    assert eight.ceiling("int8") == pytest.approx(2 * 32 * (2.84 + 3 * 2.42 + 4 * 1.8 * 0.5))
    l1 = {s.level: s for s in eight.slopes}["cpu_l1"]
    assert (l1.cores, l1.bandwidth_gbps) == (8, 8 * 77.0)          # per-core L1 summed over the cores in use
    assert _below_roof(one) and _below_roof(eight)


def test_simt_gpu_ceilings_are_tensor_core_and_cuda_core_rates():
    prof = load_profile("jetson_agx_orin")
    gpu = prof.unit("gpu")
    rf = roofline(accelsim.simulate(prof, "mobilenet_v2", unit="gpu", precision="fp16").to_dict(), prof, "gpu")
    assert rf.ceiling("fp16") == pytest.approx(2 * gpu.precisions["fp16"].macs_per_cycle * gpu.clock_ghz)
    assert {c.precision: c.peak_gops for c in rf.vector_ceilings}["fp16"] == pytest.approx(
        2 * gpu.precisions["fp16"].vector_macs_per_cycle * gpu.clock_ghz)
    assert [s.level for s in rf.slopes] == ["gpu_l1", "gpu_l2", prof.dram.name]
    assert _below_roof(rf)


@pytest.mark.parametrize("name", ["snapdragon855", "kirin980", "exynos9820", "myriadx", "jetson_xavier_nx"])
def test_every_unit_of_every_chip_family_keeps_its_layers_under_the_roof(name):
    prof = load_profile(name)
    for unit in prof.units:
        prec = "int8" if "int8" in unit.precisions else "fp16"
        result = accelsim.simulate(prof, "mobilenet_v2", unit=unit.name, precision=prec).to_dict()
        rf = roofline(result, prof, unit.name)
        assert rf.points and _below_roof(rf), unit.name
        best = max(p.attained_gops / rf.ceiling(p.precision) for p in rf.points)
        assert 0.01 < best <= 1.0, (unit.name, best)


def test_emulated_formats_use_the_format_they_run_as():
    prof = load_profile("kirin980")   # a CPU without a native binary format (snapdragon855's has one)
    rf = roofline(accelsim.simulate(prof, "tiny_cnn", unit="cpu", compress="quant=binary").to_dict(), prof, "cpu")
    binary = next(c for c in rf.ceilings if c.precision == "binary")
    assert binary.via == "xnor-popcount on int8"
    assert binary.peak_gops == pytest.approx(rf.ceiling("int8") * 8 / 3)
    npu = load_profile("generic_npu")
    rf4 = roofline(accelsim.simulate(npu, "tiny_cnn", compress="quant=int4").to_dict(), npu, "npu")
    assert rf4.aliases == {"int4": "int8"} and rf4.ceiling("int4") == rf4.ceiling("int8")
    assert _below_roof(rf) and _below_roof(rf4)
