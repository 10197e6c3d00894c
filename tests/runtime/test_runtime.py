"""Runtimes: files load, Winograd work against a hand count, algorithm choice, fusion, placement, None = today."""
from __future__ import annotations

import numpy as np
import pytest

import accelsim
from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.runtime import available_runtimes, load_runtime
from accelsim.runtime.algorithms import winograd_work
from accelsim.runtime.placement import place
from accelsim.workload import Workload, load_workload
from accelsim.workload.layers import Conv2d
from tests.helpers import NCNN_INT8_CHAIN

RUNTIMES = {"ncnn", "ncnn-vulkan", "tflite", "tflite-ruy", "tflite-py", "tflite-gpu", "snpe", "tensorrt", "paddle-lite", "tvm", "armnn",
            "openvino", "darknet"}


def test_every_runtime_loads_and_cites():
    assert RUNTIMES <= set(available_runtimes())
    for name in RUNTIMES:
        rt = load_runtime(name)
        assert rt.sources and all(r.source in {s.id for s in rt.sources} for r in rt.conv_rules if r.source)


def test_unknown_runtime_is_one_line_error():
    with pytest.raises(AccelsimError, match="runtime 'nope' not found"):
        load_runtime("nope")
    with pytest.raises(AccelsimError, match="drives"):
        accelsim.simulate("snapdragon855", "mobilenet_v1", unit="gpu", runtime="ncnn")


class Counter:
    """Counts real multiplications (both operands data-dependent) done through it."""

    def __init__(self):
        self.n = 0

    def mul(self, a, b):
        self.n += np.size(a)
        return a * b


def test_winograd_f23_against_a_hand_count():
    # 2 -> 3 channels, 4x4 output (6x6 input, no padding): 4 tiles of 2x2
    rng = np.random.default_rng(1)
    c_in, c_out, h = 2, 3, 4
    x = rng.normal(size=(c_in, h + 2, h + 2))
    w = rng.normal(size=(c_out, c_in, 3, 3))
    bt = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float)
    g = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]])
    at = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float)
    counter = Counter()
    y = np.zeros((c_out, h, h))
    for ty in range(0, h, 2):
        for tx in range(0, h, 2):
            for o in range(c_out):
                acc = np.zeros((4, 4))
                for i in range(c_in):
                    v = bt @ x[i, ty:ty + 4, tx:tx + 4] @ bt.T       # input transform: additions only
                    u = g @ w[o, i] @ g.T                            # kernel transform: offline
                    acc += counter.mul(u, v)
                y[o, ty:ty + 2, tx:tx + 2] = at @ acc @ at.T
    direct = np.array([[[np.sum(x[:, r:r + 3, c:c + 3] * w[o]) for c in range(h)] for r in range(h)]
                       for o in range(c_out)])
    np.testing.assert_allclose(y, direct, atol=1e-9)
    # by hand: 4 tiles x 16 products x 2 x 3 channel pairs = 384 (direct: 16 x 9 x 6 = 864)
    assert counter.n == 4 * 16 * c_in * c_out == 384
    work = winograd_work("winograd_f23", c_in, c_out, h, h)
    assert work.gemm_macs == counter.n
    # transforms: B^T d B = 2 x 4 columns x 8 non-zeros of B^T per input tile and channel;
    # A^T M A = (4 + 2) x 6 non-zeros of A^T per output tile and channel
    assert np.count_nonzero(bt) == 8 and np.count_nonzero(at) == 6
    assert work.vector_ops == 4 * c_in * 64 + 4 * c_out * 36


def test_winograd_f63_partial_tiles():
    work = winograd_work("winograd_f63", 64, 64, 7, 7)       # 7x7 output: 2x2 tiles of 6x6, padded
    assert work.gemm_macs == 4 * 64 * 64 * 64


