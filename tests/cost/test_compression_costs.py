"""What compression buys on a unit: emulated formats, zero skipping, hashing, memory traffic.

The rule tested per transform: on a unit that cannot exploit a compression,
no layer computes faster; only its memory traffic can shrink.
"""
import pytest

import accelsim
from accelsim.compress import apply_spec
from accelsim.cost import cost_layer
from accelsim.cost.compression import POPCOUNT_SPEEDUP, execution_format, plan_layer
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Unit, ZeroSkip
from accelsim.workload import Conv2d, Workload, load_workload


def _profile(zero_skip=None, unlimited=False):
    p = accelsim.load_profile("generic_npu")
    # SCALE-Sim's fixed mapping: per-layer compute is compared across formats (the auto mapper may trade
    # compute for DRAM refetches differently when the operands shrink)
    unit = p.units[0].model_copy(update={"zero_skip": zero_skip, "mapping": "scalesim"})
    dram = p.dram.model_copy(update={"bandwidth_gbps": None, "latency_ns": 0.0}) if unlimited else p.dram
    return p.model_copy(update={"units": [unit], "dram": dram})


def _per_layer(result):
    return {lr.name: lr for lr in result.layers}


# specs the generic NPU (int8/fp16 MAC array, no zero skipping, no hash unit) cannot exploit in compute
UNEXPLOITED = ["prune=0.7", "prune=0.9,format:csr", "prune=2:4", "quant=int4", "quant=ternary", "quant=binary",
               "quant=binary,a:int8", "hash=0.125"]


@pytest.mark.parametrize("spec", UNEXPLOITED)
@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_no_compute_gain_on_a_unit_that_cannot_exploit_it(spec, dataflow):
    for workload in ("alexnet", "mobilenet_v1"):
        r = accelsim.simulate(_profile(), workload, dataflow=dataflow, compress=spec)
        before = _per_layer(accelsim.simulate(_profile(), workload, dataflow=dataflow))
        for lr in r.layers:
            assert lr.compute_cycles >= before[lr.name].compute_cycles, (workload, lr.name)
            assert lr.dram_bytes <= before[lr.name].dram_bytes, (workload, lr.name)
        c = r.compression
        assert c.after.dram_bytes < c.before.dram_bytes
        # with unlimited DRAM bandwidth only compute counts: no faster at all
        ideal = accelsim.simulate(_profile(unlimited=True), workload, dataflow=dataflow, compress=spec).compression
        assert ideal.after.latency_ms >= ideal.before.latency_ms


# the Snapdragon 855's CPU (fp32/fp16/int8 NEON) and GPU (fp32/fp16 Adreno): neither skips zeros or hashes,
# the GPU has no integer datapath for popcount; the CPU runs binary (XNOR-popcount) and ternary (bit planes)
# natively on NEON (tested below)
SIMD_SIMT_UNEXPLOITED = (
    [("cpu", s) for s in ("prune=0.9", "prune=2:4", "quant=int4", "hash=0.125")]
    + [("gpu", s) for s in ("prune=0.9", "prune=2:4", "quant=int4", "quant=binary", "hash=0.125")])


@pytest.mark.parametrize("unit,spec", SIMD_SIMT_UNEXPLOITED)
def test_no_compute_gain_on_cpu_and_gpu_that_cannot_exploit_it(unit, spec):
    for workload in ("alexnet", "mobilenet_v1"):
        r = accelsim.simulate("snapdragon855", workload, unit=unit, compress=spec)
        before = _per_layer(accelsim.simulate("snapdragon855", workload, unit=unit))
        for lr in r.layers:
            assert lr.compute_cycles >= before[lr.name].compute_cycles, (workload, lr.name)
            assert lr.dram_bytes <= before[lr.name].dram_bytes, (workload, lr.name)
        assert r.compression.after.dram_bytes < r.compression.before.dram_bytes


