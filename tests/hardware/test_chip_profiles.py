"""The 16 chip profiles: they load, cite their sources, and run MobileNet-V2 on every unit."""
import re

import pytest

import accelsim
from accelsim.hardware import DEFAULT_PROFILE, load_profile
from accelsim.hardware.energy import mac_energy_pj, node_scale, sram_energy_pj_per_byte
from accelsim.paths import REPO_ROOT

CHIPS = ["snapdragon835", "snapdragon845", "snapdragon855", "kirin970", "kirin980", "kirin990", "exynos9820",
         "exynos990", "myriad2", "myriadx", "jetson_nano", "jetson_tx2", "jetson_xavier_nx", "jetson_agx_xavier",
         "jetson_agx_orin", "jetson_orin_nx"]
UNIT_NAMES = {"cpu", "gpu", "dsp", "npu", "vpu", "dla"}


def _format(unit):
    return next(p for p in ("int8", "fp16", "fp32") if p in unit.precisions)


@pytest.mark.parametrize("chip", CHIPS)
def test_profile_loads_and_cites_sources(chip):
    p = load_profile(chip, calibrated=False)
    ids = {s.id for s in p.sources}
    assert p.process_nm and p.dram.bandwidth_gbps and p.dram.energy_pj_per_byte > 0
    assert all(s.title for s in p.sources)
    for u in p.units:
        assert u.name in UNIT_NAMES and u.name == u.kind
        assert u.sources and set(u.sources) <= ids
        for name, spec in u.precisions.items():
            assert spec.source in ids, f"{chip}/{u.name}/{name} cites no source"
            assert spec.energy_pj_per_mac > 0   # given or derived from Horowitz at the node
    text = (REPO_ROOT / "hw_profiles" / f"{chip}.yaml").read_text()
    # every hardware figure on a unit/memory line says where it comes from or that it is an estimate
    for line in text.splitlines():
        if re.search(r"^\s+(clock_ghz|lanes|cores|bandwidth_gbps|size_bytes|latency_ns|array):", line) or \
                line.strip().startswith("- {name:"):
            assert "source" in line or "estimate" in line or "(" in line.split("#", 1)[-1], line


@pytest.mark.parametrize("chip", CHIPS)
def test_mobilenet_v2_runs_on_every_unit(chip):
    p = load_profile(chip)
    for u in p.units:
        r = accelsim.simulate(chip, "mobilenet_v2", unit=u.name, precision=_format(u))
        assert r.unit == u.name and len(r.layers) == 64
        assert 0.05 < r.latency_ms < 2000 and r.energy_mj > 0 and r.dram_bytes > 0
        assert all(lr.total_cycles >= lr.compute_cycles for lr in r.layers)


def test_default_profile_is_snapdragon855():
    assert DEFAULT_PROFILE == "snapdragon855"
    r = accelsim.simulate()
    assert r.profile == "snapdragon855" and r.unit == "dsp"


def test_calibration_file_is_applied_and_says_so():
    cal = load_profile("snapdragon855").unit("cpu")
    spec = load_profile("snapdragon855", calibrated=False).unit("cpu")
    assert cal.calibration and cal.calibration.endswith("calibration.yaml") and spec.calibration is None
    assert cal.efficiency != spec.efficiency
    assert all(cal.efficiency.of(c) <= 1.0 for c in ("conv", "depthwise", "pointwise", "fc", "elementwise"))
    r = accelsim.simulate("snapdragon855", unit="cpu")
    assert r.calibration == cal.calibration
    assert accelsim.simulate("snapdragon855", unit="cpu", calibrated=False).calibration is None
    # the reference design opts out and stays as written
    assert load_profile("generic_npu").unit().calibration is None


def test_threads_scale_cpu_and_are_checked():
    one = accelsim.simulate("snapdragon855", "mobilenet_v2", unit="cpu", threads=1)
    four = accelsim.simulate("snapdragon855", "mobilenet_v2", unit="cpu", threads=4)
    eight = accelsim.simulate("snapdragon855", "mobilenet_v2", unit="cpu", threads=8)
    assert one.threads == 1 and four.threads == 4
    assert one.latency_ms > 2 * four.latency_ms and eight.latency_ms < four.latency_ms
    with pytest.raises(accelsim.AccelsimError, match="threads.*only simd"):
        accelsim.simulate("snapdragon855", unit="gpu", threads=2, precision="fp16")
    with pytest.raises(accelsim.AccelsimError, match="allowed: 1..8"):
        accelsim.simulate("snapdragon855", unit="cpu", threads=9)


def test_energy_scales_with_process_node():
    assert node_scale(None) == 1.0 and node_scale(45) == pytest.approx(1.0)
    assert node_scale(7) < node_scale(16) < node_scale(28) < 1.0
    assert mac_energy_pj("int8") == pytest.approx(0.23) and mac_energy_pj("fp32", 7) < mac_energy_pj("fp32", 28)
    assert sram_energy_pj_per_byte(32 * 1024) == pytest.approx(2.5)
    assert sram_energy_pj_per_byte(8 * 1024) < sram_energy_pj_per_byte(256 * 1024) < sram_energy_pj_per_byte(1 << 20)
    # an 8 nm chip spends less per-operation energy than a 20 nm one on the same work (busy power, which
    # grows with the GPU's size whatever the work, left out)
    def per_op(name):
        prof = load_profile(name, calibrated=False)
        units = [u.model_copy(update={"busy_power_mw": 0.0, "static_power_mw": 0.0}) for u in prof.units]
        run = accelsim.simulate(prof.model_copy(update={"units": units}), "mobilenet_v2", unit="gpu",
                                precision="fp16")
        return run.energy_parts_mj()["compute"]
    assert per_op("jetson_agx_orin") < per_op("jetson_nano")
