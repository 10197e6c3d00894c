"""Cycle fidelity (``accelsim run --fidelity cycle``) on PE arrays, against a brute-force stepper."""
import json

import numpy as np
import pytest

import accelsim
from accelsim.cli import main
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.hardware.schema import PrecisionSpec, ZeroSkip
from accelsim.kernels.pe import MODE_BITS
from accelsim.sim.cycle import conv_geometry
from tests.helpers import write_scalesim_cfg
from tests.kernels.helpers import rand
from tests.kernels.stepper import step_conv

SMALL = accelsim.load_workload("mobilenet_v1", resolution=64, width=0.25)


def _profile(dataflow="ws", zero_skip=None, formats=("int8", "ternary", "binary")):
    """generic_npu with one MAC per PE per cycle in ``formats`` and optional zero skipping."""
    p = load_profile("generic_npu")
    unit = p.unit()
    precisions = dict(unit.precisions)
    for fmt in formats:
        precisions[fmt] = PrecisionSpec(macs_per_cycle=unit.pe_count, energy_pj_per_mac=0.1)
    unit = unit.model_copy(update={"precisions": precisions, "zero_skip": zero_skip, "mapping": "scalesim",
                                   "array": unit.array.model_copy(update={"dataflow": dataflow})})
    return p.model_copy(update={"units": [unit]})


MICRO = """
name: micro
input: [4, 8, 8]
layers:
  - {name: conv1, op: conv, out_channels: 8, kernel: 3, padding: 1}
  - {name: dw2, op: conv, out_channels: 8, kernel: 3, padding: 1, stride: 2, groups: 8}
  - {name: pw3, op: conv, out_channels: 12, kernel: 1}
  - {name: pool, op: pool, kind: avg, global_pool: true}
  - {name: fc, op: fc, out_features: 10}
"""


@pytest.mark.parametrize("fmt", ["int8", "ternary", "binary"])
@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_dense_layers_match_brute_force_stepper(dataflow, fmt, tmp_path):
    """Every conv / fc layer is measured by a kernel; each count equals the PE array stepped cycle by cycle
    (tests/kernels/stepper.py) on tensors of the layer's shape: dense data, so the values do not matter."""
    path = tmp_path / "micro.yaml"
    path.write_text(MICRO)
    prof = _profile(dataflow)
    unit = prof.unit()
    cyc = accelsim.simulate(prof, path, precision=fmt, fidelity="cycle")
    sources = {lr.name: lr.cycle_detail["source"] for lr in cyc.layers}
    assert sources.pop("pool") == "analytical" and set(sources.values()) == {"kernel"}
    rng = np.random.default_rng(0)
    for info, lr in zip(accelsim.load_workload(path), cyc.layers):
        if lr.name == "pool":
            continue
        w_shape, (stride, _), (pad, *_), groups = conv_geometry(info)
        x = rand(rng, (1, *info.in_shapes[0]), fmt)
        w = rand(rng, w_shape, fmt)
        cycles, *_ = step_conv(x, w, fmt, stride, pad, groups, unit.array.rows, unit.array.cols, dataflow,
                               MODE_BITS[fmt])
        assert lr.compute_cycles == cycles, lr.name


def test_formats_without_kernel_fall_back_and_say_so():
    cyc = accelsim.simulate("generic_npu", SMALL, precision="fp16", fidelity="cycle")
    ana = accelsim.simulate("generic_npu", SMALL, precision="fp16", mapping="scalesim")  # the cycle run's folds
    assert [lr.compute_cycles for lr in cyc.layers] == [lr.compute_cycles for lr in ana.layers]
    assert {lr.cycle_detail["reason"] for lr in cyc.layers} == {"fp16 has no kernel"}


