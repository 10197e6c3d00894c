"""int4 kernels: bit-exact against the NumPy definition, PE-array cycles and CPU instruction counts by hand."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.cli import main
from accelsim.errors import AccelsimError
from accelsim.kernels import PEArray, conv2d
from accelsim.kernels.int4 import conv2d_int4, int4_simd_stats, pack_int4, unpack_int4
from accelsim.kernels.reference import conv2d_int_reference
from accelsim.kernels.simd_cycles import SimdGeometry

TINY = Path(__file__).parents[2] / "workloads" / "tiny_cnn.yaml"


def test_pack_int4_hand_worked_bytes():
    """1, -1 -> 0xF1 (low nibble first); 7, -8 -> 0x87; an odd length pads a zero nibble."""
    a = np.array([[1, -1, 7, -8, -3]], np.int8)
    p = pack_int4(a)
    assert p.tolist() == [[0xF1, 0x87, 0x0D]]
    assert np.array_equal(unpack_int4(p, 5), a)
    with pytest.raises(AccelsimError, match="int4 allows -8..7"):
        pack_int4(np.array([8], np.int8))


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_int4_conv_is_bit_exact_against_the_definition(data):
    act_bits = data.draw(st.sampled_from([4, 8]))
    groups = data.draw(st.integers(1, 3))
    cg, kg = data.draw(st.integers(1, 9)), data.draw(st.integers(1, 6))
    r, s = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride, pad = data.draw(st.integers(1, 2)), data.draw(st.integers(0, 2))
    h, w = data.draw(st.integers(r, 8)), data.draw(st.integers(s, 8))
    n = data.draw(st.integers(1, 2))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    lo, hi = (-8, 8) if act_bits == 4 else (-128, 128)
    x = rng.integers(lo, hi, (n, cg * groups, h, w)).astype(np.int8)
    wt = rng.integers(-8, 8, (kg * groups, cg, r, s)).astype(np.int8)
    res = conv2d_int4(x, wt, act_bits=act_bits, stride=stride, padding=pad, groups=groups)
    ref = conv2d_int_reference(x, wt, (stride, stride), (pad,) * 4, groups)
    assert res.y.dtype == np.int32 and np.array_equal(res.y, ref)


def test_extreme_values_accumulate_exactly():
    """-8 x -8 over a 3x3x64 window = 36,864, in every output (no nibble sign slip)."""
    x = np.full((1, 64, 3, 3), -8, np.int8)
    w = np.full((2, 64, 3, 3), -8, np.int8)
    assert conv2d_int4(x, w).y.ravel().tolist() == [64 * 9 * 64] * 2
    assert conv2d_int4(x, w, act_bits=8).y.ravel().tolist() == [64 * 9 * 64] * 2


def test_pe_array_cycles_hand_worked():
    """1x1 conv, 8 channels, 2 filters, 2x2 input on a 4x4 ws array of 8-bit lanes.

    W4A4: 2 int4 per PE step -> K' = 4 rows, N = 2 cols, M = 4 streamed: one fold of
    4 + (2*4 + 4 - 2) = 14 cycles, minus SCALE-Sim's last index = 13.
    W4A8 (and int8): 1 element per step -> K' = 8: two row folds of 14 -> 27.
    """
    rng = np.random.default_rng(1)
    x = rng.integers(-8, 8, (1, 8, 2, 2)).astype(np.int8)
    w = rng.integers(-8, 8, (2, 8, 1, 1)).astype(np.int8)
    pe = PEArray(4, 4, "ws", lane_bits=8)
    assert conv2d_int4(x, w, pe=pe).cycles == 13
    assert conv2d_int4(x, w, act_bits=8, pe=pe).cycles == 27
    assert conv2d(x, w, mode="int8", pe=pe).cycles == 27       # the int8 kernel agrees on the int8 step


def test_pe_array_zero_skip_counts_int4_steps():
    """Weights zero in every other pair of channels: with per-step skipping on an os array, half the steps go."""
    x = np.ones((1, 8, 1, 1), np.int8)
    w = np.array([[1, 1, 0, 0, 1, 1, 0, 0]], np.int8).reshape(1, 8, 1, 1)
    dense = conv2d_int4(x, w, pe=PEArray(1, 1, "os", lane_bits=8))
    skip = conv2d_int4(x, w, pe=PEArray(1, 1, "os", lane_bits=8, zero_skip=1, skip_operands="weights"))
    assert dense.stats.busy_pe_cycles == 4 and skip.stats.busy_pe_cycles == 2
    assert skip.cycles == dense.cycles - 2


def brute_force_int4(images, groups, c_in, h, w, k, r, s, e, f, vector_bits, act_bits, path):
    """Walk the unpack loops and the int8 path's loops one instruction at a time."""
    nibbles = vector_bits // 4
    count = 0
    for _img in range(images):
        if act_bits == 4:
            for _v in range(0, c_in * h * w, nibbles):      # one packed vector -> 3 unpack instructions
                count += 3
        for _v in range(0, k * (c_in // groups) * r * s, nibbles):
            count += 3
        for _g in range(groups):
            for _kf in range(k // groups):
                if path == "direct":
                    for _row in range(e):
                        for _tap in range(r * s * (c_in // groups)):
                            count += len(range(0, f, vector_bits // 32))
                    continue
                for _pv in range(0, e * f, vector_bits // 32):
                    for _tap in range(r * s):
                        for _c in range(0, c_in // groups, 4):
                            count += 1                         # SDOT / VPDPBUSD
                    count += 1                                 # bias
    return count


def test_simd_instructions_hand_worked():
    """1x1 conv, C=8, K=4, 4x4 input on a 128-bit core: dot products 4 pixel vectors x 4 filters x 2 steps = 32,
    bias 16; unpack input 128 nibbles = 4 vectors x 3 = 12, weights 32 nibbles = 1 vector x 3 = 3; 63 in all.
    At the A76's int8 rate (32 MACs/cycle = 2 SDOT per cycle): ceil(63 / 2) = 32 cycles."""
    g = SimdGeometry(images=1, groups=1, m=16, n=4, cg=8, r=1, s=1, e=4, f=4)
    st_ = int4_simd_stats(g, 8 * 16, 128, 32.0)
    assert (st_.int8.instructions, st_.unpack_act_instructions, st_.unpack_weight_instructions) == (48, 12, 3)
    assert st_.instructions == 63 and st_.cycles == 32 and st_.emulated
    w4a8 = int4_simd_stats(g, 8 * 16, 128, 32.0, act_bits=8)
    assert w4a8.instructions == 51 and w4a8.to_dict()["isa_path"] == "int4-unpack-dot4"


@pytest.mark.parametrize("case", [
    (1, 1, 16, 9, 9, 8, 3, 3, 1, 1, 128, 4, "dot4"),
    (2, 2, 12, 7, 6, 6, 3, 1, 2, 0, 512, 4, "dot4"),
    (1, 1, 5, 8, 8, 4, 1, 1, 1, 0, 512, 8, "dot4"),
    (1, 6, 6, 10, 10, 6, 3, 3, 2, 1, 128, 4, "direct"),
])
def test_simd_instructions_match_a_brute_force_walk(case):
    n, groups, c, h, w, k, r, s, stride, pad, vbits, act_bits, path = case
    e, f = (h + 2 * pad - r) // stride + 1, (w + 2 * pad - s) // stride + 1
    g = SimdGeometry(images=n, groups=groups, m=e * f, n=k // groups, cg=c // groups, r=r, s=s, e=e, f=f)
    got = int4_simd_stats(g, c * h * w, vbits, 64.0, act_bits, 1.0, path)
    assert got.instructions == brute_force_int4(n, groups, c, h, w, k, r, s, e, f, vbits, act_bits, path)
    assert got.cycles == math.ceil(got.instructions / (64.0 / (vbits / 8)))


def _layers(path: Path) -> dict:
    return {lr["name"]: lr for lr in json.loads(path.read_text())["layers"]}


def test_cli_int4_native_on_the_rk3588_npu_and_emulated_on_cpus(tmp_path):
    """``--precision int4 --fidelity cycle``: the RK3588 NPU runs int4 natively at twice its int8 rate; the
    Snapdragon 8 Gen 2 CPU unpacks to int8 (emulated) and counts the unpacking on top of the int8 path."""
    out = {}
    for name, profile, unit, prec in (("npu4", "rk3588", "npu", "int4"), ("npu8", "rk3588", "npu", "int8"),
                                      ("cpu4", "snapdragon8gen2", "cpu", "int4"),
                                      ("cpu8", "snapdragon8gen2", "cpu", "int8")):
        path = tmp_path / f"{name}.json"
        threads = ["--threads", "1"] if unit == "cpu" else []
        assert main(["run", "--profile", profile, "--unit", unit, "--workload", str(TINY), "--precision", prec,
                     "--fidelity", "cycle", *threads, "--json", str(path)]) == 0
        out[name] = _layers(path)
    npu4 = out["npu4"]["conv3"]
    assert npu4["cycle_detail"]["path"] == "int4-nibble" and not npu4["emulated"]
    assert npu4["cycle_detail"]["elems_per_step"] == 2 * out["npu8"]["conv3"]["cycle_detail"]["elems_per_step"]
    assert npu4["compute_cycles"] < out["npu8"]["conv3"]["compute_cycles"]
    cpu4 = out["cpu4"]["conv3"]
    assert cpu4["emulated"] and cpu4["cycle_detail"]["isa_path"] == "int4-unpack-dot4"
    assert cpu4["cycle_detail"]["unpack_act_instructions"] > 0
    assert cpu4["compute_cycles"] > out["cpu8"]["conv3"]["compute_cycles"]   # the unpacking costs extra
    assert out["cpu4"]["dw2"]["cycle_detail"]["isa_path"] == "int4-unpack-direct"


def test_cli_w4a8_layers_run_the_int4_weight_kernel(tmp_path):
    path = tmp_path / "r.json"
    assert main(["run", "--profile", "rk3588", "--unit", "npu", "--workload", str(TINY), "--compress",
                 "quant=int4,a:int8", "--fidelity", "cycle", "--json", str(path)]) == 0
    conv3 = _layers(path)["conv3"]["cycle_detail"]
    assert conv3["path"] == "int4w-nibble" and conv3["act_bits"] == 8 and conv3["elems_per_step"] == 1


def test_nm_sparse_int4_weights_shorten_the_stream_like_int8():
    """2:4 weights on an os array: the conforming layer streams half the steps, exactly as the int8 kernel does."""
    rng = np.random.default_rng(5)
    x = rng.integers(-8, 8, (1, 16, 4, 4)).astype(np.int8)
    w = rng.integers(1, 8, (8, 16, 1, 1)).astype(np.int8)
    w[:, 1::4] = 0
    w[:, 2::4] = 0                                     # two zeros in every four channels
    pe = PEArray(4, 4, "os", lane_bits=4, nm=(2, 4))  # one int4 element per step, like one int8 on 8 bits
    got = conv2d_int4(x, w, pe=pe)
    ref = conv2d(x, w, mode="int8", pe=PEArray(4, 4, "os", lane_bits=8, nm=(2, 4)))
    assert got.stats.structured and got.stats.nm_violations == 0
    assert got.cycles == ref.cycles and got.cycles < got.stats.dense_cycles
    assert np.array_equal(got.y, ref.y)


def test_bad_arguments_are_one_line_errors():
    x = np.zeros((1, 4, 3, 3), np.int8)
    w = np.zeros((2, 4, 1, 1), np.int8)
    with pytest.raises(AccelsimError, match="act_bits: got 2"):
        conv2d_int4(x, w, act_bits=2)
    with pytest.raises(AccelsimError, match="w: got value 9; int4 allows -8..7"):
        conv2d_int4(x, np.full((2, 4, 1, 1), 9, np.int8))
    with pytest.raises(AccelsimError, match="x: got value -9"):
        conv2d_int4(np.full((1, 4, 3, 3), -9, np.int8), w)
    assert conv2d_int4(np.full((1, 4, 3, 3), -9, np.int8), w, act_bits=8).y.shape == (1, 2, 3, 3)   # W4A8: int8 x
    with pytest.raises(AccelsimError, match="bit-serial"):
        conv2d_int4(x, w, pe=PEArray(2, 2, lane_bits=8, bit_serial="stripes"))
    with pytest.raises(AccelsimError, match="at most 64"):
        conv2d_int4(x, w, pe=PEArray(2, 2, lane_bits=512, zero_skip=1))


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_int4_pe_cycles_match_the_brute_force_stepper(data):
    """Dense, zero-skipping and N:M runs of int4 layers against tests/kernels/stepper.py (stepped cycle by cycle)."""
    from tests.kernels.stepper import step_conv
    act_bits = data.draw(st.sampled_from([4, 8]))
    df = data.draw(st.sampled_from(["os", "ws", "is"]))
    rows, cols = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    lane_bits = data.draw(st.sampled_from([8, 16, 32]))
    gran = data.draw(st.sampled_from([None, 1, 2]))
    operands = data.draw(st.sampled_from(["weights", "activations", "both"])) if gran else "weights"
    groups = data.draw(st.integers(1, 2))
    cg, kg = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 4))
    r, stride, pad = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2)), data.draw(st.integers(0, 1))
    h = data.draw(st.integers(r, 5))
    density = data.draw(st.sampled_from([0.2, 0.6, 1.0]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    lo, hi = (-8, 8) if act_bits == 4 else (-128, 128)
    x = rng.integers(lo, hi, (1, cg * groups, h, h)).astype(np.int8)
    w = (rng.integers(-8, 8, (kg * groups, cg, r, r)) * (rng.random((kg * groups, cg, r, r)) < density)).astype(np.int8)
    x = (x * (rng.random(x.shape) < density)).astype(np.int8)
    pe = PEArray(rows, cols, df, lane_bits=lane_bits, zero_skip=gran, skip_operands=operands)
    got = conv2d_int4(x, w, act_bits=act_bits, stride=stride, padding=pad, groups=groups, pe=pe).stats
    cycles, busy, dense, folds = step_conv(x, w, "int4" if act_bits == 4 else "int8", stride, pad, groups, rows, cols,
                                           df, lane_bits, gran, operands)
    assert (got.cycles, got.busy_pe_cycles, got.dense_ops, got.folds) == (cycles, busy, dense, folds)
