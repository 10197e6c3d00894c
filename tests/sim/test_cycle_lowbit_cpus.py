"""Binary / ternary / int4 cycle runs on the SVE2 phones and the AVX-512 host, counted by hand."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

import accelsim
from accelsim.cli import main
from accelsim.hardware import load_profile
from accelsim.kernels import conv2d
from accelsim.kernels.simd_cycles import HOST_PATH, SimdGeometry, border_pixels, simd_stats

TINY = Path(__file__).parents[2] / "workloads" / "tiny_cnn.yaml"


def _geometry(x, w, res, pad):
    n, _, h, wd = x.shape
    k, cg, r, s = w.shape
    e, f = res.y.shape[-2:]
    border = border_pixels(h, wd, e, f, r, s, (1, 1), (pad,) * 4)
    return SimdGeometry(images=n, groups=1, m=e * f, n=k, cg=cg, r=r, s=s, e=e, f=f, border_pixels=border)


def test_avx512_binary_and_int8_counts_by_hand():
    """64 channels, 4 filters, 4x4 input, 3x3, pad 1 on one Sapphire Rapids core (512-bit vectors).

    binary: 8 pixels per vector -> 2 pixel vectors; 9 word steps; 3 x 2 x 4 x 9 = 216 main, 2 x 2 x 4 = 16
    epilogue; 12 border pixels x 4 filters / 16 lanes = 3 corrections: 235 instructions at 341.33 / (512 / 3)
    = 2 per cycle -> 118 cycles. int8 (VNNI): 16 pixels per vector -> 1; 9 taps x 16 four-channel steps = 144
    steps x 4 filters = 576 + 4 bias = 580 at 128 / 64 = 2 per cycle -> 290 cycles.
    """
    cpu = load_profile("xeon_sapphire_rapids", calibrated=False).unit("cpu")
    rng = np.random.default_rng(0)
    xb = np.where(rng.random((1, 64, 4, 4)) < 0.5, -1, 1).astype(np.int8)
    wb = np.where(rng.random((4, 64, 3, 3)) < 0.5, -1, 1).astype(np.int8)
    res = conv2d(xb, wb, mode="binary", padding=1)
    st = simd_stats(HOST_PATH.get(res.path, res.path), _geometry(xb, wb, res, 1), cpu.lanes * 32, "binary",
                    cpu.precisions["binary"].macs_per_cycle)
    assert (st.main_instructions, st.epilogue_instructions, st.correction_instructions) == (216, 16, 3)
    assert st.issue_per_cycle == pytest.approx(2.0, abs=1e-4) and st.cycles == 118
    xi = rng.integers(-128, 128, (1, 64, 4, 4)).astype(np.int8)
    wi = rng.integers(-128, 128, (4, 64, 3, 3)).astype(np.int8)
    res = conv2d(xi, wi, mode="int8", padding=1)
    st = simd_stats("dot4", _geometry(xi, wi, res, 1), 512, "int8", cpu.precisions["int8"].macs_per_cycle)
    assert st.instructions == 580 and st.cycles == 290


@pytest.mark.parametrize("profile", ["snapdragon8gen2", "dimensity9300", "xeon_sapphire_rapids"])
@pytest.mark.parametrize("precision", ["binary", "ternary", "int4"])
def test_cli_low_bit_cycle_runs_on_sve2_and_avx512_chips(profile, precision, tmp_path):
    """``accelsim run --profile P --precision binary|ternary|int4 --fidelity cycle`` measures every conv / fc."""
    path = tmp_path / "r.json"
    assert main(["run", "--profile", profile, "--workload", str(TINY), "--precision", precision,
                 "--fidelity", "cycle", "--threads", "1", "--json", str(path)]) == 0
    layers = json.loads(path.read_text())["layers"]
    measured = {lr["name"]: lr for lr in layers if (lr.get("cycle_detail") or {}).get("source") == "kernel"}
    assert set(measured) == {"conv1", "dw2", "pw2", "conv3", "fc"}
    conv3 = measured["conv3"]
    bits = 512 if profile.startswith("xeon") else 128
    if precision == "int4":
        assert conv3["emulated"] and conv3["cycle_detail"]["int8"]["vector_bits"] == bits
    else:   # binary / ternary are the cores' own cited rates now, not int8 emulation
        d = conv3["cycle_detail"]
        assert d["emulation"] == "" and d["vector_bits"] == bits
        # one big core: 4 vector instructions per cycle on the X3 / X4 (four 128-bit pipes), 2 on Golden Cove
        assert d["core_speed"] == 1.0 and d["issue_per_cycle"] == pytest.approx(2.0 if bits == 512 else 4.0, abs=1e-3)
        assert d["cycles"] == math.ceil(d["instructions"] / d["issue_per_cycle"])


def test_sve2_binary_beats_int8_on_the_x3():
    """Cortex-X3: binary 170.67 MACs/cycle against int8 SDOT 64 on the 64-channel layer."""
    b = accelsim.simulate("snapdragon8gen2", TINY, fidelity="cycle", precision="binary", threads=1)
    i = accelsim.simulate("snapdragon8gen2", TINY, fidelity="cycle", precision="int8", threads=1)
    lb, li = ({lr.name: lr.compute_cycles for lr in r.layers} for r in (b, i))
    assert lb["conv3"] < li["conv3"] / 2


def test_float_weights_quantize_to_int4_symmetrically():
    """peak 2 -> 7: -2 -> -7, 1 -> round(3.5) = 4 (to even), 2 -> 7; small values -> 0."""
    from accelsim.sim.real_weights import kernel_weights
    w = np.array([-2.0, -0.1, 0.0, 0.05, 1.0, 2.0])
    assert kernel_weights({"weight": w}, "int4", "w").tolist() == [-7, 0, 0, 0, 4, 7]


def test_int4_cycle_run_uses_given_float_weights():
    """Float weights for an int4 layer are quantized to [-7, 7] and run; the detail says they were given."""
    wl = accelsim.load_workload(str(TINY))
    info = next(i for i in wl if i.name == "conv3")
    shape = (info.layer.out_channels, info.in_shapes[0][0] // info.layer.groups, *info.layer.kernel)
    w = np.random.default_rng(3).normal(size=shape)
    r = accelsim.simulate("rk3588", TINY, unit="npu", fidelity="cycle", precision="int4", weights={"conv3": w})
    d = {lr.name: lr.cycle_detail for lr in r.layers}["conv3"]
    assert d["weights"] == "given" and d["path"] == "int4-nibble"


@pytest.mark.parametrize("name", accelsim.available_profiles())
def test_every_cpu_and_mac_array_measures_int4_layers(name):
    """``--precision int4 --fidelity cycle`` measures every conv / fc layer on every simd and systolic unit:
    native where the unit lists int4 (the RK3588 NPU), emulated everywhere else."""
    prof = load_profile(name)
    for u in (u for u in prof.units if u.cost_model != "simt"):
        res = accelsim.simulate(prof, TINY, unit=u.name, fidelity="cycle", precision="int4")
        det = {lr.name: lr.cycle_detail for lr in res.layers if lr.cycle_detail["source"] == "kernel"}
        assert set(det) == {"conv1", "dw2", "pw2", "conv3", "fc"}, (name, u.name)
        assert all(d["emulated"] == ("int4" not in u.precisions) for d in det.values()), (name, u.name)
