"""PE-array cycle accounting against a brute-force stepper and hand-worked examples."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimError
from accelsim.kernels import PEArray, conv2d
from tests.kernels.helpers import rand
from accelsim.kernels.pe import MODE_BITS
from tests.kernels.stepper import step_bitserial_conv, step_conv

DATAFLOWS = ["os", "ws", "is"]


@settings(max_examples=50, deadline=None)
@given(df=st.sampled_from(DATAFLOWS), rows=st.integers(1, 6), cols=st.integers(1, 6),
       mode=st.sampled_from(["int8", "ternary", "binary"]), lane_bits=st.sampled_from([8, 16, 64]),
       c=st.integers(1, 6), kg=st.integers(1, 5), groups=st.sampled_from([1, 2]), h=st.integers(3, 6),
       r=st.integers(1, 3), stride=st.integers(1, 2), pad=st.integers(0, 1), n=st.integers(1, 2),
       seed=st.integers(0, 2**31))
def test_dense_cycles_match_brute_force_stepper(df, rows, cols, mode, lane_bits, c, kg, groups, h, r, stride, pad,
                                                n, seed):
    """Without zero skipping, the kernel's count equals the array stepped cycle by cycle (tests/kernels/stepper.py)."""
    rng = np.random.default_rng(seed)
    x = rand(rng, (n, c * groups, h, h), mode)
    w = rand(rng, (kg * groups, c, r, r), mode)
    pe = PEArray(rows, cols, df, lane_bits=lane_bits)
    st_ = conv2d(x, w, mode=mode, stride=stride, padding=pad, groups=groups, pe=pe).stats
    cycles, busy, dense, folds = step_conv(x, w, mode, stride, pad, groups, rows, cols, df, lane_bits)
    assert (st_.cycles, st_.busy_pe_cycles, st_.dense_ops, st_.folds) == (cycles, busy, dense, folds)
    assert st_.skipped_ops == 0 and st_.cycles == st_.dense_cycles
    assert st_.busy_pe_cycles + st_.idle_pe_cycles == st_.pe_cycles == (cycles + n * groups) * rows * cols


@settings(max_examples=50, deadline=None)
@given(df=st.sampled_from(DATAFLOWS), rows=st.integers(1, 5), cols=st.integers(1, 5), gran=st.integers(1, 4),
       operands=st.sampled_from(["weights", "activations", "both"]), density=st.floats(0.0, 1.0),
       lane_bits=st.sampled_from([2, 8, 32]), groups=st.sampled_from([1, 2]), pad=st.integers(0, 1),
       seed=st.integers(0, 2**31))
def test_zero_skip_cycles_match_brute_force_stepper(df, rows, cols, gran, operands, density, lane_bits, groups, pad,
                                                    seed):
    """Zero skipping on random sparse ternary tensors: the kernel's count equals the stepper's."""
    rng = np.random.default_rng(seed)
    x = (rand(rng, (1, 3 * groups, 5, 5), "ternary") * (rng.random((1, 3 * groups, 5, 5)) < density)).astype(np.int8)
    w = (rand(rng, (3 * groups, 3, 3, 3), "ternary") * (rng.random((3 * groups, 3, 3, 3)) < density)).astype(np.int8)
    pe = PEArray(rows, cols, df, lane_bits=lane_bits, zero_skip=gran, skip_operands=operands)
    st_ = conv2d(x, w, mode="ternary", padding=pad, groups=groups, pe=pe).stats
    cycles, busy, dense, folds = step_conv(x, w, "ternary", 1, pad, groups, rows, cols, df, lane_bits, gran, operands)
    assert (st_.cycles, st_.busy_pe_cycles, st_.dense_ops, st_.folds) == (cycles, busy, dense, folds)


