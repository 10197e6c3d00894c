"""The int8-lane depthwise 3x3 driver (accelsim.kernels.depthwise) against the reference: strides, paddings,
pad values, widths around its 64-output blocks, the binary check and the reused layer plan."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimError
from accelsim.kernels import conv2d, conv2d_reference, pack_filters
from tests.kernels.helpers import rand

WIDTHS = st.one_of(st.integers(1, 20), st.sampled_from([31, 63, 64, 65, 66, 111, 112, 127, 128, 129, 130, 131, 150]))


@settings(max_examples=60, deadline=None)
@given(mode=st.sampled_from(["binary", "ternary"]), c=st.integers(1, 5), h=st.integers(1, 9), wd=WIDTHS,
       stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), pads=st.tuples(*[st.integers(0, 2)] * 4),
       pad_value=st.sampled_from([0, 1, -1]), n=st.integers(1, 2), seed=st.integers(0, 2**31))
def test_unit_depthwise_is_exact(mode, c, h, wd, stride, pads, pad_value, n, seed):
    """Any stride, asymmetric paddings, odd widths and widths next to multiples of 64; prepacked twice
    (the second call runs the binary layer's plan)."""
    if h + pads[0] + pads[2] < 3 or wd + pads[1] + pads[3] < 3:
        return
    rng = np.random.default_rng(seed)
    x, w = rand(rng, (n, c, h, wd), mode), rand(rng, (c, 1, 3, 3), mode)
    pv = pad_value if mode == "binary" else 0
    kw = dict(mode=mode, stride=stride, padding=pads, groups=c, pad_value=pv)
    ref = conv2d_reference(x, w, **kw)
    pf = pack_filters(w, mode=mode, groups=c)
    for _ in range(2):
        res = conv2d(x, pf, **kw)
        assert res.path == "direct"
        np.testing.assert_array_equal(res.y, ref)


@settings(max_examples=30, deadline=None)
@given(c=st.integers(1, 4), h=st.integers(3, 9), wd=WIDTHS, stride=st.integers(1, 3),
       bad=st.sampled_from([0, 2, -2, 3, 127, -128]), data=st.data())
def test_binary_check_covers_every_value(c, h, wd, stride, bad, data):
    """One bad value anywhere in x (read by a tap or not) raises check_binary_x's error, planned or not."""
    if wd + 2 < 3:
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    x, w = rand(rng, (1, c, h, wd), "binary"), rand(rng, (c, 1, 3, 3), "binary")
    pf = pack_filters(w, mode="binary", groups=c)
    kw = dict(mode="binary", stride=stride, padding=1, groups=c)
    conv2d(x, pf, **kw)                       # plans the layer
    x[0, data.draw(st.integers(0, c - 1)), data.draw(st.integers(0, h - 1)), data.draw(st.integers(0, wd - 1))] = bad
    for _ in range(2):
        with pytest.raises(AccelsimError, match=f"x: mode 'binary' allows values .*got {bad}"):
            conv2d(x, pf, **kw)


def test_ternary_int8_x_does_not_take_the_unit_driver():
    """Ternary filters with full-range int8 x: sums overflow int8 lanes, so another path runs, exactly."""
    rng = np.random.default_rng(3)
    x, w = rand(rng, (1, 4, 9, 70), "int8"), rand(rng, (4, 1, 3, 3), "ternary")
    for stride in (1, 2):
        kw = dict(mode="ternary", stride=stride, padding=1, groups=4)
        np.testing.assert_array_equal(conv2d(x, w, **kw).y, conv2d_reference(x, w, **kw))


def test_ternary_plan_is_not_reused_for_int8_range_x():
    """A prepacked ternary layer called on x in {-1, 0, +1}, then on x with other int8 values: the second
    call must not run the first call's unit-range kernel (a ternary layer keeps no plan)."""
    rng = np.random.default_rng(3)
    w = rand(rng, (4, 1, 3, 3), "ternary")
    pf = pack_filters(w, mode="ternary", groups=4)
    kw = dict(mode="ternary", stride=1, padding=1, groups=4)
    x_unit = rand(rng, (1, 4, 9, 70), "ternary")
    x_int8 = rng.integers(-128, 128, size=(1, 4, 9, 70), dtype=np.int8)
    for x in (x_unit, x_unit, x_int8):
        np.testing.assert_array_equal(conv2d(x, pf, **kw).y, conv2d_reference(x, w, **kw))