def test_ternary_on_a_cpu_runs_as_bit_planes():
    """A76 ternary bit planes: 2 x 128 / 7 = 36.57 MACs per cycle against 32 for int8 SDOT (profile rates)."""
    r = accelsim.simulate("snapdragon855", "alexnet", unit="cpu", compress="quant=ternary", calibrated=False)
    before = _per_layer(accelsim.simulate("snapdragon855", "alexnet", unit="cpu", calibrated=False))
    conv3 = _per_layer(r)["conv3"]
    assert conv3.compute_cycles == pytest.approx(before["conv3"].compute_cycles * 32 / 36.57, rel=0.01)


def test_binary_on_a_cpu_runs_as_xnor_popcount():
    r = accelsim.simulate("snapdragon855", "alexnet", unit="cpu", compress="quant=binary")
    before = _per_layer(accelsim.simulate("snapdragon855", "alexnet", unit="cpu"))
    conv3 = _per_layer(r)["conv3"]
    assert conv3.compute_cycles < before["conv3"].compute_cycles / 2     # 8/3 x the int8 rate


@pytest.mark.parametrize("spec", ["prune=0.7", "prune=0.9", "prune=2:4"])
def test_zero_skipping_unit_turns_sparsity_into_speed_in_os_and_is(spec):
    skip = _profile(ZeroSkip(granularity=1), unlimited=True)
    for dataflow in ("os", "is"):
        c = accelsim.simulate(skip, "alexnet", dataflow=dataflow, compress=spec).compression
        assert c.after.latency_ms < 0.8 * c.before.latency_ms
    # weight-stationary: the weights sit still, a fold skips only if all of them are zero
    c = accelsim.simulate(skip, "alexnet", dataflow="ws", compress=spec).compression
    assert c.after.latency_ms >= c.before.latency_ms


def test_skipping_only_activations_gains_nothing_from_pruning():
    unit = _profile(ZeroSkip(granularity=1, operands="activations"), unlimited=True)
    c = accelsim.simulate(unit, "alexnet", dataflow="os", compress="prune=0.9").compression
    assert c.after.latency_ms >= c.before.latency_ms


def test_zero_skip_granularity_limits_the_gain():
    infos = []
    for gran in (1, 4, 16):
        unit = _profile(ZeroSkip(granularity=gran)).units[0]
        info = apply_spec(load_workload("alexnet"), "prune=0.7")["conv3"]
        infos.append(cost_layer(info, unit, dataflow="os").compute_cycles)
    assert infos[0] < infos[1] < infos[2]


def test_hashing_costs_reconstruction_cycles_and_saves_dram():
    r = accelsim.simulate(_profile(), "alexnet", dataflow="ws", compress="hash=0.125,layers:fc*")
    before = _per_layer(accelsim.simulate(_profile(), "alexnet", dataflow="ws"))
    fc6 = _per_layer(r)["fc6"]
    assert fc6.compute_cycles > before["fc6"].compute_cycles     # 6 ops per virtual weight on 32 lanes
    assert fc6.compute_cycles >= 37748736 * 6 // 32
    assert fc6.dram_bytes < 0.2 * before["fc6"].dram_bytes


@pytest.mark.parametrize("spec", ["factorize=ratio:0.25", "separable", "distill=width:0.5", "prune=channels:0.5"])
def test_structural_transforms_cut_macs_and_compute_everywhere(spec):
    for dataflow in ("os", "ws", "is"):
        c = accelsim.simulate(_profile(unlimited=True), "alexnet", dataflow=dataflow, compress=spec).compression
        assert c.after.macs < c.before.macs and c.after.latency_ms < c.before.latency_ms


def test_separable_gain_on_a_systolic_array_is_below_its_mac_gain():
    """Depthwise convolutions use one array column per channel: fewer MACs, poorer utilization."""
    c = accelsim.simulate(_profile(unlimited=True), "vgg16", dataflow="ws", compress="separable").compression
    assert c.after.macs / c.before.macs < 0.2
    assert c.after.latency_ms / c.before.latency_ms > 2 * c.after.macs / c.before.macs


