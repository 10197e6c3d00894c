"""The cycle fidelity on compressed workloads: kernels measure zero skipping on the transform's zeros."""
import accelsim
from accelsim.hardware.schema import ZeroSkip


def _profile(zero_skip=None):
    p = accelsim.load_profile("generic_npu")
    return p.model_copy(update={"units": [p.units[0].model_copy(update={"zero_skip": zero_skip, "mapping": "scalesim"})]})


def test_pruned_weights_are_sampled_and_skipped():
    prof = _profile(ZeroSkip(granularity=1))
    cyc = accelsim.simulate(prof, "tiny_cnn", dataflow="os", fidelity="cycle", compress="prune=0.8")
    ana = accelsim.simulate(prof, "tiny_cnn", dataflow="os", compress="prune=0.8")
    conv3 = {lr.name: lr for lr in cyc.layers}["conv3"]
    assert conv3.cycle_detail["source"] == "kernel"
    assert conv3.cycle_detail["weights"] == "sampled with the layer's compression"
    assert conv3.cycle_detail["skipped_ops"] > 0
    dense = {lr.name: lr for lr in accelsim.simulate(prof, "tiny_cnn", dataflow="os", fidelity="cycle").layers}
    assert conv3.compute_cycles < 0.5 * dense["conv3"].compute_cycles
    assert cyc.compression.after.latency_ms < 0.8 * cyc.compression.before.latency_ms
    assert abs(cyc.compute_cycles / ana.compute_cycles - 1) < 0.1


def test_no_skipping_unit_measures_no_gain():
    prof = _profile(None)
    cyc = accelsim.simulate(prof, "tiny_cnn", dataflow="os", fidelity="cycle", compress="prune=0.8")
    before = {lr.name: lr.compute_cycles for lr in accelsim.simulate(prof, "tiny_cnn", dataflow="os",
                                                                      fidelity="cycle").layers}
    for lr in cyc.layers:
        assert lr.compute_cycles >= before[lr.name]


def test_hash_reconstruction_bounds_measured_cycles():
    prof = _profile(None)
    hashed = accelsim.simulate(prof, "tiny_cnn", dataflow="ws", fidelity="cycle", compress="hash=0.25,ops:20")
    dense = accelsim.simulate(prof, "tiny_cnn", dataflow="ws", fidelity="cycle")
    slower = [c.name for c, d in zip(hashed.layers, dense.layers) if c.compute_cycles > d.compute_cycles]
    assert "conv3" in slower                               # 20 hash ops per weight on 32 lanes outlast the array
    assert all(c.compute_cycles >= d.compute_cycles for c, d in zip(hashed.layers, dense.layers))


def test_orin_dla_reads_two_of_four_weights_measured_on_the_tensors():
    """Orin DLA (2:4 structured sparsity): 2:4-pruned weights conform and shorten conv3's folds;
    unstructured 50% pruning breaks the pattern in many groups and runs dense."""
    run = {spec: accelsim.simulate("jetson_agx_orin", "tiny_cnn", unit="dla", fidelity="cycle", compress=spec)
           for spec in ("prune=2:4", "prune=0.5")}
    dense = accelsim.simulate("jetson_agx_orin", "tiny_cnn", unit="dla", fidelity="cycle")
    got = {spec: {lr.name: lr for lr in r.layers} for spec, r in run.items()}
    base = {lr.name: lr for lr in dense.layers}
    nm = got["prune=2:4"]["conv3"]
    assert nm.cycle_detail["structured"] and nm.cycle_detail["nm_violations"] == 0
    assert nm.compute_cycles < base["conv3"].compute_cycles == nm.cycle_detail["dense_cycles"]
    un = got["prune=0.5"]["conv3"]
    assert not un.cycle_detail["structured"] and un.cycle_detail["nm_violations"] > 0
    assert un.compute_cycles == base["conv3"].compute_cycles
