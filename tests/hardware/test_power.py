"""Energy and power: DRAM by generation, busy and static power, board scope, DVFS power modes."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.calibration.energy_validate import scope_energy_mj
from accelsim.hardware import available_profiles, load_profile
from accelsim.hardware.dram import GENERATIONS, channels_x16
from accelsim.hardware.power_mode import apply_power_mode, unit_at_clock, voltage_at
from tests.sim.profiles import chain_workload

# Cited ranges, pJ per byte read including I/O: LPDDR4/4X 30-60 pJ/B (3.75-7.5 pJ/bit: Micron LPDDR4 power
# notes, issue 11), LPDDR3 6-10 pJ/bit (Malladi et al. ISCA 2012), DDR4 12-20 pJ/bit (Micron DDR4 power
# calculator TN-40-07; O'Connor et al. MICRO 2017 ~15), LPDDR5 2.5-5 pJ/bit (Samsung: 20-30% below LPDDR4X).
CITED_PJ_PER_BYTE = {"lpddr3": (48, 80), "lpddr4": (30, 60), "lpddr4x": (30, 60), "lpddr5": (20, 40),
                     "ddr4": (96, 160)}


@pytest.mark.parametrize("gen", sorted(CITED_PJ_PER_BYTE))
def test_dram_energy_per_byte_within_cited_range(gen):
    lo, hi = CITED_PJ_PER_BYTE[gen]
    g = GENERATIONS[gen]
    assert lo <= g.read_pj_per_byte <= hi
    assert g.read_pj_per_byte < g.write_pj_per_byte <= 1.2 * g.read_pj_per_byte


def test_generations_order_and_every_profile_names_one():
    pj = {k: g.read_pj_per_byte for k, g in GENERATIONS.items()}
    assert pj["lpddr5"] < pj["lpddr4x"] < pj["lpddr4"] < pj["lpddr3"] < pj["lpddr2"] < pj["ddr4"]
    for name in available_profiles():
        prof = load_profile(name, calibrated=False)
        gen = GENERATIONS[prof.dram.generation]
        assert prof.dram.energy_pj_per_byte == pytest.approx(gen.read_pj_per_byte, rel=1e-3), name
        assert prof.dram.energy_pj_per_byte != 162.5
        assert prof.dram.background_power_mw > 0


def test_channels_and_background_power_by_hand():
    # Jetson AGX Xavier: 256-bit LPDDR4X at 136.5 GB/s = 16 x16 channels of 8.53 GB/s, 35 mW each
    assert channels_x16(136.5, GENERATIONS["lpddr4x"]) == 16
    assert load_profile("jetson_agx_xavier", calibrated=False).dram.background_power_mw == pytest.approx(560.0)


def test_busy_phone_soc_power_in_a_plausible_range():
    # AnandTech's SPEC2006 runs: one big Arm core 1-2 W; a phone SoC with its big cores busy draws 2-8 W
    run = accelsim.simulate("snapdragon855", "resnet50", unit="cpu", precision="fp32", threads=4)
    assert 2.0 <= run.avg_power_w <= 8.0
    parts = run.energy_parts_mj()
    assert sum(parts.values()) == pytest.approx(run.energy_mj, rel=1e-9)
    assert parts["static"] > 0 and parts["compute"] > parts["sram"]


def test_board_and_wall_scope_add_the_cited_idle_board():
    prof = load_profile("jetson_nano")
    run = accelsim.simulate(prof, "mobilenet_v2", unit="gpu", precision="fp16")
    # DeepEdgeBench idle log 1.08 W at the board input, of which 0.35 W is SoC always-on (counted in energy_mj)
    extra_mj = (1.08 - 0.35) * run.latency_ms
    assert run.board_energy_mj == pytest.approx(run.energy_mj + extra_mj, rel=1e-9)
    assert scope_energy_mj(run, prof, "board") == run.board_energy_mj
    assert scope_energy_mj(run, prof, "wall") == pytest.approx(run.board_energy_mj / 0.81)
    assert scope_energy_mj(run, prof, "accelerator") == run.energy_mj
    d = run.to_dict()
    assert d["board_energy_mj"] == run.board_energy_mj and d["power_mode"] == "MAXN"
    assert d["avg_power_w"] == pytest.approx(run.energy_mj / run.latency_ms)


def test_power_modes_change_clock_voltage_and_energy():
    maxn = accelsim.simulate("jetson_nano", "mobilenet_v2", unit="gpu", precision="fp16")
    low = accelsim.simulate("jetson_nano", "mobilenet_v2", unit="gpu", precision="fp16", power_mode="5W")
    assert low.power_mode == "5W" and low.clock_ghz == 0.64 and maxn.clock_ghz == 0.921
    assert low.latency_ms > maxn.latency_ms and low.avg_power_w < maxn.avg_power_w
    # per-operation energies scale by (V / V0)^2 = (0.85 / 1.0)^2 on the GPU
    prof = load_profile("jetson_nano", calibrated=False)
    gpu = prof.unit("gpu")
    moved = apply_power_mode(prof, "5W")[0].unit("gpu")
    assert moved.precisions["fp16"].energy_pj_per_mac == pytest.approx(
        gpu.precisions["fp16"].energy_pj_per_mac * 0.85 ** 2)
    assert moved.busy_power_mw == pytest.approx(gpu.busy_power_mw * 0.85 ** 2 * 0.64 / 0.921)
    assert moved.static_power_mw == pytest.approx(gpu.static_power_mw * 0.85 ** 3)
    with pytest.raises(accelsim.AccelsimError, match="power mode: got 'turbo'.*MAXN"):
        accelsim.simulate("jetson_nano", unit="gpu", power_mode="turbo")
    with pytest.raises(accelsim.AccelsimError, match="no power modes"):
        accelsim.simulate("generic_npu", power_mode="MAXN")


def test_voltage_is_interpolated_between_operating_points():
    gpu = load_profile("jetson_agx_xavier", calibrated=False).unit("gpu")
    assert voltage_at(gpu, 0.67) == 0.7 and voltage_at(gpu, 0.5) == 0.7 and voltage_at(gpu, 1.377) == 1.0
    # halfway between (0.82875, 0.75) and (1.377, 1.0)
    assert voltage_at(gpu, (0.82875 + 1.377) / 2) == pytest.approx(0.875)


def test_cli_power_mode_and_overhead_column(tmp_path, capsys):
    from accelsim.cli import main
    out = tmp_path / "r.json"
    assert main(["run", "--profile", "jetson_nano", "--unit", "gpu", "--precision", "fp16", "--power-mode", "5W",
                 "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "overhead cyc" in text and "board energy" in text and "power mode 5W" in text
    import json
    d = json.loads(out.read_text())
    assert d["power_mode"] == "5W" and set(d["energy_parts_mj"]) == {"compute", "sram", "dram", "static", "host_cpu"}
    assert main(["run", "--profile", "jetson_nano", "--power-mode", "turbo"]) == 2


volts = st.floats(min_value=0.55, max_value=1.2)


@settings(max_examples=20, deadline=None)
@given(v_lo=volts, dv=st.floats(min_value=0.01, max_value=0.4), clock=st.floats(min_value=0.3, max_value=0.9))
def test_energy_grows_with_voltage(v_lo, dv, clock):
    """Per-op energies ~ V^2, busy power ~ V^2 f: a unit's compute energy at a higher voltage is never lower."""
    prof = load_profile("jetson_nano", calibrated=False)
    gpu = prof.unit("gpu")
    ops = [{"clock_ghz": 0.2, "voltage_v": v_lo}, {"clock_ghz": 0.921, "voltage_v": v_lo + dv}]
    unit = gpu.model_validate({**gpu.model_dump(), "operating_points": ops})
    slow = unit_at_clock(unit, clock)
    assert slow.precisions["fp16"].energy_pj_per_mac < unit.precisions["fp16"].energy_pj_per_mac

    def compute_mj(u):
        p = prof.model_copy(update={"units": [u]})
        return accelsim.simulate(p, chain_workload(), unit="gpu", precision="fp16").energy_parts_mj()["compute"]
    assert compute_mj(slow) <= compute_mj(unit) * (1 + 1e-9)