def _unit(cost_model, precisions, **kw):
    return Unit(name="u", kind="cpu" if cost_model == "simd" else "npu", cost_model=cost_model, clock_ghz=1.0,
                precisions={p: {"macs_per_cycle": m, "energy_pj_per_mac": 1.0} for p, m in precisions.items()}, **kw)


def test_emulated_formats():
    cpu = _unit("simd", {"fp32": 16, "int8": 64}, lanes=16)
    fmt, spec, how = execution_format(cpu, "binary")
    assert (fmt, spec.macs_per_cycle, how) == ("int8", 64 * POPCOUNT_SPEEDUP, "xnor-popcount on int8")
    assert spec.energy_pj_per_mac == pytest.approx(1.0 / POPCOUNT_SPEEDUP)
    fmt, spec, _ = execution_format(cpu, "ternary")
    assert (fmt, spec.macs_per_cycle) == ("int8", 64)                # bit-planes are slower than int8 dot products
    assert execution_format(cpu, "int4")[2] == "unpacked to int8"
    fmt, spec, _ = execution_format(cpu, "fp16")
    assert (fmt, spec.macs_per_cycle) == ("fp32", 16)
    npu = _unit("systolic", {"int8": 1024}, array={"rows": 32, "cols": 32})
    fmt, spec, _ = execution_format(npu, "binary")
    assert (fmt, spec.macs_per_cycle) == ("int8", 1024)              # a MAC array cannot pack bits
    with pytest.raises(AccelsimError, match="layer 'c': unit 'u' does not run precision 'fp16'"):
        execution_format(npu, "fp16", "c")


def test_unpacking_packed_weights_is_counted():
    npu = _profile().units[0]
    wl = apply_spec(Workload("t", (64, 14, 14), [Conv2d(name="c", out_channels=64, kernel=3, padding=1)]),
                    "quant=binary,a:int8,edges:same")
    plan = plan_layer(wl[0], npu)
    assert plan.format == "int8" and plan.overhead_ops == 64 * 64 * 9       # one unpack op per weight
    assert plan.weight_word_bits == 8


def test_unsupported_wide_format_is_an_error():
    with pytest.raises(AccelsimError, match="does not run precision 'fp32'"):
        accelsim.simulate(_profile(), "alexnet", compress="quant=fp32")


def test_mild_sparsity_keeps_the_weights_dense_when_decoding_costs_more_than_it_saves():
    """generic_npu (no zero skipping) scatters every stored nonzero into a dense buffer on its vector lanes.
    At 12.9% sparsity a bitmap saves 8 - (1 + 0.871 * 8) = 0.03 bits per weight (~0.01 pJ of DRAM energy)
    and costs 0.871 decode operations per weight (~0.2 pJ): the weights stay dense, and the layer costs
    exactly what the unpruned one does (the same bytes and MACs). At 90% a bitmap saves 6.2 bits per weight:
    the weights stay compressed and the layer moves fewer DRAM bytes."""
    wl = Workload("one", (256, 14, 14), [Conv2d(name="pw", out_channels=256, kernel=1)])
    dense = accelsim.simulate("generic_npu", wl)
    mild = accelsim.simulate("generic_npu", wl, compress="prune=0.129")
    assert apply_spec(wl, "prune=0.129")[0].weight_bytes < wl[0].weight_bytes   # a bitmap is (barely) smaller
    assert mild.layers[0].mapping["weights_stored"] == "dense"
    assert mild.energy_mj == dense.energy_mj and mild.dram_bytes == dense.dram_bytes
    heavy = accelsim.simulate("generic_npu", wl, compress="prune=0.9")
    assert "weights_stored" not in heavy.layers[0].mapping
    assert heavy.dram_bytes < dense.dram_bytes - 0.7 * 256 * 256 and heavy.energy_mj < dense.energy_mj
    # a format the user names is kept, even where it costs more
    named = accelsim.simulate("generic_npu", wl, compress="prune=0.129,format:bitmap")
    assert "weights_stored" not in named.layers[0].mapping and named.energy_mj > dense.energy_mj
