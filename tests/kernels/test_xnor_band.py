"""The one-pass XNOR-popcount layer (bands of output rows, filter chunks, plans of packed filters, zero
padding through the micro-kernels' table, strided 1x1 layers) equals a brute-force convolution written
here, on 1 and 2 threads, first call and planned calls."""
import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from accelsim.errors import AccelsimError
from accelsim.kernels import conv2d, pack_filters
from accelsim.kernels.microkernels import FB, TABLE, xorpop_1t, xorpop_2t
from accelsim.kernels.xnor_band import BLOCK, SubsampledPlan, band_split, pad_pattern_table
from tests.kernels.helpers import rand


def brute_force(x, w, stride, pads, pad_value):
    """Sum over taps of shifted input planes times each tap's filter column (int64, no packing)."""
    pt, pl, pb, pr = pads
    xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=pad_value)
    k, _, r, s = w.shape
    e = (xp.shape[2] - r) // stride[0] + 1
    f = (xp.shape[3] - s) // stride[1] + 1
    y = np.zeros((x.shape[0], k, e, f), np.int64)
    for ri in range(r):
        for si in range(s):
            win = xp[:, :, ri:ri + stride[0] * (e - 1) + 1:stride[0], si:si + stride[1] * (f - 1) + 1:stride[1]]
            y += np.einsum("nchw,kc->nkhw", win, w[:, :, ri, si].astype(np.int64))
    return y


@st.composite
def band_cases(draw):
    r, s = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    return dict(c=draw(st.sampled_from([9, 31, 32, 33, 64, 65, 130])), k=draw(st.integers(FB, 40)),
                h=draw(st.integers(max(1, r - pads[0] - pads[2]), 30)),
                w=draw(st.integers(max(1, s - pads[1] - pads[3]), 30)), r=r, s=s,
                stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))), pads=pads,
                pad_value=draw(st.sampled_from([0, 1, -1])), threads=draw(st.integers(1, 2)),
                unbatched=draw(st.booleans()), seed=draw(st.integers(0, 2**31)))


@settings(max_examples=60, deadline=None)
@given(band_cases())
def test_band_layer_equals_brute_force_first_and_planned_calls(case):
    rng = np.random.default_rng(case["seed"])
    x = rand(rng, (1, case["c"], case["h"], case["w"]), "binary")
    w = rand(rng, (case["k"], case["c"], case["r"], case["s"]), "binary")
    want = brute_force(x, w, case["stride"], case["pads"], case["pad_value"])
    packed = pack_filters(w, mode="binary")
    xin = x[0] if case["unbatched"] else x
    saved = numba.get_num_threads()
    numba.set_num_threads(min(case["threads"], numba.config.NUMBA_NUM_THREADS))
    try:
        kw = dict(mode="binary", stride=case["stride"], padding=case["pads"], pad_value=case["pad_value"])
        first = conv2d(xin, packed, **kw)
        second = conv2d(xin, packed, **kw)          # the plan kept by the first call
        x2 = rand(rng, xin.shape, "binary")         # the plan reads the new x, not the first one
        third = conv2d(x2, packed, **kw)
    finally:
        numba.set_num_threads(saved)
    want2 = brute_force(x2 if x2.ndim == 4 else x2[None], w, case["stride"], case["pads"], case["pad_value"])
    if case["unbatched"]:
        want, want2 = want[0], want2[0]
    # every layer is planned (strided 1x1 ones through SubsampledPlan)
    assert first.path == second.path == third.path == "xnor-popcount"
    assert any(key[0] == "plan" for key in packed.derived if isinstance(key, tuple))
    np.testing.assert_array_equal(first.y, want)
    np.testing.assert_array_equal(second.y, want)
    np.testing.assert_array_equal(third.y, want2)


def test_planned_call_still_checks_the_values_of_x():
    rng = np.random.default_rng(3)
    x = rand(rng, (1, 16, 6, 6), "binary")
    packed = pack_filters(rand(rng, (8, 16, 3, 3), "binary"), mode="binary")
    conv2d(x, packed, mode="binary", padding=1)
    x[0, 5, 2, 3] = 0
    with pytest.raises(AccelsimError, match="x: mode 'binary' allows values"):
        conv2d(x, packed, mode="binary", padding=1)


def test_a_new_geometry_gets_its_own_plan():
    rng = np.random.default_rng(4)
    w = rand(rng, (8, 16, 3, 3), "binary")
    packed = pack_filters(w, mode="binary")
    for h, stride, padding in [(6, 1, 1), (7, 1, 1), (6, 2, 1), (6, 1, 0), (6, 1, (1, 0, 1, 0))]:
        x = rand(rng, (1, 16, h, h), "binary")
        pads = (padding,) * 4 if isinstance(padding, int) else padding
        got = conv2d(x, packed, mode="binary", stride=stride, padding=padding).y
        np.testing.assert_array_equal(got, brute_force(x, w, (stride, stride), pads, 0))
    assert sum(1 for key in packed.derived if isinstance(key, tuple) and key[0] == "plan") == 5


@pytest.mark.parametrize("e, f, kgp", [(56, 56, 64), (28, 28, 128), (14, 14, 256), (7, 7, 512), (1, 1, 4),
                                       (3, 100, 8), (112, 112, 64)])