def test_zero_skip_on_ternary_saves_cycles_and_is_seeded():
    """Random ternary weights are one third zeros: os with weight skipping shortens every
    fold to its densest filter, never beyond the dense count."""
    prof = _profile("os", ZeroSkip(granularity=1, operands="weights"))
    cyc = accelsim.simulate(prof, SMALL, precision="ternary", fidelity="cycle", seed=1)
    ana = accelsim.simulate(prof, SMALL, precision="ternary")
    pairs = [(c.compute_cycles, a.compute_cycles) for c, a in zip(cyc.layers, ana.layers)]
    assert all(c <= a for c, a in pairs) and sum(c for c, _ in pairs) < 0.95 * sum(a for _, a in pairs)
    skipped = sum(lr.cycle_detail.get("skipped_ops", 0) for lr in cyc.layers)
    assert skipped > 0
    again = accelsim.simulate(prof, SMALL, precision="ternary", fidelity="cycle", seed=1)
    assert again.to_dict() == cyc.to_dict()


def test_given_weights_are_used():
    """All-zero weights for one layer: with zero skipping its folds stream nothing."""
    prof = _profile("os", ZeroSkip(granularity=1, operands="weights"))
    info = SMALL["pw2"]
    k, c = info.out_shape[0], info.in_shapes[0][0]
    zeros = {"pw2": np.zeros((k, c, 1, 1), np.int8)}
    cyc = accelsim.simulate(prof, SMALL, precision="ternary", fidelity="cycle", weights=zeros)
    pw2 = next(lr for lr in cyc.layers if lr.name == "pw2")
    assert pw2.cycle_detail["weights"] == "given" and pw2.cycle_detail["busy_pe_cycles"] == 0
    assert pw2.compute_cycles == pw2.cycle_detail["folds"] * (32 + 32 - 2) - 1
    with pytest.raises(AccelsimError, match="weights\\['pw2'\\]: shape"):
        accelsim.simulate(prof, SMALL, precision="ternary", fidelity="cycle",
                          weights={"pw2": np.zeros((3, 3), np.int8)})
    with pytest.raises(AccelsimError, match="layer 'pw2': w: mode 'ternary'"):
        accelsim.simulate(prof, SMALL, precision="ternary", fidelity="cycle",
                          weights={"pw2": np.full((k, c, 1, 1), 3, np.int8)})


def test_cli_cycle_fidelity_json(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["run", "--profile", "generic_npu", "--fidelity", "cycle", "--seed", "3", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(cycle, dataflow ws" in out and "kernels measured 28 layer(s)" in out
    data = json.loads(path.read_text())
    assert data["fidelity"] == "cycle" and data["layers"][1]["cycle_detail"]["source"] == "kernel"
    assert data == json.loads(json.dumps(accelsim.simulate("generic_npu", fidelity="cycle", seed=3).to_dict()))


@pytest.mark.slow
def test_scalesim_resnet18_ceil_mode_layers_match(tmp_path, data_dir, scalesim_reference):
    """SCALE-Sim topology rows are ceil_mode convolutions: the kernels pad to the same output."""
    cfg = write_scalesim_cfg(tmp_path / "s.cfg", 32, 32, "os")
    cyc = accelsim.simulate(cfg, data_dir / "scalesim" / "resnet18_224.csv", fidelity="cycle")
    ref = scalesim_reference["resnet18_224_os"]["layers"]
    assert [(lr.name, lr.compute_cycles) for lr in cyc.layers] == [(x["name"], x["total_cycles"]) for x in ref]


def test_bit_serial_profile_measures_the_activations():
    """generic_npu switched to Bit-Pragmatic PEs: every layer's time comes from the drawn activations' bits,
    below the full-precision (8 cycles per step) bound, and the seed changes it."""
    p = load_profile("generic_npu")
    prof = p.model_copy(update={"units": [p.unit().model_copy(update={"bit_serial": "pragmatic"})]})
    runs = [accelsim.simulate(prof, "tiny_cnn", fidelity="cycle", seed=s) for s in (0, 1)]
    conv3 = [{lr.name: lr for lr in r.layers}["conv3"] for r in runs]
    assert conv3[0].cycle_detail["bit_serial"] == "pragmatic"
    assert conv3[0].compute_cycles < conv3[0].cycle_detail["dense_cycles"]
    assert conv3[0].compute_cycles != conv3[1].compute_cycles
