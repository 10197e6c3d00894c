"""Physics as properties of the auto mapper (hypothesis over random layers and made-up test units).

More MACs, scratchpad, bandwidth or clock is never slower; a format the unit runs natively at fewer bits
is never slower than int8, nor is an emulated one; utilization counts the MACs executed and stays <= 1;
the event fidelity never beats the analytical bound.
"""
import math

from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.compress import apply_spec
from accelsim.hardware.schema import ZeroSkip
from accelsim.workload import Conv2d, Dense, Workload
from tests.map.test_memory_plan import npu_profile

SETTINGS = settings(max_examples=80, deadline=None)


@st.composite
def layers(draw):
    """One conv (dense, grouped or depthwise, any kernel and stride) or fully connected layer."""
    c = draw(st.integers(1, 64))
    hw = draw(st.integers(1, 28))
    if draw(st.integers(0, 4)) == 0:
        return Workload("fc", (c, hw, hw), [Dense(name="fc", out_features=draw(st.integers(1, 600)))])
    k = min(hw, draw(st.sampled_from([1, 3, 5])))
    groups = draw(st.sampled_from([1, 1, c, math.gcd(c, 4)]))
    out = groups * draw(st.integers(1, 4)) if groups > 1 else draw(st.integers(1, 300))
    stride = draw(st.integers(1, 2))
    return Workload("conv", (c, hw, hw), [Conv2d(name="conv", out_channels=out, kernel=k, stride=stride,
                                                 padding=k // 2, groups=groups)])


@st.composite
def units(draw):
    rows, cols = draw(st.integers(2, 64)), draw(st.integers(2, 64))
    return dict(rows=rows, cols=cols, ifmap_b=draw(st.sampled_from([1024, 16384, 262144])),
                filter_b=draw(st.sampled_from([1024, 16384, 262144])),
                ofmap_b=draw(st.sampled_from([512, 8192, 131072])),
                bandwidth_gbps=draw(st.sampled_from([1.0, 8.0, 64.0])), clock_ghz=draw(st.sampled_from([0.5, 1.0])))


def _ms(wl, **kw):
    return accelsim.simulate(npu_profile(**kw), wl).latency_ms


def _bigger(u, **grow):
    return dict(u, **{k: u[k] * f for k, f in grow.items()})


@SETTINGS
@given(wl=layers(), u=units(), dr=st.integers(0, 64), dc=st.integers(0, 64))
def test_bigger_array_never_slower(wl, u, dr, dc):
    assert _ms(wl, **dict(u, rows=u["rows"] + dr, cols=u["cols"] + dc)) <= _ms(wl, **u) * (1 + 1e-12)


def _skipping(u, dataflow, gran):
    """The test unit with an array of ``dataflow`` that skips zero weights in blocks of ``gran`` steps."""
    prof = npu_profile(**u)
    unit = prof.units[0]
    unit = unit.model_copy(update={"zero_skip": ZeroSkip(granularity=gran, operands="weights"),
                                   "array": unit.array.model_copy(update={"dataflow": dataflow})})
    return prof.model_copy(update={"units": [unit]})


@SETTINGS
@given(wl=layers(), u=units(), dr=st.integers(0, 64), dc=st.integers(0, 64), df=st.sampled_from(["os", "ws", "is"]),
       gran=st.sampled_from([1, 4]), sparsity=st.sampled_from([None, "prune=0.5", "prune=0.9", "prune=2:4"]))
def test_bigger_zero_skipping_array_never_slower_on_pruned_layers(wl, u, dr, dc, df, gran, sparsity):
    """More PEs of the same kind (MACs per cycle grow with rows x cols, as npu_profile and the sweeps'
    overrides do) on a zero-skipping unit, dense or pruned layers: never slower."""
    w = apply_spec(wl, sparsity) if sparsity else wl
    big = dict(u, rows=u["rows"] + dr, cols=u["cols"] + dc)
    small_ms = accelsim.simulate(_skipping(u, df, gran), w).latency_ms
    assert accelsim.simulate(_skipping(big, df, gran), w).latency_ms <= small_ms * (1 + 1e-12)


def test_bigger_zero_skipping_npu_never_slower_on_pruned_mobilenet_v2():
    """generic_npu, os, skipping zero weights one at a time, grown through the profile overrides (which scale
    every format's MACs per cycle with rows x cols), on MobileNet-V2 pruned to 90%."""
    from accelsim.dse.profile_fields import apply_overrides
    wl = apply_spec(accelsim.load_workload("mobilenet_v2"), "prune=0.9")
    ms = []
    for n in (32, 64, 128):
        prof = apply_overrides(accelsim.load_profile("generic_npu"), {
            "units.npu.zero_skip": {"granularity": 1}, "units.npu.array.dataflow": "os",
            "units.npu.array.rows": n, "units.npu.array.cols": n})
        assert prof.units[0].precisions["int8"].macs_per_cycle == n * n
        ms.append(accelsim.simulate(prof, wl).latency_ms)
    assert ms[2] <= ms[1] <= ms[0]


@SETTINGS
@given(wl=layers(), u=units(), f=st.sampled_from([2, 4, 16]))
def test_more_sram_bandwidth_or_clock_never_slower(wl, u, f):
    base = _ms(wl, **u)
    for grow in ({"ifmap_b": f}, {"filter_b": f}, {"ofmap_b": f}, {"ifmap_b": f, "filter_b": f, "ofmap_b": f},
                 {"bandwidth_gbps": f}, {"clock_ghz": f}):
        assert _ms(wl, **_bigger(u, **grow)) <= base * (1 + 1e-12), grow


@SETTINGS
@given(wl=layers(), u=units(), fmt=st.sampled_from(["ternary", "binary", "int4"]), k=st.sampled_from([1, 2, 8]))
def test_fewer_bits_never_slower(wl, u, fmt, k):
    pe = u["rows"] * u["cols"]
    int8 = {"int8": {"macs_per_cycle": pe, "energy_pj_per_mac": 0.2}}
    native = dict(int8, **{fmt: {"macs_per_cycle": pe * k, "energy_pj_per_mac": 0.1}})
    base = accelsim.simulate(npu_profile(**u, precisions=int8), wl, precision="int8")
    low = wl.with_precision(fmt)
    ran = accelsim.simulate(npu_profile(**u, precisions=native), low)
    assert ran.latency_ms <= base.latency_ms * (1 + 1e-12)
    assert not any(lr.emulated for lr in ran.layers)
    # without the format the unit emulates it in int8 (named as such), still never slower than int8
    emulated = accelsim.simulate(npu_profile(**u, precisions=int8), low)
    assert emulated.latency_ms <= base.latency_ms * (1 + 1e-12)
    assert all(lr.emulated for lr in emulated.layers)
    assert all(lr["emulated"] for lr in emulated.to_dict()["layers"])


@SETTINGS
@given(wl=layers(), u=units(), sparsity=st.sampled_from(["prune=0.5", "prune=0.9", "prune=2:4"]),
       gran=st.sampled_from([1, 4]))
def test_utilization_counts_executed_macs_and_never_exceeds_one(wl, u, sparsity, gran):
    prof = npu_profile(**u)
    unit = prof.units[0].model_copy(update={"zero_skip": ZeroSkip(granularity=gran)})
    prof = prof.model_copy(update={"units": [unit]})
    for w in (wl, apply_spec(wl, sparsity)):
        for mapping in ("auto", "scalesim"):
            for lr in accelsim.simulate(prof, w, mapping=mapping).layers:
                assert 0.0 <= lr.utilization <= 1.0, (mapping, lr)


@SETTINGS
@given(wl=layers(), u=units())
def test_event_never_beats_the_analytical_bound(wl, u):
    prof = npu_profile(**u)
    ana = accelsim.simulate(prof, wl)
    ev = accelsim.simulate(prof, wl, fidelity="event")
    assert ev.total_cycles >= ana.total_cycles * 0.999
    for lr in ev.layers:
        assert lr.total_cycles >= lr.compute_cycles


def test_zero_skipping_on_part_of_a_bigger_array_skips_as_the_smaller_array_does():
    """Hypothesis's counterexample, by hand: fc 16 -> 11 pruned to 50%, input-stationary, skipping zero weights
    one at a time. is: rows hold the 16 window positions, each fold's used rows walk the 11 filters in
    lockstep, skipping their zero weights (p = 0.5 nonzero): blocks 11, mean 5.5, sd sqrt(11/4) = 1.658.
    k rows in lockstep take mean + z_k * sd steps, z_k = Phi^-1((k - 0.375) / (k + 0.25)) (Blom):
    z_8 = 1.434 -> 7.88 -> 8 steps; z_10 = 1.547 -> 8.07 -> 9 steps. An 8x2 array folds the 16 positions in
    two 8-row folds; a 10x2 array does the same (balanced tiles of 8), so only 8 rows walk in lockstep and a
    fold streams 8 steps, not the 9 of a whole 10-row column."""
    from statistics import NormalDist
    z = {k: NormalDist().inv_cdf((k - 0.375) / (k + 0.25)) for k in (8, 10)}
    assert [math.ceil(5.5 + z[k] * math.sqrt(11 / 4)) for k in (8, 10)] == [8, 9]
    wl = apply_spec(Workload("fc", (1, 4, 4), [Dense(name="fc", out_features=11)]), "prune=0.5")
    u = dict(rows=8, cols=2, ifmap_b=1024, filter_b=1024, ofmap_b=512, bandwidth_gbps=8.0, clock_ghz=0.5)
    small = accelsim.simulate(_skipping(u, "is", 1), wl).layers[0]
    big = accelsim.simulate(_skipping(dict(u, rows=10), "is", 1), wl).layers[0]
    assert (small.mapping["tile_rows"], small.mapping["stream"]) == (8, 8)
    assert (big.mapping["tile_rows"], big.mapping["stream"]) == (8, 8)
    assert big.total_cycles <= small.total_cycles