@settings(max_examples=10, deadline=None)
@given(threads=st.integers(1, 8))
def test_fewer_bits_never_cost_more_energy(threads):
    runs = [accelsim.simulate("snapdragon855", chain_workload(), unit="cpu", precision=p, threads=threads)
            for p in ("fp32", "fp16", "int8")]
    assert runs[0].energy_mj >= runs[1].energy_mj >= runs[2].energy_mj
    assert runs[0].energy_parts_mj()["dram"] >= runs[2].energy_parts_mj()["dram"]


@settings(max_examples=8, deadline=None)
@given(lo=st.floats(0.0, 0.85), step=st.floats(0.05, 0.5))
def test_more_sparsity_never_costs_more_energy_on_an_npu(lo, step):
    hi = min(0.95, lo + step)
    def energy(s):
        spec = f"prune={s:.3f}" if s > 0 else None
        return accelsim.simulate("generic_npu", "mobilenet_v1", precision="int8", compress=spec).energy_mj
    assert energy(hi) <= energy(lo) * (1 + 1e-9)


@pytest.mark.parametrize("unit", ["cpu", "gpu", "dsp"])
def test_more_sparsity_never_costs_more_energy_on_phone_cpu_gpu_dsp(unit):
    """Units that decode sparse weights to dense on every run: at 12.9% a bitmap saves 0.03 bits per weight
    and costs a scatter per nonzero, so the weights stay dense; with more zeros they may stay compressed."""
    energies = [accelsim.simulate("snapdragon855", "mobilenet_v1", unit=unit,
                                  compress=f"prune={s}" if s else None).energy_mj for s in (0, 0.129, 0.3, 0.6)]
    assert all(b <= a * (1 + 1e-9) for a, b in zip(energies, energies[1:])), energies


def test_partitioned_runs_carry_board_energy_and_mode():
    run = accelsim.simulate("jetson_nano", "mobilenet_v2", unit="auto", power_mode="5W")
    assert run.power_mode == "5W"
    assert run.board_energy_mj == pytest.approx(run.energy_mj + (1.08 - 0.35) * run.latency_ms, rel=1e-9)
    assert run.to_dict()["avg_power_w"] == pytest.approx(run.energy_mj / run.latency_ms)
