"""Bad arguments raise AccelsimError (a ValueError) naming the argument; nothing is cast."""
import numpy as np
import pytest

from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.kernels import PEArray, conv2d, conv2d_reference, pack_filters

X = np.ones((1, 4, 5, 5), np.int8)
W = np.ones((2, 4, 3, 3), np.int8)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(x=X.astype(np.float32)), "x: dtype float32"),
    (dict(x=X.astype(np.int16)), "x: dtype int16"),
    (dict(w=W.astype(np.uint8)), "w: dtype uint8"),
    (dict(x=X.tolist()), "x: got list"),
    (dict(x=X[0, 0]), "x: shape (5, 5)"),
    (dict(w=W[0]), "w: shape (4, 3, 3)"),
    (dict(w=np.ones((2, 3, 3, 3), np.int8)), "w.shape[1] must be 4"),
    (dict(groups=3), "groups: got 3"),
    (dict(groups=0), "groups: got 0"),
    (dict(groups=2.0), "groups: got 2.0"),
    (dict(stride=0), "stride: got 0"),
    (dict(stride=(1, 2, 3)), "stride: got (1, 2, 3)"),
    (dict(padding=-1), "padding: got -1"),
    (dict(padding=(1, 1, 1)), "padding: got (1, 1, 1)"),
    (dict(w=np.ones((2, 4, 9, 9), np.int8)), "w: kernel 9x9 is larger than the padded input 5x5"),
    (dict(mode="int4"), "mode: got 'int4'"),
    (dict(mode="binary", x=np.zeros((1, 4, 5, 5), np.int8)), "x: mode 'binary' allows values"),
    (dict(mode="binary", w=np.full((2, 4, 3, 3), 2, np.int8)), "w: mode 'binary' allows values"),
    (dict(mode="ternary", w=np.full((2, 4, 3, 3), -2, np.int8)), "w: mode 'ternary' allows values"),
    (dict(mode="int8", pad_value=1), "pad_value: got 1"),
    (dict(mode="binary", pad_value=2), "pad_value: got 2"),
    (dict(pe=(4, 4)), "pe: got tuple"),
])
def test_bad_arguments_name_the_argument(kwargs, needle):
    args = dict(x=X, w=W, mode="ternary")
    args.update(kwargs)
    x, w = args.pop("x"), args.pop("w")
    with pytest.raises(AccelsimError, match=None) as info:
        conv2d(x, w, **args)
    assert needle in str(info.value) and isinstance(info.value, ValueError)
    if "pe" not in kwargs:  # the references check their arguments the same way
        with pytest.raises(AccelsimError):
            conv2d_reference(x, w, **args)


def test_packed_filters_must_match_the_call():
    packed = pack_filters(W, mode="ternary")
    with pytest.raises(AccelsimError, match="packed for mode 'ternary'"):
        conv2d(X, packed, mode="int8")
    with pytest.raises(AccelsimError, match="w: mode 'binary'"):
        pack_filters(np.zeros((2, 4, 1, 1), np.int8), mode="binary")


@pytest.mark.parametrize("kwargs,needle", [
    (dict(rows=0, cols=4), "pe.rows: got 0"),
    (dict(rows=4, cols=4, dataflow="rs"), "pe.dataflow: got 'rs'"),
    (dict(rows=4, cols=4, zero_skip=0), "pe.zero_skip: got 0"),
    (dict(rows=4, cols=4, skip_operands="inputs"), "pe.skip_operands"),
])
def test_bad_pe_array(kwargs, needle):
    with pytest.raises(AccelsimError, match="pe\\."):
        PEArray(**kwargs)
    with pytest.raises(AccelsimError) as info:
        PEArray(**kwargs)
    assert needle in str(info.value)


def test_pe_array_from_profile_unit():
    unit = load_profile("generic_npu").unit()
    pe = PEArray.from_unit(unit, "int8")
    assert (pe.rows, pe.cols, pe.dataflow, pe.lane_bits, pe.zero_skip) == (32, 32, "ws", 8, None)
    assert PEArray.from_unit(unit, "int8", dataflow="os").dataflow == "os"
    with pytest.raises(AccelsimError, match="0.5 MACs per PE"):
        PEArray.from_unit(unit, "fp16")
    with pytest.raises(AccelsimError, match="does not run precision 'binary'"):
        PEArray.from_unit(unit, "binary")


@pytest.mark.parametrize("shape,k,r,stride,groups", [
    ((1, 70, 6, 9), 8, 3, 1, 1),      # xnor-popcount: the bit packer checks x as it packs
    ((1, 6, 9, 11), 6, 3, 2, 6),      # depthwise 3x3: checked channel by channel
    ((1, 3, 9, 11), 8, 3, 2, 1),      # few channels (RGB)
    ((1, 70, 6, 9), 8, 1, 2, 1),      # strided 1x1: the pixels it skips count too
    ((1, 6, 9, 11), 6, 2, 1, 6),      # other direct convolutions
])
@pytest.mark.parametrize("bad", [0, 2, -128])
def test_binary_x_checked_on_every_path(shape, k, r, stride, groups, bad):
    """A binary x with one value other than -1 / +1 is refused on every kernel path, wherever it sits."""
    rng = np.random.default_rng(4)
    x = np.where(rng.random(shape) < 0.5, -1, 1).astype(np.int8)
    x[0, shape[1] - 1, shape[2] - 1, shape[3] - 1] = bad     # last pixel (never read by a stride-2 1x1)
    w = np.where(rng.random((k, shape[1] // groups, r, r)) < 0.5, -1, 1).astype(np.int8)
    with pytest.raises(AccelsimError, match=f"x: mode 'binary' allows values .*got {bad}"):
        conv2d(x, w, mode="binary", stride=stride, padding=r // 2, groups=groups)
    with pytest.raises(AccelsimError, match="x: mode 'binary' allows values"):
        conv2d(x, pack_filters(w, mode="binary", groups=groups), mode="binary", stride=stride,
               padding=r // 2, groups=groups)
