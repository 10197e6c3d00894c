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
    p = load_profile("generic_npu")
    dram = p.dram.model_copy(update={"bandwidth_gbps": bandwidth_gbps})
    return p.model_copy(update={"dram": dram, "memories": list(memories)})


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
