"""Instruction overhead energy of simd/simt units, and what it does to per-inference energy."""
import pytest

import accelsim
from accelsim.cost import cost_layer
from accelsim.cost.compression import plan_layer
from accelsim.cost.instruction_energy import instruction_pj_per_op
from accelsim.hardware import load_profile
from accelsim.hardware.energy import ISSUE_PJ_45NM, LANE_PJ_45NM, node_scale
from accelsim.report.breakdown import layer_breakdowns
from accelsim.workload import load_workload


def _on_chip_mj(chip: str, unit_name: str, net: str = "mobilenet_v1") -> tuple[float, float]:
    """(compute + on-chip memory energy, whole energy) of ``net`` in int8 on one unit, mJ."""
    prof = load_profile(chip)
    unit = prof.unit(unit_name)
    wl = load_workload(net).with_precision("int8")
    result = accelsim.simulate(prof, wl, unit=unit_name)
    costs = [cost_layer(info, unit, profile=prof, threads=result.threads) for info in wl]
    return sum(c.compute_energy_pj + c.sram_energy_pj for c in costs) * 1e-9, result.energy_mj


def test_neon_sdot_amortises_the_instruction_over_16_macs():
    prof = load_profile("snapdragon855", calibrated=False)
    cpu = prof.unit("cpu")
    info = next(i for i in load_workload("mobilenet_v1").with_precision("int8") if i.op == "conv" and i.macs)
    plan = plan_layer(info, cpu)
    scale = node_scale(prof.process_nm)
    # one 128-bit SDOT: 4 lanes x 4 int8 MACs; issue once, register file per lane
    expected = (ISSUE_PJ_45NM + 4 * LANE_PJ_45NM) * scale / 16
    assert instruction_pj_per_op(cpu, plan, matrix=True) == pytest.approx(expected, rel=1e-4)
    # the instruction costs far more than the int8 MAC it carries (Horowitz: ~70 pJ vs ~0.1-0.2 pJ)
    assert instruction_pj_per_op(cpu, plan, matrix=True) > 10 * plan.energy_pj_per_mac


def test_wide_vectors_and_matrix_engines_amortise_more():
    prof = load_profile("snapdragon855", calibrated=False)
    info = next(i for i in load_workload("mobilenet_v1").with_precision("int8") if i.op == "conv" and i.macs)
    cpu, dsp = prof.unit("cpu"), prof.unit("dsp")
    cpu_pj = instruction_pj_per_op(cpu, plan_layer(info, cpu), matrix=True)
    hvx_pj = instruction_pj_per_op(dsp, plan_layer(info, dsp), matrix=False)      # 1024-bit HVX vectors
    assert hvx_pj < cpu_pj
    assert hvx_pj == pytest.approx((ISSUE_PJ_45NM / 32 + LANE_PJ_45NM) * node_scale(7) / 4, rel=1e-4)
    # the 855's DSP unit is HVX only (its tensor accelerator is not modelled): its GEMMs amortise no further
    assert instruction_pj_per_op(dsp, plan_layer(info, dsp), matrix=True) == pytest.approx(hvx_pj)
    # a matrix engine does: Orin's tensor cores run int8 GEMMs at 32768 vs 8192 vector MACs per cycle
    orin = load_profile("jetson_agx_orin", calibrated=False)
    gpu = orin.unit("gpu")
    plan = plan_layer(info, gpu)
    assert instruction_pj_per_op(gpu, plan, matrix=True) == pytest.approx(
        instruction_pj_per_op(gpu, plan, matrix=False) / 4, rel=1e-6)


@pytest.mark.parametrize("chip,order", [
    ("snapdragon855", ("dsp", "gpu", "cpu")),
    ("snapdragon845", ("dsp", "gpu", "cpu")),
    ("kirin980", ("npu", "gpu", "cpu")),
])
def test_on_chip_energy_ranks_accelerators_below_cpus(chip, order):
    """Per inference, the unit's own (compute + on-chip memory) energy: DSP/NPU < GPU < CPU on int8 MobileNet-V1."""
    on_chip = [_on_chip_mj(chip, u)[0] for u in order]
    assert on_chip == sorted(on_chip), dict(zip(order, on_chip))
    assert on_chip[2] > 2 * on_chip[0]      # several times, as published mobile measurements show


@pytest.mark.parametrize("chip", ["snapdragon855", "kirin980", "jetson_xavier_nx"])
def test_cpu_energy_is_not_dram_only(chip):
    prof = load_profile(chip)
    result = accelsim.simulate(prof, load_workload("mobilenet_v1").with_precision("int8"), unit="cpu")
    rows = layer_breakdowns(result.to_dict(), prof)
    compute = sum(r.energy_mj["compute"] for r in rows)
    dram = sum(r.energy_mj["dram"] for r in rows)
    assert compute > 0.2 * result.energy_mj and dram < 0.8 * result.energy_mj


def test_overhead_changes_energy_not_latency():
    prof = load_profile("snapdragon855")
    wl = load_workload("mobilenet_v1").with_precision("int8")
    bare_unit = prof.unit("cpu").model_copy(update={"instruction_energy": None})
    bare = prof.model_copy(update={"units": [bare_unit if u.name == "cpu" else u for u in prof.units]})
    with_ovh = accelsim.simulate(prof, wl, unit="cpu")
    without = accelsim.simulate(bare, wl, unit="cpu")
    assert with_ovh.total_cycles == without.total_cycles
    assert with_ovh.energy_mj > without.energy_mj
