"""Few-channel (RGB input) layers on AMX tiles (accelsim.kernels.rgb): bit-exact against the reference on
first and planned calls, in every mode; binary x still checked on planned calls; plans keyed by the host paths."""
import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimError
from accelsim.kernels import conv, conv2d, conv2d_reference, pack_filters, rgb
from tests.kernels.helpers import rand
from tests.kernels.test_exactness import use_vnni

needs_amx = pytest.mark.skipif(not conv.HAS_AMX, reason="no AMX-INT8 on this host")
PATH = {"binary": "xnor-window@amx", "ternary": "int8-amx", "int8": "int8-amx"}


@st.composite
def rgb_cases(draw):
    r, s = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    pads = tuple(draw(st.integers(0, 3)) for _ in range(4))
    mode = draw(st.sampled_from(["binary", "ternary", "int8"]))
    return dict(mode=mode, n=draw(st.integers(1, 2)), c=draw(st.integers(1, 8)),
                k=draw(st.sampled_from([4, 5, 31, 32, 33, 64, 70])), r=r, s=s,
                h=draw(st.integers(max(1, r - pads[0] - pads[2]), 40)),
                w=draw(st.integers(max(1, s - pads[1] - pads[3]), 70)),
                stride=(draw(st.integers(1, 3)), draw(st.integers(1, 4))), pads=pads,
                pad_value=draw(st.sampled_from([0, 1, -1])) if mode == "binary" else 0,
                x_alphabet=draw(st.sampled_from(["ternary", "int8"])) if mode == "ternary" else mode,
                threads=draw(st.integers(1, 2)), unbatched=draw(st.booleans()), seed=draw(st.integers(0, 2**31)))


@needs_amx
@settings(max_examples=80, deadline=None)
@given(rgb_cases())
def test_first_planned_and_new_x_calls_equal_the_reference(case):
    rng = np.random.default_rng(case["seed"])
    mode = case["mode"]
    shape = (case["c"], case["h"], case["w"]) if case["unbatched"] else (case["n"], case["c"], case["h"], case["w"])
    x, x2 = rand(rng, shape, case["x_alphabet"]), rand(rng, shape, case["x_alphabet"])
    w = rand(rng, (case["k"], case["c"], case["r"], case["s"]), mode)
    kw = dict(mode=mode, stride=case["stride"], padding=case["pads"])
    if mode == "binary":
        kw["pad_value"] = case["pad_value"]
    packed = pack_filters(w, mode=mode)
    saved = numba.get_num_threads()
    numba.set_num_threads(min(case["threads"], numba.config.NUMBA_NUM_THREADS))
    try:
        with use_vnni(True, True):
            first = conv2d(x, packed, **kw)
            second = conv2d(x, packed, **kw)       # the plan kept by the first call
            third = conv2d(x2, packed, **kw)       # the plan reads the new x
    finally:
        numba.set_num_threads(saved)
    assert first.path == second.path == third.path == PATH[mode]
    assert any(isinstance(key, tuple) and key[0] == "plan" for key in packed.derived)
    want = conv2d_reference(x, w, **kw)
    for got in (first, second):
        assert got.y.dtype == np.int32 and got.y.shape == want.shape
        np.testing.assert_array_equal(got.y, want)
    np.testing.assert_array_equal(third.y, conv2d_reference(x2, w, **kw))


@needs_amx
@pytest.mark.parametrize("where", [(0, 0, 0, 0), (0, 2, 223, 223), (1, 1, 100, 37), (0, 0, 5, 200)])
@pytest.mark.parametrize("value", [0, 2, -128, 127])
def test_binary_x_outside_plus_minus_one_raises_on_first_and_planned_calls(where, value):
    rng = np.random.default_rng(5)
    x = rand(rng, (2, 3, 224, 224), "binary")
    packed = pack_filters(rand(rng, (32, 3, 3, 3), "binary"), mode="binary")
    with use_vnni(True, True):
        conv2d(x, packed, mode="binary", stride=2, padding=1)          # makes the plan
        bad = x.copy()
        bad[where] = value
        for _ in range(2):                                             # first call of bad, then a planned one
            with pytest.raises(AccelsimError, match="x: mode 'binary' allows values"):
                conv2d(bad, packed, mode="binary", stride=2, padding=1)
        fresh = pack_filters(rand(rng, (32, 3, 3, 3), "binary"), mode="binary")
        with pytest.raises(AccelsimError, match="x: mode 'binary' allows values"):
            conv2d(bad, fresh, mode="binary", stride=2, padding=1)     # unplanned


@needs_amx
def test_plans_are_kept_per_host_path_and_mode():
    """A plan made with AMX on is not used once a test switches AMX off (the key holds the switches)."""
    rng = np.random.default_rng(6)
    x = rand(rng, (1, 3, 20, 20), "binary")
    w = rand(rng, (8, 3, 3, 3), "binary")
    packed = pack_filters(w, mode="binary")
    want = conv2d_reference(x, w, mode="binary", padding=1)
    with use_vnni(True, True):
        assert conv2d(x, packed, mode="binary", padding=1).path == "xnor-window@amx"
    with use_vnni(True, False):
        got = conv2d(x, packed, mode="binary", padding=1)
    assert got.path == "xnor-window"
    np.testing.assert_array_equal(got.y, want)
    with pytest.raises(AccelsimError, match="filters were packed for mode 'binary'"):
        conv2d(x, packed, mode="int8", padding=1)


@pytest.mark.parametrize("shape", [(1,), (3, 5), (1, 64, 112, 112), (2, 3, 7, 9)])
def test_aligned_empty_is_cache_line_aligned(shape):
    for _ in range(4):
        a = rgb.aligned_empty(shape)
        assert a.shape == shape and a.dtype == np.int32 and a.flags.c_contiguous
        assert a.ctypes.data % rgb.ALIGN_BYTES == 0


@needs_amx
@pytest.mark.parametrize("r, stride, padding", [(1, 3, 1), (2, 4, (0, 1, 0, 2)), (3, 2, 0), (7, 2, 3)])
@pytest.mark.parametrize("threads", [1, 2])
def test_binary_check_covers_rows_no_output_reads(r, stride, padding, threads):
    """Rows a stride skips (stride > kernel) and rows below the last window are checked too."""
    rng = np.random.default_rng(r * stride)
    x = rand(rng, (1, 3, 61, 45), "binary")
    packed = pack_filters(rand(rng, (32, 3, r, r), "binary"), mode="binary")
    kw = dict(mode="binary", stride=stride, padding=padding)
    saved = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        with use_vnni(True, True):
            assert conv2d(x, packed, **kw).path == "xnor-window@amx"
            for row in range(61):
                bad = x.copy()
                bad[0, row % 3, row, (7 * row) % 45] = 0
                with pytest.raises(AccelsimError, match="x: mode 'binary' allows values"):
                    conv2d(bad, packed, **kw)
    finally:
        numba.set_num_threads(saved)
