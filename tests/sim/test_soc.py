"""The SoC engine: the analytical latency on an ideal chip, DRAM contention as the shared bandwidth predicts."""
import pytest

import accelsim
from accelsim.hardware import load_profile
from accelsim.sim.cost_table import CostTable
from accelsim.sim.partition import partition
from accelsim.sim.plan import build_plan
from accelsim.sim.soc import Job, SocEngine
from accelsim.workload import Conv2d, Workload
from tests.sim.profiles import fanout_workload, residual_workload, three_unit_profile, two_npu_profile


def _run(profile, plans, granularity):
    soc = SocEngine(profile, granularity=granularity)
    jobs = [Job(f"job{k}") for k in range(len(plans))]
    for plan, job in zip(plans, jobs):
        soc.start(plan, job)
    soc.env.run()
    return jobs, soc


@pytest.mark.parametrize("granularity", ["layer", "tile"])
@pytest.mark.parametrize("workload", ["mobilenet_v1", "tiny_cnn"])
def test_single_unit_unlimited_bandwidth_equals_analytical(granularity, workload):
    p = load_profile("generic_npu")
    ideal = p.model_copy(update={"dram": p.dram.model_copy(update={"bandwidth_gbps": None})})
    ana = accelsim.simulate(ideal, workload)
    table = CostTable(accelsim.load_workload(workload), ideal)
    (job,), _ = _run(ideal, [build_plan(table, ["npu"] * len(table))], granularity)
    assert round(job.end_ns) == ana.total_cycles  # 1 GHz: ns == cycles
    assert job.end_ns == pytest.approx(ana.latency_ms * 1e6, rel=1e-12)


@pytest.mark.parametrize("granularity", ["layer", "tile"])
def test_partitioned_unlimited_bandwidth_equals_plan(granularity):
    profile = three_unit_profile(bandwidth_gbps=None)
    table = CostTable(fanout_workload(), profile)
    plan = build_plan(table, list(partition(table).units))
    (job,), _ = _run(profile, [plan], granularity)
    assert job.end_ns == pytest.approx(plan.latency_ns, rel=1e-12)
    assert job.end_ns == pytest.approx(sum(table.cost(s.index, s.unit).compute_cycles
                                           / table.unit(s.unit).clock_ghz for s in plan.steps), rel=1e-12)


def test_layer_granularity_is_the_roofline_with_copies_on_an_idle_chip():
    """Finite bandwidth, one job: each layer max(compute, latency + bytes/BW), each copy 2 accesses + 2x bytes."""
    profile = three_unit_profile(bandwidth_gbps=3.0, latency_ns=80.0)
    table = CostTable(residual_workload(), profile)
    units = ["npu", "dsp", "cpu", "npu", "cpu", "dsp"]
    plan = build_plan(table, units)
    assert len(plan.copies) >= 3
    want = 0.0
    for s in plan.steps:
        c = table.cost(s.index, s.unit)
        want += max(c.compute_cycles / table.unit(s.unit).clock_ghz, 80.0 + c.dram_bytes / 3.0)
        for cp in s.copies:
            want += 2 * 80.0 + cp.crossing.moved_bytes / 3.0
    (job,), _ = _run(profile, [plan], "layer")
    assert job.end_ns == pytest.approx(want, rel=1e-9)


def _bandwidth_hungry():
    """Six identical 1x1 convolutions (64 tiles each): a steady DRAM demand."""
    return Workload("pw", (256, 14, 14), [Conv2d(name=f"pw{i}", out_channels=256, kernel=1) for i in range(6)])


