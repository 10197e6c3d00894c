"""The memory plan: activations stay on chip while they fit; DRAM traffic between compulsory and no-reuse."""
import math

from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.cost import cost_layer
from accelsim.hardware import Profile
from accelsim.map.memory_plan import plan_memory
from accelsim.validation import validate
from accelsim.workload import Add, Conv2d, Workload


def npu_profile(rows=64, cols=64, ifmap_b=256, filter_b=4096, ofmap_b=128, bandwidth_gbps=10.0, clock_ghz=1.0,
                precisions=None, mapping="auto"):
    """A made-up one-NPU test chip (not a hardware claim)."""
    precisions = precisions or {"int8": {"macs_per_cycle": rows * cols, "energy_pj_per_mac": 0.2}}
    return validate(Profile, {
        "name": "t", "units": [{"name": "npu", "kind": "npu", "cost_model": "systolic", "clock_ghz": clock_ghz,
                               "array": {"rows": rows, "cols": cols, "dataflow": "ws"}, "mapping": mapping,
                               "precisions": precisions,
                               "sram": {"ifmap_bytes": ifmap_b, "filter_bytes": filter_b, "ofmap_bytes": ofmap_b,
                                        "energy_pj_per_byte": 1.0}}],
        "dram": {"name": "dram", "bandwidth_gbps": bandwidth_gbps, "energy_pj_per_byte": 50.0},
        "sources": [{"id": "t", "title": "made-up test numbers"}]}, "test")


def residual_net():
    """input 1x8x8 int8 (64 B) -> c1 (4x8x8, 256 B) -> c2 (256 B) -> add(c1, c2) (256 B, the output)."""
    return Workload("res", (1, 8, 8), [Conv2d(name="c1", out_channels=4, kernel=3, padding=1),
                                       Conv2d(name="c2", out_channels=4, kernel=3, padding=1),
                                       Add(name="add", inputs=("c1", "c2"))])


def test_residual_branch_stays_on_chip_hand_counted():
    """Activation buffers 256 + 128 = 384 B. c1's output (256 B) lives from step 0 to the add (step 2) and fits;
    c2's output (256 B) would need 512 B at step 1 and spills: written once (256 B) and read once by the
    add (256 B). DRAM = weights once + input 64 B + output 256 B + 512 B of spill."""
    wl = residual_net()
    plan = plan_memory(wl, 384)
    assert plan.resident == {"input": False, "c1": True, "c2": False, "add": False}
    r = accelsim.simulate(npu_profile(), wl)
    weights = sum(i.model_bytes for i in wl)
    assert r.dram_bytes == weights + 64 + 256 + 512
    # with room for both branches only the compulsory traffic is left
    big = accelsim.simulate(npu_profile(ifmap_b=1024, ofmap_b=1024), wl)
    assert plan_memory(wl, 2048).resident == {"input": False, "c1": True, "c2": True, "add": False}
    assert big.dram_bytes == weights + 64 + 256
    # SCALE-Sim's mapping keeps nothing on chip: every layer reads its inputs and writes its output
    scale = accelsim.simulate(npu_profile(ifmap_b=1024, ofmap_b=1024, mapping="scalesim"), wl)
    assert scale.dram_bytes == weights + (64 + 256) + (256 + 256) + (512 + 256)