def _conv_workload(c, hw, k=3, stride=1):
    return Workload("one", (c, hw, hw), [Conv2d(name="c", out_channels=c, kernel=k, stride=stride, padding=k // 2)],
                    precision="fp32")


def test_ncnn_picks_winograd_tflite_does_not():
    wl = _conv_workload(64, 56)
    prof = load_profile("snapdragon855", calibrated=False)
    cpu = prof.unit("cpu")
    info = next(iter(wl))
    ncnn = cost_layer(info, cpu, profile=prof, runtime="ncnn")
    tfl = cost_layer(info, cpu, profile=prof, runtime="tflite")
    assert ncnn.algorithm == "winograd_f63" and tfl.algorithm == "im2col_gemm"
    assert ncnn.compute_cycles < tfl.compute_cycles      # fewer multiplications (and fp16 on the A76)
    strided = next(iter(_conv_workload(64, 56, stride=2)))
    assert cost_layer(strided, cpu, profile=prof, runtime="ncnn").algorithm == "im2col_gemm"


def test_runtime_none_is_todays_cost():
    prof = load_profile("snapdragon855", calibrated=False)
    for info in load_workload("mobilenet_v2"):
        assert cost_layer(info, prof.unit("cpu"), profile=prof, threads=2) == \
            cost_layer(info, prof.unit("cpu"), profile=prof, threads=2, runtime=None)


def test_json_names_runtime_and_algorithm():
    d = accelsim.simulate("snapdragon855", "resnet18", unit="cpu", runtime="ncnn", calibrated=False).to_dict()
    assert d["runtime"] == "ncnn"
    algos = {layer["algorithm"] for layer in d["layers"]}
    assert "winograd_f63" in algos or "winograd_f43" in algos
    assert accelsim.simulate("snapdragon855", "resnet18", unit="cpu").to_dict()["runtime"] is None


def test_fusion_removes_dispatch_of_activations():
    wl = load_workload("resnet18")
    run = accelsim.simulate("snapdragon855", wl, unit="cpu", runtime="tvm", calibrated=False)
    fused = [layer for layer in run.layers if layer.algorithm == "fused"]
    assert fused and all(layer.total_cycles == 0 for layer in fused)


def test_placement_big_little_all():
    cpu = load_profile("snapdragon855", calibrated=False).unit("cpu")
    big = place(cpu, 4, "big")
    little = place(cpu, 4, "little")
    assert [c.clock_ghz for c in big.cores] == [2.84, 2.42, 2.42, 2.42]
    assert [c.clock_ghz for c in little.cores] == [1.8] * 4
    assert len(place(cpu, 8, "all").cores) == 8
    assert place(cpu, 8, "big").chunks_per_core == 2     # 8 threads time-share 4 big cores
    fast = accelsim.simulate("snapdragon855", "mobilenet_v1", unit="cpu", runtime="ncnn", threads=4, cores="big",
                             calibrated=False)
    slow = accelsim.simulate("snapdragon855", "mobilenet_v1", unit="cpu", runtime="ncnn", threads=4,
                             cores="little", calibrated=False)
    assert fast.latency_ms < slow.latency_ms


def test_static_schedule_paced_by_slowest_core():
    cpu = load_profile("snapdragon855", calibrated=False).unit("cpu")
    rt = load_runtime("ncnn")
    dynamic = rt.model_copy(update={"schedule": "dynamic", "name": "ncnn-dyn"})
    info = next(iter(_conv_workload(64, 56)))
    static_c = cost_layer(info, cpu, runtime=rt, threads=8, cores="all")
    dynamic_c = cost_layer(info, cpu, runtime=dynamic, threads=8, cores="all")
    assert static_c.compute_cycles > dynamic_c.compute_cycles


def test_utilization_at_most_one_with_winograd():
    run = accelsim.simulate("snapdragon855", "vgg16", unit="cpu", runtime="ncnn", precision="fp32", calibrated=False)
    assert all(0 <= layer.utilization <= 1 for layer in run.layers)


def test_faster_clocks_never_slower_under_a_runtime():
    """Physics under a runtime: raising every CPU cluster's clock never makes a run slower (hypothesis)."""
    from hypothesis import given, settings, strategies as st

    prof = load_profile("rk3399", calibrated=False)
    wl = load_workload("mobilenet_v2").with_precision("fp32")

    def run_with(scale: float, threads: int, cores: str) -> float:
        cpu = prof.unit("cpu")
        clusters = [c.model_copy(update={"clock_ghz": c.clock_ghz * scale}) for c in cpu.clusters]
        unit = cpu.model_copy(update={"clusters": clusters, "clock_ghz": cpu.clock_ghz * scale})
        p = prof.model_copy(update={"units": [unit if u.name == "cpu" else u for u in prof.units]})
        return accelsim.simulate(p, wl, unit="cpu", runtime="ncnn", threads=threads, cores=cores,
                                 calibrated=False).latency_ms

    @settings(max_examples=8, deadline=None)
    @given(st.floats(1.05, 3.0), st.sampled_from([1, 2]), st.sampled_from(["big", "little", "all"]))
    def check(scale, threads, cores):
        assert run_with(scale, threads, cores) <= run_with(1.0, threads, cores) * (1 + 1e-9)

    check()


def test_max_threads_caps_what_the_caller_asks():
    # tflite-py is tflite-ruy's kernels under the Python Interpreter's default of one thread (max_threads: 1)
    py, ruy = load_runtime("tflite-py"), load_runtime("tflite-ruy")
    assert py.max_threads == 1 and ruy.max_threads is None
    skip = {"name", "description", "max_threads", "int8_factor", "sources"}   # int8_factor: tests/runtime/test_int8_factor.py
    assert py.model_dump(exclude=skip) == ruy.model_dump(exclude=skip)
    four = accelsim.simulate("raspberrypi4", "mobilenet_v2", unit="cpu", threads=4, runtime="tflite-py", calibrated=False)
    one = accelsim.simulate("raspberrypi4", "mobilenet_v2", unit="cpu", threads=1, runtime="tflite-ruy", calibrated=False)
    multi = accelsim.simulate("raspberrypi4", "mobilenet_v2", unit="cpu", threads=4, runtime="tflite-ruy", calibrated=False)
    assert four.threads == 1 and multi.threads == 4
    assert four.latency_ms == pytest.approx(one.latency_ms, rel=1e-12)
    assert multi.latency_ms < 0.5 * four.latency_ms      # four cores do run faster when the stack uses them
    assert four.energy_mj / four.latency_ms < multi.energy_mj / multi.latency_ms   # one busy core draws less

def test_static_schedule_leaves_threads_idle_on_few_channels():
    """Hand count: 12 threads over a 32-channel fp32 layer = 8 packs of 4 channels; each busy thread runs one
    pack, so the layer goes 8x (not 12x) as fast as one thread. With 96 channels (24 packs) it is 12x."""
    from accelsim.runtime.cost import _cpu_rate, static_units
    from accelsim.hardware.schema import Unit
    unit = Unit(name="cpu", kind="cpu", cost_model="simd", clock_ghz=2.0, lanes=4,
                precisions={"fp32": {"macs_per_cycle": 8}},
                clusters=[{"name": "c", "core": "cortex-a78ae", "count": 12, "clock_ghz": 2.0}])
    assert static_units(32, "fp32") == 8 and static_units(32, "fp16") == 4 and static_units(30, "fp32") == 30
    one = _cpu_rate(unit, place(unit, 1, "all"), "fp32", "static", static_units(32, "fp32"))
    twelve = place(unit, 12, "all")
    assert _cpu_rate(unit, twelve, "fp32", "static", static_units(32, "fp32")) == pytest.approx(8 * one)
    assert _cpu_rate(unit, twelve, "fp32", "static", static_units(96, "fp32")) == pytest.approx(12 * one)
    # 5 packs over 2 threads: 3 + 2, the busier thread sets the pace: 5 / 3 of one thread
    two = place(unit, 2, "all")
    assert _cpu_rate(unit, two, "fp32", "static", 5) == pytest.approx(one * 5 / 3)


@pytest.mark.parametrize("soc,channels,expected", [
    ("rk3568", 64, "im2col_gemm"),         # Cortex-A55 has SDOT: int8 Winograd only from 256 channels
    ("rk3568", 256, "winograd_f43"),
    ("raspberrypi3", 64, "winograd_f43"),  # Cortex-A53 has no SDOT: int8 Winograd F(4,3) from 16 channels
])
def test_ncnn_int8_winograd_needs_wide_layers_on_sdot_cores(soc, channels, expected):
    """ncnn convolution_arm.cpp forward_int8_arm: with cpu_support_arm_asimddp() a 3x3 s1 int8 conv takes
    Winograd F(4,3) only when num_input >= 256 and num_output >= 256, else im2col sgemm."""
    prof = load_profile(soc, calibrated=False)
    wl = _conv_workload(channels, 28).with_precision("int8")
    info = next(iter(wl))
    assert cost_layer(info, prof.unit("cpu"), profile=prof, runtime="ncnn", threads=1).algorithm == expected


def _terms(soc, unit_name, runtime, wl, threads=None):
    from accelsim.runtime.cost import runtime_terms
    prof = load_profile(soc, calibrated=False)
    unit = prof.unit(unit_name)
    info = next(iter(wl))
    return runtime_terms(info, unit, load_runtime(runtime), memories=prof.unit_memories(unit), threads=threads,
                         profile=prof), unit


def test_vulkan_shaders_compute_fp32_where_the_driver_has_no_fp16():
    """ncnn's benchmark README prints 'fp16a=0' for the Adreno 512 (Snapdragon 660): ncnn-vulkan runs fp32
    shaders there, at the fp32 rate; other GPU runtimes, and GPUs without the flag, keep fp16."""
    wl = _conv_workload(64, 56, k=1)                       # a 1x1 conv: GEMM cycles = MACs / rate / occupancy
    (t660, _, d660), u660 = _terms("snapdragon660", "gpu", "ncnn-vulkan", wl)
    assert u660.vulkan_fp16_arith is False and d660["fmt"] == "fp32"
    (t_tfl, _, d_tfl), _ = _terms("snapdragon660", "gpu", "tflite-gpu", wl)
    assert d_tfl["fmt"] == "fp16"
    (_, _, d765), u765 = _terms("snapdragon765g", "gpu", "ncnn-vulkan", wl)
    assert u765.vulkan_fp16_arith is None and d765["fmt"] == "fp16"
    # the same unit with the flag cleared runs fp16: twice the profile's rate (512 vs 256 MACs per cycle)
    prof = load_profile("snapdragon660", calibrated=False)
    from accelsim.runtime.cost import runtime_terms
    fp16_unit = u660.model_copy(update={"vulkan_fp16_arith": None})
    t16, _, _ = runtime_terms(next(iter(wl)), fp16_unit, load_runtime("ncnn-vulkan"),
                              memories=prof.unit_memories(u660), profile=prof)
    rates = u660.precisions
    assert t660.gemm_cycles / t16.gemm_cycles == pytest.approx(
        rates["fp16"].macs_per_cycle / rates["fp32"].macs_per_cycle)


def test_gpu_family_key_without_calibration_group_matches_the_family():
    """Kirin 970 and Snapdragon 855+ GPUs name no calibration_group: their ncnn-vulkan key is their family's,
    the one the Mali / Adreno profiles with calibration_group use (so they share its fitted factors)."""
    wl = _conv_workload(32, 28)
    keys = {soc: _terms(soc, "gpu", "ncnn-vulkan", wl)[0][0].key
            for soc in ("kirin970", "a311d", "snapdragon855plus", "snapdragon765g")}
    assert keys["kirin970"] == keys["a311d"] == "ncnn-vulkan/mali_gpu"
    assert keys["snapdragon855plus"] == keys["snapdragon765g"] == "ncnn-vulkan/adreno_gpu"


def test_ncnn_2021_build_runs_int8_without_sdot_and_shares_ncnn_factors():
    """An ncnn build before the 2022 Arm int8 rewrite (ncnn-2021): on a Cortex-A55 (SDOT) an int8 3x3 s1 conv
    takes Winograd F(4,3) from 16 channels (no SDOT path), a 1x1 int8 GEMM runs at half the SDOT rate (8
    widening MACs per 128-bit op against SDOT's 16), fp32 layers cost the same, and the fitted factors are ncnn's."""
    conv3 = _conv_workload(64, 28).with_precision("int8")
    (new, alg_new, _), _ = _terms("rk3568", "cpu", "ncnn", conv3, threads=1)
    (old, alg_old, _), _ = _terms("rk3568", "cpu", "ncnn-2021", conv3, threads=1)
    assert (alg_new, alg_old) == ("im2col_gemm", "winograd_f43")
    conv1 = _conv_workload(64, 28, k=1).with_precision("int8")
    (new1, a1, _), _ = _terms("rk3568", "cpu", "ncnn", conv1, threads=1)
    (old1, a2, _), _ = _terms("rk3568", "cpu", "ncnn-2021", conv1, threads=1)
    assert a1 == a2 == "gemm_1x1"
    a55 = accelsim.hardware.core_types.core_type("cortex-a55")
    assert a55.dotprod and a55.precisions["int8"].macs_per_cycle == 16
    gemm_part = lambda t: t.gemm_cycles        # noqa: E731  (no transforms on a 1x1 GEMM)
    assert gemm_part(old1) == pytest.approx(2 * gemm_part(new1))
    fp32 = _conv_workload(64, 28)
    (f_new, _, _), _ = _terms("rk3568", "cpu", "ncnn", fp32, threads=1)
    (f_old, _, _), _ = _terms("rk3568", "cpu", "ncnn-2021", fp32, threads=1)
    assert f_new == f_old
    assert (old.key, old.runtime, old.core_key) == (new.key, "ncnn", new.core_key)
    # a core without SDOT (Cortex-A53) is not affected: both builds run the same int8 work
    (p_new, _, _), _ = _terms("raspberrypi3", "cpu", "ncnn", conv3, threads=1)
    (p_old, _, _), _ = _terms("raspberrypi3", "cpu", "ncnn-2021", conv3, threads=1)
    assert p_new.gemm_cycles == p_old.gemm_cycles


def test_spinning_threads_on_fewer_cores_run_at_one_core_each_share():
    """ncnn's workers spin at layer barriers (openmp_blocktime): 4 threads bound to the Snapdragon 765G's 2 big
    cores do the work of cores x cores/threads = 1 core; 2 threads on the 2 cores do 2 cores' work."""
    from accelsim.runtime.cost import _cpu_rate
    unit = load_profile("snapdragon765g", calibrated=False).unit("cpu")
    one = _cpu_rate(unit, place(unit, 1, "big"), "fp32", "static")
    two = place(unit, 2, "big")
    four = place(unit, 4, "big")
    assert len(four.cores) == 2 and four.threads == 4
    # no more threads than cores: spinning costs nothing
    assert _cpu_rate(unit, two, "fp32", "static", spin_wait=True) == pytest.approx(_cpu_rate(unit, two, "fp32", "static"))
    # the slower big core (2.2 GHz) paces both: one such core's rate, by hand from the core type
    slow = min(two.cores, key=lambda c: c.speed(unit))
    per_core = slow.macs_per_cycle(unit, "fp32") * slow.clock_ghz / unit.clock_ghz
    assert _cpu_rate(unit, four, "fp32", "static", spin_wait=True) == pytest.approx(per_core)
    assert _cpu_rate(unit, four, "fp32", "static") == pytest.approx(2 * per_core)   # time-shared, no spinning
    assert one > 0 and load_runtime("ncnn").spin_wait and not load_runtime("tflite").spin_wait




@pytest.mark.parametrize("runtime", ["ncnn", "ncnn-2021"])
def test_ncnn_int8_quantize_and_float_activation_passes_against_a_hand_count(runtime):
    """ncnn forward_int8_arm: an int8 layer fed a float blob quantizes it (2 ops per input element), every int8
    layer requantizes or dequantizes its int32 sums (2 per output), a dequantizing layer with an activation runs it
    as its own pass (1 per output). Hand count of each layer's element-wise ops, as a ratio to the same layer
    without the two flags (requantization only): the unit's rate and efficiency cancel."""
    import dataclasses

    from accelsim.runtime.cost import runtime_terms
    from accelsim.workload.ncnn_import import workload_from_ncnn
    prof = load_profile("rk3399", calibrated=False)
    unit, rt = prof.unit("cpu"), load_runtime(runtime)
    assert (rt.int8_requant_ops, rt.int8_quantize_ops, rt.int8_float_act_ops) == (2, 2, 1)
    # a: 4x8x8 float input -> 8x8x8; b, c: 8x8x8 int8 -> 8x8x8; d: concat 16x8x8 float -> 10
    hand = {"a": (2 * 512 + 2 * 256) / (2 * 512), "b": (2 * 512 + 512) / (2 * 512), "c": 1.0,
            "d": (2 * 10 + 2 * 1024) / (2 * 10)}
    for info in workload_from_ncnn(NCNN_INT8_CHAIN, name="chain"):
        if not info.macs:
            continue
        plain = dataclasses.replace(info, layer=dataclasses.replace(info.layer, quantize_input=False,
                                                                    float_activation=False))
        t, _, _ = runtime_terms(info, unit, rt, threads=1, profile=prof)
        t0, _, _ = runtime_terms(plain, unit, rt, threads=1, profile=prof)
        assert t.vector_cycles / t0.vector_cycles == pytest.approx(hand[info.name]), info.name
        assert t.gemm_cycles == t0.gemm_cycles


@pytest.mark.parametrize("soc, lane_fmt", [("rk3399", "fp32"), ("rk3568", "fp16")])
def test_int8_requantize_runs_at_the_float_lane_rate_not_the_int8_mac_rate(soc, lane_fmt):
    """A 1x1 int8 conv's requantize pass (2 ops per output) costs what 2 / C_in of the same conv's float GEMM
    costs: both run on the float lanes (fp32 on the A72; fp16 on the A55, where ncnn computes float layers in fp16),
    so vector cycles / float GEMM cycles = 2 * outputs / MACs = 2 / 64 by hand. At the int8 MAC rate (twice the
    A72's fp32 rate, twice the A55's fp16 rate with SDOT) the ratio would be half that."""
    wl = _conv_workload(64, 28, k=1)
    (t32, _, d32), _ = _terms(soc, "cpu", "ncnn", wl, threads=1)
    (t8, _, d8), _ = _terms(soc, "cpu", "ncnn", wl.with_precision("int8"), threads=1)
    assert d32["fmt"] == lane_fmt and d8["fmt"] == "int8" and t32.vector_cycles == 0
    assert t8.vector_cycles / t32.gemm_cycles == pytest.approx(2 / 64)
    assert t8.gemm_cycles < t32.gemm_cycles       # the int8 GEMM itself still runs at the int8 rate