@pytest.mark.parametrize("granularity,tolerance", [("layer", 1e-9), ("tile", 0.02)])
def test_two_units_sharing_dram_slow_down_as_bandwidth_predicts(granularity, tolerance):
    wl = _bandwidth_hungry()
    costs = CostTable(wl, two_npu_profile(None))
    compute_ns = [costs.cost(i, "npu").compute_cycles / 1.0 for i in range(len(wl))]  # 1 GHz
    bytes_ = [costs.cost(i, "npu").dram_bytes for i in range(len(wl))]
    demand = sum(bytes_) / sum(compute_ns)             # bytes/ns each workload wants
    bw = demand / 0.8                                  # each needs 80 % of the DRAM: > half
    assert demand > bw / 2
    # The prediction, from first principles: alone a layer takes max(compute, bytes / BW); together the two
    # units run the same layers at the same time and each gets half the bandwidth: max(compute, bytes / (BW/2)).
    alone_pred = sum(max(c, b / bw) for c, b in zip(compute_ns, bytes_))
    together_pred = sum(max(c, b / (bw / 2)) for c, b in zip(compute_ns, bytes_))
    assert together_pred > 1.5 * alone_pred

    profile = two_npu_profile(bw)
    table = CostTable(wl, profile)
    plan_a, plan_b = build_plan(table, ["npu"] * 6), build_plan(table, ["npu2"] * 6)
    (alone,), _ = _run(profile, [plan_a], granularity)
    (a, b), soc = _run(profile, [plan_a, plan_b], granularity)
    assert a.end_ns > alone.end_ns and b.end_ns > alone.end_ns
    assert alone.end_ns == pytest.approx(alone_pred, rel=tolerance)
    assert a.end_ns == pytest.approx(together_pred, rel=tolerance)
    assert b.end_ns == pytest.approx(together_pred, rel=tolerance)
    assert a.end_ns - alone.end_ns == pytest.approx(together_pred - alone_pred, rel=3 * tolerance)
    assert a.end_ns >= 2 * sum(bytes_) / bw * (1 - 1e-9)  # never faster than the shared DRAM allows
    assert soc.dram.bytes_moved == 2 * sum(bytes_)


def test_jobs_on_one_unit_queue_and_on_two_units_overlap():
    profile = two_npu_profile(None)
    table = CostTable(accelsim.load_workload("tiny_cnn"), profile)
    n = len(table)
    one = build_plan(table, ["npu"] * n)
    (solo,), _ = _run(profile, [one], "layer")
    (a, b), soc = _run(profile, [one, one], "layer")
    assert max(a.end_ns, b.end_ns) == pytest.approx(2 * solo.end_ns)   # they share one unit
    (a, b), _ = _run(profile, [one, build_plan(table, ["npu2"] * n)], "layer")
    assert a.end_ns == pytest.approx(solo.end_ns) and b.end_ns == pytest.approx(solo.end_ns)


def test_run_event_unit_auto_matches_single_job():
    profile = three_unit_profile(bandwidth_gbps=None)
    r = accelsim.simulate(profile, fanout_workload(), unit="auto", fidelity="event")
    ana = accelsim.simulate(profile, fanout_workload(), unit="auto")
    assert r.latency_ms == pytest.approx(ana.latency_ms, rel=1e-12)
    assert [x.total_cycles for x in r.layers] == [x.total_cycles for x in ana.layers]


def test_copies_go_through_a_level_both_units_list():
    """A cache listed in two units' ``memories`` carries their copies (when the tensor fits), not DRAM."""
    from accelsim.sim.crossing import crossing, shared_levels
    profile = three_unit_profile()
    slc = {"name": "slc", "size_bytes": 1 << 20, "bandwidth_gbps": 200.0, "latency_ns": 5.0,
           "energy_pj_per_byte": 3.0}
    data = profile.model_dump()
    data["memories"] = [slc]
    for u in data["units"]:
        u["memories"] = ["slc"] if u["name"] in ("npu", "cpu") else []
    from accelsim.hardware import Profile
    prof = Profile.model_validate(data)
    assert [m.name for m in shared_levels(prof)] == ["slc"]
    assert crossing(prof, "npu", "cpu", 1000).via == "slc"
    assert crossing(prof, "npu", "dsp", 1000).via == "dram"
    assert crossing(prof, "npu", "cpu", 2 << 20).via == "dram"          # does not fit
    c = crossing(prof, "cpu", "npu", 1000)
    assert c.time_ns == pytest.approx(2 * 5.0 + 2000 / 200.0) and c.energy_pj == pytest.approx(2000 * 3.0)
    table = CostTable(residual_workload(), prof)
    plan = build_plan(table, ["npu", "cpu", "npu", "npu", "cpu", "npu"])
    (job,), soc = _run(prof, [plan], "layer")
    assert soc.ports["slc"].bytes_moved == sum(c.crossing.moved_bytes for c in plan.copies if c.crossing.via == "slc")
    assert soc.ports["slc"].bytes_moved > 0
