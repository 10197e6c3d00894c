"""The Numba kernels equal the NumPy references bit for bit, on every path."""
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.kernels import conv, conv2d, conv2d_reference, pack_filters
from tests.kernels.helpers import rand


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    depthwise = draw(st.booleans()) and groups > 1
    cg = 1 if depthwise else draw(st.sampled_from([1, 3, 8, 31, 64, 70]))
    kg = 1 if depthwise else draw(st.integers(1, 9))
    r, s = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    h = draw(st.integers(max(1, r - pads[0] - pads[2]), 9))
    w = draw(st.integers(max(1, s - pads[1] - pads[3]), 9))
    return dict(n=draw(st.integers(1, 2)), c=cg * groups, k=kg * groups, h=h, w=w, r=r, s=s, groups=groups,
                stride=(draw(st.integers(1, 2)), draw(st.integers(1, 3))), padding=pads,
                seed=draw(st.integers(0, 2**31)))


ISAS = ["portable", "vnni", "amx"]   # int8 products: portable loops, VNNI vectors, AMX tiles


@contextlib.contextmanager
def use_vnni(vnni: bool, amx: bool = False):
    """Force the VNNI int8 path on (when this CPU has it) or off (portable paths); ``amx``: its
    products on AMX tiles (when this CPU has them)."""
    saved = conv.USE_VNNI, conv.USE_AMX
    conv.USE_VNNI = vnni and conv.HAS_VNNI
    conv.USE_AMX = amx and conv.HAS_AMX
    try:
        yield
    finally:
        conv.USE_VNNI, conv.USE_AMX = saved