@st.composite
def random_graphs(draw):
    """Chains of same-shape convs with residual adds to earlier tensors, and random scratchpad sizes."""
    c = draw(st.integers(1, 8))
    hw = draw(st.integers(2, 12))
    layers, names = [], []
    for i in range(draw(st.integers(1, 8))):
        if names and draw(st.booleans()):
            other = draw(st.sampled_from(names))
            prev = names[-1]
            if other != prev:
                layers.append(Add(name=f"a{i}", inputs=(prev, other)))
                names.append(f"a{i}")
                continue
        k = draw(st.sampled_from([1, 3]))
        layers.append(Conv2d(name=f"c{i}", out_channels=c, kernel=k, padding=k // 2))
        names.append(f"c{i}")
    sizes = draw(st.tuples(*[st.sampled_from([64, 256, 1024, 4096, 65536])] * 3))
    array = draw(st.sampled_from([4, 8, 32]))
    return Workload("g", (c, hw, hw), layers), sizes, array


@settings(max_examples=60, deadline=None)
@given(case=random_graphs())
def test_dram_between_compulsory_and_no_reuse(case):
    wl, (ifmap_b, filter_b, ofmap_b), array = case
    prof = npu_profile(rows=array, cols=array, ifmap_b=ifmap_b, filter_b=filter_b, ofmap_b=ofmap_b)
    planned = accelsim.simulate(prof, wl).dram_bytes
    unit = prof.unit()
    no_reuse = sum(cost_layer(info, unit, profile=prof).dram_bytes for info in wl)
    consumed = {s for info in wl for s in (info.layer.inputs or ())} | {wl[i].name for i in range(len(wl) - 1)
                                                                       if not wl[i + 1].layer.inputs}
    outputs = sum(info.ofmap_elems for info in wl if info.name not in consumed)  # int8: one byte each
    compulsory = sum(i.model_bytes for i in wl) + math.prod(next(iter(wl.inputs.values()))) + outputs
    assert compulsory <= planned <= no_reuse


def test_input_kept_on_chip_never_buys_bigger_tiles_that_spill_partial_sums():
    """Hypothesis's counterexample, by hand. Input 8x5x5 int8; c1 (1x1), c2 (3x3), c3 (1x1), 8 channels each;
    scratchpads 64 / 4096 / 256 B (double-buffered: 32 / 2048 / 128 B usable), 32x32 ws array, 10 B/cycle.
    c2 alone: GEMM m=25, kw=72, n=8; 5 row folds of 15 keep each fold's output block (15 x 8 = 120 B) in the
    128 B ofmap half, so nothing spills: weights 576 + 32 bias + input 200 + output 200 = 1008 B.
    With c1's output (200 B) kept on chip, 3 row folds of 24 (192 B blocks) would spill the 200 B output twice
    (400 B written + 400 B read) to save 32 array cycles: 1608 B instead of 808 B. The plan may not do that."""
    wl = Workload("g", (8, 5, 5), [Conv2d(name="c1", out_channels=8, kernel=1),
                                   Conv2d(name="c2", out_channels=8, kernel=3, padding=1),
                                   Conv2d(name="c3", out_channels=8, kernel=1)])
    prof = npu_profile(rows=32, cols=32, ifmap_b=64, filter_b=4096, ofmap_b=256)
    unit = prof.unit()
    alone = [cost_layer(info, unit, profile=prof).dram_bytes for info in wl]
    run = accelsim.simulate(prof, wl)
    c2 = run.layers[1]
    assert alone[1] == 576 + 32 + 200 + 200
    assert c2.dram_bytes == 576 + 32 + 200          # input on chip, output to DRAM once, no partial sums
    assert c2.mapping["row_folds"] == 5
    assert run.dram_bytes <= sum(alone)


@settings(max_examples=40, deadline=None)
@given(case=random_graphs(), fmt=st.sampled_from(["ternary", "binary", "int4"]))
def test_emulated_low_bit_network_never_slower_than_int8(case, fmt):
    """The unit lacks the format: the plan sizes its activations at int8, and every layer may run as int8."""
    wl, (ifmap_b, filter_b, ofmap_b), array = case
    prof = npu_profile(rows=array, cols=array, ifmap_b=ifmap_b, filter_b=filter_b, ofmap_b=ofmap_b)
    int8 = accelsim.simulate(prof, wl.with_precision("int8"))
    low = accelsim.simulate(prof, wl.with_precision(fmt))
    assert low.latency_ms <= int8.latency_ms * (1 + 1e-12)
    assert all(lr.emulated for lr in low.layers)


def test_streams_and_partitioned_runs_price_the_plan_like_simulate():
    """The SoC cost table (streams, --unit auto) gives an auto-mapped unit the same per-layer costs as simulate."""
    from accelsim.sim.cost_table import CostTable

    wl = residual_net()
    prof = npu_profile()
    table = CostTable(wl, prof)
    run = accelsim.simulate(prof, wl)
    assert [table.analytical(i, "npu").dram_bytes for i in range(len(wl))] == [lr.dram_bytes for lr in run.layers]


@settings(max_examples=40, deadline=None)
@given(case=random_graphs(), dr=st.integers(0, 40), dc=st.integers(0, 40), f=st.sampled_from([2, 4, 16]),
       grow=st.sampled_from(["ifmap_b", "filter_b", "ofmap_b", "bandwidth_gbps"]),
       bw=st.sampled_from([1.0, 10.0, 64.0]))
def test_networks_with_the_plan_never_slower_on_a_bigger_array_or_more_sram_or_bandwidth(case, dr, dc, f, grow, bw):
    """The plan keeps more on chip with more SRAM, and the mapper may not trade its room for spills."""
    wl, (ifmap_b, filter_b, ofmap_b), array = case
    u = dict(rows=array, cols=array, ifmap_b=ifmap_b, filter_b=filter_b, ofmap_b=ofmap_b, bandwidth_gbps=bw)
    base = accelsim.simulate(npu_profile(**u), wl).latency_ms
    bigger = accelsim.simulate(npu_profile(**dict(u, rows=array + dr, cols=array + dc)), wl).latency_ms
    more = accelsim.simulate(npu_profile(**dict(u, **{grow: u[grow] * f})), wl).latency_ms
    assert bigger <= base * (1 + 1e-12) and more <= base * (1 + 1e-12)