@pytest.mark.parametrize("df", DATAFLOWS)
def test_dense_data_with_zero_skip_costs_dense(df):
    """Skipping hardware on data without zeros (binary: never zero) takes the dense time."""
    rng = np.random.default_rng(0)
    x, w = rand(rng, (1, 20, 7, 7), "binary"), rand(rng, (12, 20, 3, 3), "binary")
    for g in (1, 4):
        res = conv2d(x, w, mode="binary", padding=1, pad_value=1,
                     pe=PEArray(5, 3, df, lane_bits=1, zero_skip=g, skip_operands="both"))
        assert res.stats.cycles == res.stats.dense_cycles and res.stats.skipped_ops == 0


@settings(max_examples=60, deadline=None)
@given(df=st.sampled_from(DATAFLOWS), rows=st.integers(1, 6), cols=st.integers(1, 6),
       gran=st.integers(1, 5), operands=st.sampled_from(["weights", "activations", "both"]),
       density=st.floats(0.0, 1.0), lane_bits=st.sampled_from([2, 8, 32]), groups=st.sampled_from([1, 2]),
       pad=st.integers(0, 1), seed=st.integers(0, 2**31))
def test_zero_skip_never_costs_more_than_dense(df, rows, cols, gran, operands, density, lane_bits, groups, pad, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, (1, 4 * groups, 6, 6), "ternary") * (rng.random((1, 4 * groups, 6, 6)) < density)
    w = rand(rng, (3 * groups, 4, 3, 3), "ternary") * (rng.random((3 * groups, 4, 3, 3)) < density)
    pe = PEArray(rows, cols, df, lane_bits=lane_bits, zero_skip=gran, skip_operands=operands)
    s = conv2d(x.astype(np.int8), w.astype(np.int8), mode="ternary", padding=pad, groups=groups, pe=pe).stats
    assert s.cycles <= s.dense_cycles
    assert 0 <= s.busy_pe_cycles <= s.dense_ops and s.skipped_ops == s.dense_ops - s.busy_pe_cycles
    assert s.idle_pe_cycles == (s.cycles + groups) * rows * cols - s.busy_pe_cycles >= 0