@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_band_split_covers_rows_and_filters_with_balanced_tasks(e, f, kgp, threads):
    nbands, kchunk = band_split(e, f, kgp, threads)
    assert 1 <= nbands <= e and kchunk % FB == 0 and 0 < kchunk <= kgp
    rows = [(bi * e // nbands, (bi + 1) * e // nbands) for bi in range(nbands)]
    assert rows[0][0] == 0 and rows[-1][1] == e and all(a < b for a, b in rows)
    assert all(rows[i][1] == rows[i + 1][0] for i in range(nbands - 1))
    tasks = nbands * -(-kgp // kchunk)
    if threads == 1:
        assert tasks == 1
    elif nbands > 1:   # bands of at least one pixel block, in a multiple of the threads
        assert nbands % threads == 0 and min(b - a for a, b in rows) * f >= BLOCK // 2


@njit(cache=True)
def _table_kernels(pt, w, tab, pidx, out2, out1):
    xorpop_2t(pt, w, 0, 0, pt.shape[0], -2, tab, pidx, out2)
    xorpop_1t(pt, w, 16, 0, pt.shape[0], -2, tab, pidx, out1)


def test_table_micro_kernels_add_each_pixels_table_entry():
    rng = np.random.default_rng(5)
    pt = rng.integers(0, 2**63, (7, 32), dtype=np.uint64)
    w = rng.integers(0, 2**63, (FB, 7), dtype=np.uint64)
    tab = rng.integers(-1000, 1000, (FB, TABLE)).astype(np.int32)
    pidx = rng.integers(0, TABLE, 32).astype(np.int32)
    out2, out1 = np.zeros((FB, 16), np.int32), np.zeros((FB, 24), np.int32)
    _table_kernels(pt, w, tab, pidx, out2, out1)
    pop = np.vectorize(lambda v: bin(int(v)).count("1"))
    acc = np.array([[pop(pt[:, i] ^ w[k]).sum() for i in range(32)] for k in range(FB)])
    want = -2 * acc + tab[np.arange(FB)[:, None], pidx[None, :]]
    np.testing.assert_array_equal(out2, want[:, :16])
    np.testing.assert_array_equal(out1[:, 16:], want[:, 16:24])


@pytest.mark.parametrize("r, pad, tabled", [(3, 1, True), (5, 2, False), (3, (1, 0, 2, 1), True)])
@pytest.mark.parametrize("threads", [1, 2])
def test_zero_padding_by_table_or_by_pass(r, pad, tabled, threads):
    """3x3 with padding 1 has 9 border patterns (the micro-kernels' table); 5x5 with padding 2 has 25 (the
    per-block pass); both exact, on odd sizes (tails of 1-vector and 2-vector calls)."""
    rng = np.random.default_rng(r)
    pads = (pad,) * 4 if isinstance(pad, int) else pad
    for c, k, h, wd in [(64, 12, 7, 7), (33, 8, 14, 14), (130, 4, 9, 23)]:
        x = rand(rng, (1, c, h, wd), "binary")
        w = rand(rng, (k, c, r, r), "binary")
        packed = pack_filters(w, mode="binary")
        e, f = h + pads[0] + pads[2] - r + 1, wd + pads[1] + pads[3] - r + 1
        got = _on_threads(threads, lambda: [conv2d(x, packed, mode="binary", padding=pad).y for _ in range(2)])
        for y in got:
            np.testing.assert_array_equal(y, brute_force(x, w, (1, 1), pads, 0))
        table = pad_pattern_table(packed.tap_sums, r * r * c, k, e, f, h, wd, 1, 1, pads[0], pads[1])
        assert (table is not None) == tabled


def _on_threads(threads, fn):
    saved = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        return fn()
    finally:
        numba.set_num_threads(saved)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("c, h, stride", [(64, 56, 2), (65, 15, 2), (96, 13, 3), (130, 9, (2, 1))])
def test_strided_1x1_is_planned_and_checks_every_value_of_x(threads, c, h, stride):
    rng = np.random.default_rng(c + h)
    x = rand(rng, (1, c, h, h), "binary")
    w = rand(rng, (24, c, 1, 1), "binary")
    packed = pack_filters(w, mode="binary")
    st2 = stride if isinstance(stride, tuple) else (stride, stride)
    first, second = _on_threads(threads, lambda: [conv2d(x, packed, mode="binary", stride=stride) for _ in range(2)])
    plans = [v for key, v in packed.derived.items() if isinstance(key, tuple) and key[0] == "plan"]
    assert len(plans) == 1 and isinstance(plans[0], SubsampledPlan)
    want = brute_force(x, w, st2, (0, 0, 0, 0), 0)
    np.testing.assert_array_equal(first.y, want)
    np.testing.assert_array_equal(second.y, want)
    bad = x.copy()
    bad[0, c - 1, 1, h - 1] = 0          # a row and a column the layer never reads
    for _ in range(2):                   # the planned call too (and a fresh packing: the first call)
        with pytest.raises(AccelsimError, match="x: mode 'binary' allows values"):
            _on_threads(threads, lambda: conv2d(bad, packed, mode="binary", stride=stride))
    with pytest.raises(AccelsimError, match="x: mode 'binary' allows values"):
        conv2d(bad, pack_filters(w, mode="binary"), mode="binary", stride=stride)


@pytest.mark.parametrize("offset", [0, 1, 5, 15])
def test_pointwise_bands_are_exact_whatever_the_output_alignment(offset):
    """1x1 bands start on a 64-byte line of y: y at any 4-byte offset (the caller's output array)."""
    rng = np.random.default_rng(offset)
    x = rand(rng, (1, 40, 28, 28), "binary")
    w = rand(rng, (20, 40, 1, 1), "binary")
    packed = pack_filters(w, mode="binary")
    conv2d(x, packed, mode="binary")
    plan = next(v for key, v in packed.derived.items() if isinstance(key, tuple) and key[0] == "plan")
    buf = np.full(20 * 28 * 28 + 16, 7, np.int32)
    y = buf[offset:offset + 20 * 28 * 28].reshape(1, 20, 28, 28)
    _on_threads(2, lambda: plan(x, y))
    np.testing.assert_array_equal(y, brute_force(x, w, (1, 1), (0, 0, 0, 0), 0))
