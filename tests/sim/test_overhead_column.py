"""Overhead is its own column: compute + overhead + stall (memory only) = total, and each layer's bound."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.hardware import load_profile
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2d, Dense, Pool2d


def chain_workload() -> Workload:
    return Workload("chain", (16, 28, 28), [
        Conv2d(name="c1", out_channels=32, kernel=3, padding=1),
        Conv2d(name="c2", out_channels=32, kernel=3, padding=1, groups=32),
        Conv2d(name="c3", out_channels=64, kernel=1),
        Pool2d(name="p", kind="avg", global_pool=True),
        Dense(name="fc", out_features=100),
    ])

CASES = [("snapdragon855", "dsp", "int8"), ("snapdragon855", "cpu", "fp32"), ("snapdragon855", "gpu", "fp16"),
         ("generic_npu", "npu", "int8")]


@settings(max_examples=12, deadline=None)
@given(case=st.sampled_from(CASES), fidelity=st.sampled_from(["analytical", "event"]),
       overhead_us=st.floats(0.0, 200.0), bandwidth=st.floats(0.5, 100.0))
def test_cycles_split_into_compute_overhead_and_stall(case, fidelity, overhead_us, bandwidth):
    name, unit_name, prec = case
    prof = load_profile(name)
    unit = prof.unit(unit_name).model_copy(update={"layer_overhead_us": overhead_us})
    prof = prof.model_copy(update={"units": [unit], "dram": prof.dram.model_copy(update={"bandwidth_gbps": bandwidth})})
    run = accelsim.simulate(prof, chain_workload(), unit=unit_name, precision=prec, fidelity=fidelity)
    expected_overhead = round(overhead_us * 1e3 * unit.clock_ghz)
    for lr in run.layers:
        assert lr.compute_cycles + lr.overhead_cycles + lr.stall_cycles == lr.total_cycles
        assert lr.stall_cycles >= 0 and 0 <= lr.overhead_cycles <= expected_overhead + 1
        parts = {"compute": lr.compute_cycles, "overhead": lr.overhead_cycles, "memory": lr.stall_cycles}
        assert parts[lr.bound] == max(parts.values())
    assert run.overhead_cycles == sum(lr.overhead_cycles for lr in run.layers)
    assert run.to_dict()["overhead_cycles"] == run.overhead_cycles


def test_dispatch_bound_layers_say_so():
    # a 1 ms dispatch per layer dwarfs every layer of a small network: all overhead-bound, no memory stall
    prof = load_profile("snapdragon855")
    dsp = prof.unit("dsp").model_copy(update={"layer_overhead_us": 1000.0})
    prof = prof.model_copy(update={"units": [dsp]})
    run = accelsim.simulate(prof, chain_workload(), unit="dsp", precision="int8")
    assert all(lr.bound == "overhead" for lr in run.layers)
    assert all(lr.overhead_cycles == 1_000_000 for lr in run.layers)      # 1000 us x 1 GHz
    assert run.stall_cycles == sum(lr.stall_cycles for lr in run.layers)
    assert run.stall_cycles < run.overhead_cycles


def test_event_never_faster_than_analytical_with_the_split():
    a = accelsim.simulate("snapdragon855", "mobilenet_v2", unit="dsp", precision="int8")
    e = accelsim.simulate("snapdragon855", "mobilenet_v2", unit="dsp", precision="int8", fidelity="event")
    assert e.total_cycles >= a.total_cycles and e.overhead_cycles == pytest.approx(a.overhead_cycles, abs=len(a.layers))
