"""The one-pass XNOR-popcount layer (bands of output rows, filter chunks, plans of packed filters)
equals a brute-force convolution written here, on 1 and 2 threads, first call and planned calls."""
import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimError
from accelsim.kernels import conv2d, pack_filters
from accelsim.kernels.microkernels import FB
from accelsim.kernels.xnor_band import BLOCK, band_split
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