def _one_by_one(w_rows, x_pixels=4):
    """A 1x1 convolution: x of ``x_pixels`` ones-valued pixels (2 x x_pixels/2), filters = rows of ``w_rows``."""
    w = np.asarray(w_rows, np.int8)[:, :, None, None]
    x = np.ones((1, w.shape[1], 2, x_pixels // 2), np.int8)
    return x, w


def test_os_same_weight_sparsity_clustered_vs_scattered():
    """os, 4x4 array, M = 16 pixels, N = 4 filters, Kw = 8: one fold column, four row folds.

    Dense: 4 * (8 + 4 + 4 - 2) - 1 = 55. Half the weights zero, clustered in filters 0 and 1:
    every fold still has filters with 8 nonzero steps -> 55. The same number of zeros spread
    four per filter: the slowest PE has 4 steps -> 4 * (4 + 6) - 1 = 39.
    """
    clustered = np.ones((4, 8), np.int8)
    clustered[:2] = 0
    scattered = np.ones((4, 8), np.int8)
    for n in range(4):
        scattered[n, (np.arange(4) + 2 * n) % 8] = 0
    assert clustered.sum() == scattered.sum()
    pe = PEArray(4, 4, "os", zero_skip=1)
    cycles = {}
    for name, wr in (("clustered", clustered), ("scattered", scattered)):
        w = wr[:, :, None, None]
        x = np.ones((1, 8, 4, 4), np.int8)
        cycles[name] = conv2d(x, w, mode="int8", pe=pe).stats
    assert cycles["clustered"].cycles == cycles["clustered"].dense_cycles == 55
    assert cycles["scattered"].cycles == 39
    assert cycles["clustered"].skipped_ops == cycles["scattered"].skipped_ops == 4 * 4 * 4 * 4  # M*N*... skipped steps


def test_granularity_blocks_skip_only_whole_zero_blocks():
    """os, one filter of 8 channels, 4 pixels on a 4x4 array: one fold, T = 8, fill 6, dense 13.

    Zeros at channels {0, 1} fill one block of 2: G=1 and G=2 both skip 2 steps -> 11.
    Zeros at {0, 2} (as many, scattered): G=1 skips 2 -> 11, G=2 finds no all-zero block -> 13.
    """
    def cycles(zeros, gran):
        wr = np.ones((1, 8), np.int8)
        wr[0, zeros] = 0
        x, w = _one_by_one(wr)
        return conv2d(x, w, mode="int8", pe=PEArray(4, 4, "os", zero_skip=gran)).stats.cycles

    assert conv2d(*_one_by_one(np.ones((1, 8))), mode="int8", pe=PEArray(4, 4, "os")).stats.cycles == 13
    assert cycles([0, 1], 1) == cycles([0, 1], 2) == 11
    assert cycles([0, 2], 1) == 11 and cycles([0, 2], 2) == 13


def test_ws_weight_zeros_save_only_whole_zero_folds():
    """ws keeps weights stationary and streams the M = 4 pixels: a PE with a zero weight idles,
    but its fold still streams T = 4 unless every weight of the fold is zero.

    1x1 conv, Kw = 8 channels, N = 4 filters, 4x4 array: 2 row folds, fill 2*4 + 4 - 2 = 10,
    dense 2 * (4 + 10) - 1 = 27. Channels 0-3 zero in every filter: fold 1 streams nothing ->
    10 + 14 - 1 = 23. As many zeros scattered over both folds: 27.
    """
    clustered = np.ones((4, 8), np.int8)
    clustered[:, :4] = 0
    scattered = np.ones((4, 8), np.int8)
    for n in range(4):
        scattered[n, [n, n + 4, (n + 1) % 4, (n + 1) % 4 + 4]] = 0
    assert clustered.sum() == scattered.sum() == 16
    pe = PEArray(4, 4, "ws", zero_skip=1)
    got = {name: conv2d(*_one_by_one(wr), mode="int8", pe=pe).stats for name, wr in
           (("clustered", clustered), ("scattered", scattered))}
    assert got["clustered"].dense_cycles == 27
    assert got["clustered"].cycles == 23 and got["scattered"].cycles == 27


def test_activation_zeros_in_is_and_operand_choice():
    """is streams filters through PEs holding one activation each: zero activations idle their PE,
    and only the weights' zeros shorten the stream. With operands="weights" activation zeros
    change nothing."""
    x = np.ones((1, 4, 2, 2), np.int8)
    x[0, :, 0, 0] = 0  # pixel 0 all zero
    w = np.ones((8, 4, 1, 1), np.int8)
    w[4:] = 0  # filters 4-7 zero: every PE's stream over n has 4 nonzero of 8
    both = conv2d(x, w, mode="int8", pe=PEArray(4, 4, "is", zero_skip=1, skip_operands="both")).stats
    acts = conv2d(x, w, mode="int8", pe=PEArray(4, 4, "is", zero_skip=1, skip_operands="activations")).stats
    wts = conv2d(x, w, mode="int8", pe=PEArray(4, 4, "is", zero_skip=1, skip_operands="weights")).stats
    # is: rows hold Kw = 4, cols M = 4, T = N = 8: one fold, fill 10, dense 8 + 10 - 1 = 17
    assert both.dense_cycles == 17
    assert acts.cycles == 17 and acts.skipped_ops == 4 * 8      # pixel 0's four PEs skip all 8 steps
    assert wts.cycles == 4 + 10 - 1 and wts.skipped_ops == 16 * 4
    assert both.cycles == 13 and both.skipped_ops == 4 * 8 + 12 * 4


def test_wide_lanes_with_zero_skip_beyond_64_is_an_error():
    x, w = np.ones((1, 8, 2, 2), np.int8), np.ones((4, 8, 1, 1), np.int8)
    with pytest.raises(AccelsimError, match="lane_bits"):
        conv2d(x, w, mode="binary", pe=PEArray(2, 2, "os", lane_bits=128, zero_skip=1))
    assert conv2d(x, w, mode="binary", pe=PEArray(2, 2, "os", lane_bits=128)).stats.elems_per_step == 128


def test_result_to_dict_is_plain_data():
    import json
    x, w = np.ones((1, 16, 4, 4), np.int8), np.ones((4, 16, 3, 3), np.int8)
    res = conv2d(x, w, mode="ternary", padding=1, pe=PEArray(4, 4, "ws", zero_skip=2))
    d = json.loads(json.dumps(res.to_dict()))
    assert d["path"] == "ternary-bitplanes" and d["y_shape"] == [1, 4, 4, 4]
    assert d["cycles"]["cycles"] == res.cycles == res.stats.dense_cycles
    assert d["cycles"]["utilization"] == pytest.approx(res.stats.busy_pe_cycles / res.stats.pe_cycles)
    assert conv2d(x, w, mode="int8").to_dict()["cycles"] is None


def _nm_weights(rng, shape, n, m, conform=True):
    """Ternary weights with at most n nonzeros in every m consecutive channels of a tap (or one group broken)."""
    k, c, r, s = shape
    w = rand(rng, shape, "ternary")
    for g0 in range(0, c, m):
        block = w[:, g0:g0 + m]
        keep = rng.random(block.shape).argsort(axis=1) < n        # n random positions of each group
        w[:, g0:g0 + m] = np.where(keep, block, 0)
    if not conform:
        w[0, :min(m, c), 0, 0] = 1                                 # one group full: breaks N:M when c > n
    return w


def test_nm_hand_worked_two_of_four():
    """os, 4x4 array, 1x1 conv: 8 channels, 4 filters, 16 pixels. 2:4 keeps 4 of 8 steps.

    Dense: 4 row folds x (8 + 4 + 4 - 2) - 1 = 55. 2:4 compressed: 4 x (4 + 6) - 1 = 39.
    Break the pattern in one group (3 nonzeros): the layer runs dense, 55.
    """
    w = np.zeros((4, 8, 1, 1), np.int8)
    w[:, [0, 2, 5, 7]] = 1                      # 2 of channels 0-3 and 2 of 4-7 in every filter
    x = np.ones((1, 8, 4, 4), np.int8)
    st_ = conv2d(x, w, mode="int8", pe=PEArray(4, 4, "os", nm=(2, 4))).stats
    assert (st_.cycles, st_.dense_cycles, st_.structured, st_.nm_violations) == (39, 55, True, 0)
    assert st_.skipped_ops == 16 * 4 * 8 - 16 * 4 * 4
    w[1, 1] = 1
    broken = conv2d(x, w, mode="int8", pe=PEArray(4, 4, "os", nm=(2, 4))).stats
    assert (broken.cycles, broken.structured, broken.nm_violations) == (55, False, 1)


@settings(max_examples=40, deadline=None)
@given(df=st.sampled_from(DATAFLOWS), rows=st.integers(1, 5), cols=st.integers(1, 5),
       nm=st.sampled_from([(1, 2), (2, 4), (1, 4), (4, 8)]), c=st.integers(1, 9), conform=st.booleans(),
       gran=st.sampled_from([None, 1, 2]), lane_bits=st.sampled_from([2, 8]), seed=st.integers(0, 2**31))
def test_nm_cycles_match_brute_force_stepper(df, rows, cols, nm, c, conform, gran, lane_bits, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, (1, c, 4, 4), "ternary")
    w = _nm_weights(rng, (3, c, 2, 2), *nm, conform)
    pe = PEArray(rows, cols, df, lane_bits=lane_bits, zero_skip=gran, nm=nm)
    st_ = conv2d(x, w, mode="ternary", padding=1, pe=pe).stats
    cycles, busy, dense, folds = step_conv(x, w, "ternary", 1, 1, 1, rows, cols, df, lane_bits, gran, "weights",
                                           nm=nm)
    assert (st_.cycles, st_.busy_pe_cycles, st_.dense_ops) == (cycles, busy, dense)
    assert st_.cycles <= st_.dense_cycles


def test_nm_with_activation_skipping_is_an_error():
    with pytest.raises(AccelsimError, match="pe.nm"):
        PEArray(2, 2, "os", zero_skip=1, skip_operands="both", nm=(2, 4))
    with pytest.raises(AccelsimError, match="pe.nm"):
        PEArray(2, 2, "os", nm=(4, 4))


def test_bit_serial_hand_worked():
    """os, 2x2 array, 1x1 conv, 2 channels, 2 pixels, 2 filters: one fold, fill 2, stream over 2 channels.

    Activations pixel 0 = (3, 1), pixel 1 = (4, 7). Pragmatic (essential bits): channel 0 max(2, 1) = 2,
    channel 1 max(1, 3) = 3 -> 5 + 2 - 1 = 6 cycles. Stripes: width of 7 unsigned = 3 bits per step ->
    2 * 3 + 2 - 1 = 7. Bit-parallel int8 bound: 2 * 8 + 2 - 1 = 17.
    """
    x = np.array([3, 4, 1, 7], np.int8).reshape(1, 2, 1, 2)    # channel 0: (3, 4), channel 1: (1, 7)
    w = np.ones((2, 2, 1, 1), np.int8)
    prag = conv2d(x, w, mode="int8", pe=PEArray(2, 2, "os", bit_serial="pragmatic")).stats
    stri = conv2d(x, w, mode="int8", pe=PEArray(2, 2, "os", bit_serial="stripes")).stats
    assert (prag.cycles, stri.cycles, prag.dense_cycles) == (6, 7, 17)
    assert prag.busy_pe_cycles == 2 * (2 + 1 + 1 + 3)          # both filters' PEs, own essential bits


@settings(max_examples=40, deadline=None)
@given(df=st.sampled_from(DATAFLOWS), rows=st.integers(1, 4), cols=st.integers(1, 4),
       kind=st.sampled_from(["stripes", "pragmatic"]), mode=st.sampled_from(["int8", "ternary"]),
       lanes=st.sampled_from([1, 2, 3]), c=st.integers(1, 5), kg=st.integers(1, 4), pad=st.integers(0, 1),
       hi=st.integers(1, 127), seed=st.integers(0, 2**31))
def test_bit_serial_cycles_match_brute_force_stepper(df, rows, cols, kind, mode, lanes, c, kg, pad, hi, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-hi, hi + 1, (1, c, 4, 4)).astype(np.int8) if mode == "int8" else rand(rng, (1, c, 4, 4), mode)
    w = rand(rng, (kg, c, 2, 2), mode)
    lane_bits = lanes * MODE_BITS[mode]
    st_ = conv2d(x, w, mode=mode, padding=pad, pe=PEArray(rows, cols, df, lane_bits=lane_bits, bit_serial=kind)).stats
    assert (st_.cycles, st_.busy_pe_cycles, st_.folds) == step_bitserial_conv(x, w, mode, 1, pad, 1, rows, cols, df,
                                                                             lane_bits, kind)
    assert st_.cycles <= st_.dense_cycles


def test_bit_serial_errors():
    with pytest.raises(AccelsimError, match="bit_serial"):
        PEArray(2, 2, "os", bit_serial="loom")
    with pytest.raises(AccelsimError, match="bit_serial"):
        PEArray(2, 2, "os", bit_serial="pragmatic", zero_skip=1)


@settings(max_examples=30, deadline=None)
@given(df=st.sampled_from(DATAFLOWS), rows=st.integers(1, 6), cols=st.integers(1, 6), hi=st.integers(0, 127),
       lanes=st.sampled_from([1, 4]), seed=st.integers(0, 2**31))
def test_essential_bits_never_slower_than_layer_precision(df, rows, cols, hi, lanes, seed):
    """Pragmatic (essential bits) <= Stripes (layer precision) <= the full 8-bit bound, on any tensor."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-hi, hi + 1, (1, 5, 5, 5)).astype(np.int8)
    w = rand(rng, (4, 5, 3, 3), "int8")
    got = {k: conv2d(x, w, mode="int8", padding=1, pe=PEArray(rows, cols, df, lane_bits=8 * lanes, bit_serial=k)).stats
           for k in ("pragmatic", "stripes")}
    assert got["pragmatic"].cycles <= got["stripes"].cycles <= got["stripes"].dense_cycles
