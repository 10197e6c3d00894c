"""SIMD and SIMT cost models against hand-computed figures, and the memory-hierarchy tiling."""
import math
import time

import pytest

import accelsim
from accelsim.cost import cost_layer
from accelsim.cost.simt import occupancy
from accelsim.cost.tiling import blocked_traffic_bytes
from accelsim.hardware import load_profile
from accelsim.hardware.schema import SimtSpec
from accelsim.sim.analytical import analytical_cycles
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2d


def _wl(precision="fp32"):
    return Workload("t", (32, 56, 56), [
        Conv2d(name="conv", out_channels=64, kernel=3, padding=1),
        Conv2d(name="dw", out_channels=64, kernel=3, padding=1, groups=64),
        Conv2d(name="pw", out_channels=128, kernel=1)], precision=precision)


def test_simd_compute_cycles_by_hand():
    prof = load_profile("snapdragon855", calibrated=False)
    cpu = prof.unit("cpu")
    conv, dw, pw = _wl()
    speeds = 1 + 3 * 2.42 / 2.84          # 1 prime + 3 gold cores, in prime-core units
    c = cost_layer(conv, cpu, profile=prof, threads=4)
    assert c.compute_cycles == math.ceil(conv.macs / (8 * speeds * 0.6))
    c = cost_layer(pw, cpu, profile=prof, threads=4)
    assert c.op_class == "pointwise" and c.compute_cycles == math.ceil(pw.macs / (8 * speeds * 0.7))
    c = cost_layer(dw, cpu, profile=prof, threads=1)
    assert c.op_class == "depthwise" and c.threads == 1 and c.compute_cycles == math.ceil(dw.macs / (8 * 0.35))
    assert c.overhead_cycles == math.ceil(5 * 1e3 * 2.84)


def test_simd_vector_rate_for_depthwise_and_little_cores():
    prof = load_profile("snapdragon855", calibrated=False)
    dsp = prof.unit("dsp")
    conv, dw, _ = _wl("int8")
    # four HVX units x 128 int8 MACs (one 1024-bit vrmpy each) for dense and depthwise layers alike
    assert cost_layer(conv, dsp, profile=prof).compute_cycles == math.ceil(conv.macs / (128 * 4 * 0.5))
    assert cost_layer(dw, dsp, profile=prof).compute_cycles == math.ceil(dw.macs / (128 * 4 * 0.3))
    cpu = prof.unit("cpu")
    assert cpu.thread_speeds(6) == pytest.approx([1] + [2.42 / 2.84] * 3 + [0.5 * 1.8 / 2.84] * 2)


def test_simt_occupancy_and_tensor_cores():
    spec = SimtSpec(outputs_per_block=100, blocks_per_core=2)
    assert occupancy(400, 2, spec) == 1.0              # 4 blocks fill 4 slots in one wave
    assert occupancy(500, 2, spec) == pytest.approx(5 / 8)   # 5 blocks: two waves, 3 idle slots
    assert occupancy(50, 8, spec) == pytest.approx(1 / 16)
    prof = load_profile("jetson_agx_xavier", calibrated=False)
    gpu = prof.unit("gpu")
    conv, dw, _ = _wl("int8")
    occ = occupancy(conv.ofmap_elems, 8, gpu.simt)
    assert cost_layer(conv, gpu, profile=prof).compute_cycles == math.ceil(conv.macs / (8192 * 0.5 * occ))
    occ = occupancy(dw.ofmap_elems, 8, gpu.simt)
    assert cost_layer(dw, gpu, profile=prof).compute_cycles == math.ceil(dw.macs / (2048 * 0.3 * occ))


def test_blocked_traffic_bounds():
    assert blocked_traffic_bytes(100, 200, 300, 1e6, 1, 1000) == 600           # everything fits: once each
    small = blocked_traffic_bytes(1e5, 1e5, 1e5, 1e9, 1, 3 * 1024)
    big = blocked_traffic_bytes(1e5, 1e5, 1e5, 1e9, 1, 3 * 64 * 1024)
    assert small == pytest.approx(2e9 / 32) and big == pytest.approx(2e9 / 256)  # 2 MACs / tile side
    assert small > big >= 3e5
    assert blocked_traffic_bytes(1e6, 1e6, 1e6, 10, 1, 16) == 3e6              # never below compulsory


def test_roofline_plus_overhead():
    prof = load_profile("myriad2", calibrated=False)
    vpu = prof.unit()
    for info in accelsim.load_workload("mobilenet_v2").with_precision("fp16"):
        c = cost_layer(info, vpu, profile=prof)
        total = analytical_cycles(c, vpu, prof)
        assert total >= max(c.compute_cycles, c.memory_cycles) + c.overhead_cycles
        assert c.overhead_cycles == math.ceil(100 * 1e3 * 0.6)


def test_mobilenet_v2_prices_in_milliseconds():
    wl = accelsim.load_workload("mobilenet_v2")
    prof = load_profile("snapdragon855")
    for unit, prec in (("cpu", "int8"), ("gpu", "fp16"), ("dsp", "int8")):
        w = wl.with_precision(prec)
        accelsim.simulate(prof, w, unit=unit)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            accelsim.simulate(prof, w, unit=unit)
            times.append(time.perf_counter() - t)
        assert sorted(times)[2] < 0.05, (unit, times)   # measured ~2-4 ms on this machine