def _expected_path(mode, x, w, groups, isa, stride=(1, 1), padding=(0, 0, 0, 0)):
    path = _portable_path(mode, x, w, groups, isa)
    cg, kg = w.shape[1], w.shape[0] // groups
    if isa == "amx" and conv.HAS_AMX and path != "direct" and groups == 1 and cg <= 8 and stride[1] <= 4:
        # few channels (RGB input layers): AMX tiles on patches gathered per block, any mode
        return "xnor-window@amx" if mode == "binary" else "int8-amx"
    if (isa == "amx" and conv.HAS_AMX and path != "direct" and mode == "int8" and groups == 1
            and tuple(stride) == (1, 1) and cg % 64 == 0):
        return "int8-amx"      # implicit GEMM: B tiles straight from the lane planes
    steps = w.shape[2] * w.shape[3] * -(-cg // 4)
    amx, vnni = isa == "amx" and conv.HAS_AMX, isa != "portable" and conv.HAS_VNNI
    if path == "ternary-addsub" and (amx or vnni):   # ternary w, int8 x: int8 products, named by the modelled kernel
        return path + ("@amx" if amx else "@vnni")
    hp, wp = x.shape[2] + padding[0] + padding[2], x.shape[3] + padding[1] + padding[3]
    e, f = (hp - w.shape[2]) // stride[0] + 1, (wp - w.shape[3]) // stride[1] + 1
    taps = w.shape[2] * w.shape[3]
    if (path.startswith("ternary") and amx and groups == 1 and tuple(stride) == (1, 1) and cg % 64 == 0
            and (taps == 9 or (taps == 1 and cg >= 128 and hp * wp * 4 <= 4096 and ((e - 1) * wp + f) // 32 >= 4))):
        return path + "@amx"   # implicit GEMM on AMX tiles (3x3 windows; 1x1 of >= 128 channels, small planes)
    half_words = -(-cg // 64) * 64 >= 2 * cg
    if path == "ternary-bitplanes" and amx and steps >= conv.AMX_PLANES_MIN_STEPS and kg >= 32 and half_words:
        return path + "@amx"
    return path


def _portable_path(mode, x, w, groups, isa):
    vnni = isa != "portable"
    if w.shape[0] // groups < 4:
        return "direct"
    if mode == "binary" and w.shape[1] <= 8:
        return "xnor-window"
    if vnni and conv.HAS_VNNI and (mode == "int8" or w.shape[1] <= 8):
        steps = w.shape[2] * w.shape[3] * -(-w.shape[1] // 4)
        return "int8-amx" if isa == "amx" and conv.HAS_AMX and steps >= conv.AMX_MIN_STEPS else "int8-vnni"
    if mode == "ternary" and w.shape[1] <= 8:
        return "int8-dot"     # few channels: int8 dot products on every host (modelled as dot4 everywhere)
    if mode == "binary":
        return "xnor-popcount"
    if mode == "ternary":
        return "ternary-bitplanes" if x.min() >= -1 and x.max() <= 1 else "ternary-addsub"
    return "int8-dot"


def _run(case, mode, x_alphabet, isa, pad_value=0):
    """conv2d (raw and prepacked filters) equals the reference, on the path the rules pick."""
    rng = np.random.default_rng(case["seed"])
    x = rand(rng, (case["n"], case["c"], case["h"], case["w"]), x_alphabet)
    w = rand(rng, (case["k"], case["c"] // case["groups"], case["r"], case["s"]), mode)
    kw = dict(mode=mode, stride=case["stride"], padding=case["padding"], groups=case["groups"])
    if mode == "binary":
        kw["pad_value"] = pad_value
    ref = conv2d_reference(x, w, **kw)
    with use_vnni(isa != "portable", isa == "amx"):
        got = conv2d(x, w, **kw)
        packed = conv2d(x, pack_filters(w, mode=mode, groups=case["groups"]), **kw)
    assert got.y.dtype == np.int32 and got.y.shape == ref.shape
    np.testing.assert_array_equal(got.y, ref)
    np.testing.assert_array_equal(packed.y, ref)
    stride = case["stride"] if isinstance(case["stride"], tuple) else (case["stride"],) * 2
    assert got.path == packed.path == _expected_path(mode, x, w, case["groups"], isa, stride, case["padding"])


@settings(max_examples=40, deadline=None)
@given(conv_cases(), st.sampled_from([0, 1, -1]), st.sampled_from(ISAS))
def test_binary_bit_exact(case, pad_value, isa):
    _run(case, "binary", "binary", isa, pad_value)


@settings(max_examples=40, deadline=None)
@given(conv_cases(), st.sampled_from(["ternary", "int8"]), st.sampled_from(ISAS))
def test_ternary_bit_exact(case, x_alphabet, isa):
    _run(case, "ternary", x_alphabet, isa)


@pytest.mark.parametrize("hw", [1, 2, 3])
@pytest.mark.parametrize("isa", ISAS)
def test_ternary_weights_int8_input_on_few_pixels(hw, isa):
    """Found by hypothesis: ternary w x int8 x on the VNNI path wrote 1 output pixel into a GEMM block
    sized for the popcount kernels (31 channels, 1x1 input: 4, -1, 2, -2 instead of 487, -676, 201, -522)."""
    case = dict(n=1, c=31, k=4, h=hw, w=hw, r=1, s=1, groups=1, stride=(1, 1), padding=(0, 0, 0, 0), seed=0)
    _run(case, "ternary", "int8", isa)


@settings(max_examples=30, deadline=None)
@given(conv_cases(), st.sampled_from(ISAS))
def test_int8_bit_exact(case, isa):
    _run(case, "int8", "int8", isa)


@pytest.mark.parametrize("mode", ["binary", "ternary", "int8"])
def test_extreme_values_and_unbatched(mode):
    """int8 extremes (-128 * -128 over a long window) and CHW input without a batch axis."""
    c, k = 130, 8
    x = np.full((c, 5, 6), -128 if mode == "int8" else -1, np.int8)
    w = np.full((k, c, 3, 3), -128 if mode == "int8" else -1, np.int8)
    got = conv2d(x, w, mode=mode, padding=1)
    ref = conv2d_reference(x, w, mode=mode, padding=1)
    assert got.y.shape == ref.shape == (k, 5, 6)
    np.testing.assert_array_equal(got.y, ref)
    assert got.y[0, 2, 2] == c * 9 * (16384 if mode == "int8" else 1)


def test_binary_padding_options_differ_as_defined():
    """Zero padding is exact; +1 / -1 padding equals the reference with that constant."""
    rng = np.random.default_rng(3)
    x, w = rand(rng, (1, 16, 5, 5), "binary"), rand(rng, (8, 16, 3, 3), "binary")
    ys = {pv: conv2d(x, w, mode="binary", padding=1, pad_value=pv).y for pv in (0, 1, -1)}
    corner_taps = w[:, :, 0, :].sum(axis=(1, 2)) + w[:, :, 1:, 0].sum(axis=(1, 2))  # taps padded at (0, 0)
    np.testing.assert_array_equal(ys[1][0, :, 0, 0] - ys[0][0, :, 0, 0], corner_taps)
    np.testing.assert_array_equal(ys[0][0, :, 0, 0] - ys[-1][0, :, 0, 0], corner_taps)
    np.testing.assert_array_equal(ys[0][0, :, 2, 2], ys[1][0, :, 2, 2])  # interior: no padding involved


@pytest.mark.parametrize("mode", ["binary", "ternary", "int8"])
@pytest.mark.parametrize("stride,padding", [(1, 1), ((2, 1), (1, 0, 2, 1)), (3, 0), ((1, 3), 2)])
def test_depthwise_3x3_fast_path(mode, stride, padding):
    """Depthwise 3x3 layers take their own register-blocked path: check it over strides and paddings."""
    rng = np.random.default_rng(7)
    x, w = rand(rng, (2, 6, 9, 11), mode), rand(rng, (6, 1, 3, 3), mode)
    kw = dict(mode=mode, stride=stride, padding=padding, groups=6)
    got = conv2d(x, w, **kw)
    assert got.path == "direct"
    np.testing.assert_array_equal(got.y, conv2d_reference(x, w, **kw))


@settings(max_examples=40, deadline=None)
@given(mode=st.sampled_from(["binary", "ternary", "int8"]), c=st.integers(1, 9), h=st.integers(3, 12),
       wd=st.integers(3, 12), sh=st.integers(1, 2), pads=st.tuples(*[st.integers(0, 2)] * 4),
       pad_value=st.sampled_from([0, 1, -1]), n=st.integers(1, 2), seed=st.integers(0, 2**31))
def test_depthwise3x3_column_stride_two_is_exact(mode, c, h, wd, sh, pads, pad_value, n, seed):
    """The stride-2 depthwise driver (pads one channel at a time in cache) against the reference."""
    rng = np.random.default_rng(seed)
    x, w = rand(rng, (n, c, h, wd), mode), rand(rng, (c, 1, 3, 3), mode)
    pv = pad_value if mode == "binary" else 0
    kw = dict(mode=mode, stride=(sh, 2), padding=pads, groups=c, pad_value=pv)
    res = conv2d(x, w, **kw)
    assert res.path == "direct"
    np.testing.assert_array_equal(res.y, conv2d_reference(x, w, **kw))


@settings(max_examples=40, deadline=None)
@given(mode=st.sampled_from(["binary", "ternary"]), x_int8=st.booleans(), c=st.integers(1, 9), h=st.integers(3, 12),
       wd=st.integers(3, 70), sh=st.integers(1, 3), pads=st.tuples(*[st.integers(0, 2)] * 4),
       pad_value=st.sampled_from([0, 1, -1]), n=st.integers(1, 2), seed=st.integers(0, 2**31))
def test_depthwise3x3_unit_range_is_exact(mode, x_int8, c, h, wd, sh, pads, pad_value, n, seed):
    """Column stride 1, values in {-1, 0, +1}: the int8-lane depthwise driver against the reference
    (ternary w with full-range int8 x must not take it: its sums would overflow int8)."""
    rng = np.random.default_rng(seed)
    x = rand(rng, (n, c, h, wd), "int8" if (x_int8 and mode == "ternary") else mode)
    w = rand(rng, (c, 1, 3, 3), mode)
    pv = pad_value if mode == "binary" else 0
    kw = dict(mode=mode, stride=(sh, 1), padding=pads, groups=c, pad_value=pv)
    res = conv2d(x, w, **kw)
    assert res.path == "direct"
    np.testing.assert_array_equal(res.y, conv2d_reference(x, w, **kw))


@pytest.mark.parametrize("mode", ["binary", "ternary", "int8"])
@pytest.mark.parametrize("stride,groups,c", [((2, 2), 1, 70), ((2, 3), 2, 12), ((3, 1), 1, 3)])
def test_strided_pointwise_reads_only_the_strided_pixels(mode, stride, groups, c):
    """1x1 with stride and no padding runs on the subsampled input: same result as the reference."""
    rng = np.random.default_rng(11)
    x, w = rand(rng, (2, c, 9, 11), mode), rand(rng, (8, c // groups, 1, 1), mode)
    kw = dict(mode=mode, stride=stride, padding=0, groups=groups)
    np.testing.assert_array_equal(conv2d(x, w, **kw).y, conv2d_reference(x, w, **kw))
    np.testing.assert_array_equal(conv2d(x[0], w, **kw).y, conv2d_reference(x[0], w, **kw))


@pytest.mark.parametrize("mode", ["binary", "ternary", "int8"])
@pytest.mark.parametrize("c,groups", [(70, 1), (12, 2), (256, 1)])
def test_pointwise_reads_the_packed_planes_in_place(mode, c, groups):
    """1x1, stride 1, no padding, pixels a whole number of vectors: the packed planes serve as the
    patch matrix without an im2col copy."""
    rng = np.random.default_rng(12)
    x, w = rand(rng, (1, c, 8, 4), mode), rand(rng, (8, c // groups, 1, 1), mode)
    kw = dict(mode=mode, groups=groups)
    np.testing.assert_array_equal(conv2d(x, w, **kw).y, conv2d_reference(x, w, **kw))


@pytest.mark.parametrize("mode,x_alphabet,pad_value", [("binary", "binary", 0), ("binary", "binary", 1),
                                                       ("binary", "binary", -1), ("ternary", "ternary", 0)])
@pytest.mark.parametrize("c", [7, 70, 131])
def test_wide_rows_pack_several_channels_at_once(mode, x_alphabet, pad_value, c):
    """Rows of 40 pixels take the packers' several-channels-per-pass loops (and their channel tails)."""
    rng = np.random.default_rng(13)
    x, w = rand(rng, (1, c, 5, 40), x_alphabet), rand(rng, (8, c, 3, 3), mode)
    kw = dict(mode=mode, stride=(1, 2), padding=1)
    if mode == "binary":
        kw["pad_value"] = pad_value
    np.testing.assert_array_equal(conv2d(x, w, **kw).y, conv2d_reference(x, w, **kw))


@pytest.mark.parametrize("cg,kg,groups,stride,padding", [(16, 32, 1, 1, 1), (24, 40, 2, 2, (1, 0, 2, 1)),
                                                         (32, 64, 1, (1, 2), 2)])
@pytest.mark.parametrize("isa", ISAS)
def test_ternary_half_words_on_every_isa(cg, kg, groups, stride, padding, isa):
    """Ternary layers of 16-32 channels and >= 32 filters per group (AMX tiles on AMX hosts) equal the reference."""
    rng = np.random.default_rng(cg + kg)
    x, w = rand(rng, (1, cg * groups, 12, 11), "ternary"), rand(rng, (kg * groups, cg, 3, 3), "ternary")
    kw = dict(mode="ternary", stride=stride, padding=padding, groups=groups)
    with use_vnni(isa != "portable", isa == "amx"):
        got = conv2d(x, w, **kw)
    np.testing.assert_array_equal(got.y, conv2d_reference(x, w, **kw))
    stride = stride if isinstance(stride, tuple) else (stride, stride)
    assert got.path == _expected_path("ternary", x, w, groups, isa, stride)
    assert got.path.endswith("@amx") == (isa == "amx" and conv.HAS_AMX)


@pytest.mark.parametrize("mode", ["binary", "ternary", "int8"])
@pytest.mark.parametrize("c,k,hw,r,s,stride,padding,pad_value", [
    (3, 64, (30, 30), 7, 7, 2, 3, 0),            # ResNet's RGB layer (7x7, stride 2)
    (3, 32, (20, 21), 3, 3, 2, 1, 1),            # MobileNet's, rows not a whole number of 16 pixels
    (3, 5, (9, 11), 3, 2, (1, 3), (1, 0, 2, 1), -1),  # fewer filters than a tile, uneven padding
    (8, 40, (17, 19), 3, 3, 1, 1, 0),            # 8 channels: two lanes of 4 per kernel column group
    (1, 16, (10, 50), 5, 5, (2, 4), 2, 1),       # column stride 4, 5 kernel columns (two groups of 4)
])
def test_few_channels_on_amx_tiles(mode, c, k, hw, r, s, stride, padding, pad_value):
    """Few-channel layers on AMX tiles (patches gathered per 32-pixel block) equal the reference,
    including the blocks that cross an output row or run past the last pixel."""
    rng = np.random.default_rng(c * k + r)
    x, w = rand(rng, (2, c, *hw), mode), rand(rng, (k, c, r, s), mode)
    kw = dict(mode=mode, stride=stride, padding=padding)
    if mode == "binary":
        kw["pad_value"] = pad_value
    with use_vnni(True, True):
        got = conv2d(x, w, **kw)
    np.testing.assert_array_equal(got.y, conv2d_reference(x, w, **kw))
    if conv.HAS_AMX:
        assert got.path == ("xnor-window@amx" if mode == "binary" else "int8-amx")


@pytest.mark.parametrize("mode", ["binary", "ternary", "int8"])
def test_non_contiguous_input(mode):
    """A strided view as x (the packers read channel planes as flat runs, so conv2d lays it out first)."""
    rng = np.random.default_rng(21)
    base = rand(rng, (1, 140, 9, 22), mode)
    x = base[:, ::2, :, ::2]          # 70 channels, 9 x 11, not contiguous
    w = rand(rng, (8, 70, 3, 3), mode)
    got = conv2d(x, w, mode=mode, padding=1)
    np.testing.assert_array_equal(got.y, conv2d_reference(np.ascontiguousarray(x), w, mode=mode, padding=1))


@pytest.mark.parametrize("mode,x_alphabet", [("ternary", "ternary"), ("ternary", "int8"), ("int8", "int8")])
@pytest.mark.parametrize("c,k,hw,r,padding,ternary_routed", [
    (128, 40, (12, 12), 3, 1, True), (256, 64, (10, 13), 3, (1, 0, 2, 1), True),
    (128, 32, (12, 11), 1, 0, True),            # 1x1, >= 128 channels, small planes
    (64, 40, (12, 12), 3, 1, True),             # 3x3 with 5 blocks of 32 pixels
    (64, 70, (6, 9), 3, 1, True),               # 3x3 with 2 blocks
    (128, 300, (5, 7), 1, 0, False)])           # 1x1, 1 block (stays on bit planes), 300 filters: 3 chunks
def test_implicit_gemm_on_amx_tiles(mode, x_alphabet, c, k, hw, r, padding, ternary_routed):
    """Stride-1 layers whose B tiles are read straight from the padded lane planes (wrap-around columns
    dropped on the way out) equal the reference; on AMX hosts int8 always takes that route, ternary
    where it measured faster (3x3 windows; 1x1 of >= 128 channels on small planes, >= 4 pixel blocks)."""
    rng = np.random.default_rng(c + k)
    x, w = rand(rng, (2, c, *hw), x_alphabet), rand(rng, (k, c, r, r), mode)
    kw = dict(mode=mode, padding=padding)
    with use_vnni(True, True):
        got = conv2d(x, w, **kw)
    np.testing.assert_array_equal(got.y, conv2d_reference(x, w, **kw))
    if conv.HAS_AMX:
        # (ternary w with int8 x runs as int8 products on the tiles on every route)
        assert got.path.endswith("amx") == (mode == "int8" or x_alphabet == "int8" or ternary_routed)
