"""Low-rank factorization: MACs match the closed forms (Jaderberg; SVD), ranks and errors."""
import pytest

from accelsim.compress import factorize
from accelsim.compress.factorize import spectral_rank
from accelsim.errors import AccelsimError
from accelsim.workload import Conv2d, Dense, Workload, load_workload


@pytest.mark.parametrize("c,n,h,w,k,stride,pad,r", [
    (64, 128, 28, 28, 3, 1, 1, 16),
    (96, 256, 27, 31, 5, 1, 2, 32),
    (32, 64, 30, 30, 3, 2, 1, 8),
    (48, 48, 17, 17, 7, 1, 3, 12),
])
def test_kxk_rank_r_macs_match_jaderberg_closed_form(c, n, h, w, k, stride, pad, r):
    wl = Workload("t", (c, h, w), [Conv2d(name="conv", out_channels=n, kernel=k, stride=stride, padding=pad)])
    e, f = wl[0].out_shape[1:]
    small = factorize(r)(wl)
    assert [i.name for i in small] == ["conv.v", "conv.h"]
    # vertical k x 1 conv C -> r over E x W, then horizontal 1 x k conv r -> N over E x F
    assert small.macs == e * w * r * c * k + e * f * n * r * k
    assert small["conv.h"].out_shape == wl[0].out_shape
    assert small.params == r * c * k + n * r * k


@pytest.mark.parametrize("c,n,r", [(256, 512, 32), (1024, 1000, 64)])
def test_1x1_and_fc_rank_r_macs_match_svd_closed_form(c, n, r):
    conv = Workload("t", (c, 14, 14), [Conv2d(name="pw", out_channels=n, kernel=1)])
    assert factorize(r)(conv).macs == 14 * 14 * r * (c + n)
    fc = Workload("t", (c, 1, 1), [Dense(name="fc", out_features=n, bias=True)])
    small = factorize(r)(fc)
    assert small.macs == r * (c + n) and small.params == r * c + n * r + n   # bias stays on the last factor


def test_layers_that_would_not_save_are_kept():
    wl = load_workload("alexnet")
    small = factorize(64)(wl)
    assert "conv1" not in small.lineage[0].layers        # 3 x 11: rank 33 < 64, nothing to save
    assert small.macs < wl.macs and "fc6.b" in [i.name for i in small]


def test_rank_larger_than_the_layer_is_an_error():
    wl = Workload("t", (16, 8, 8), [Conv2d(name="c", out_channels=8, kernel=1)])
    with pytest.raises(AccelsimError, match="rank: got 9; larger than every layer"):
        factorize(9)(wl)


def test_ratio_and_energy():
    wl = Workload("t", (256, 1, 1), [Dense(name="fc", out_features=256)])
    assert factorize(ratio=0.25)(wl)["fc.a"].out_shape[0] == 64
    # model spectrum lambda_i ~ i^-1/2 (alpha 3): 90 % of the energy needs about 0.81 of the rank
    r = spectral_rank(256, 0.9)
    assert abs(r / 256 - 0.81) < 0.02
    assert spectral_rank(256, 0.5) < r < spectral_rank(256, 0.99)
    assert spectral_rank(256, 0.9, alpha=2.0) < r                 # a heavier tail concentrates the energy


@pytest.mark.parametrize("kwargs,needle", [
    ({"rank": 0}, "rank: got 0"),
    ({"ratio": 1.5}, "ratio: got 1.5"),
    ({"energy": 0.0}, "energy: got 0.0"),
    ({"rank": 4, "ratio": 0.5}, "exactly one"),
])
def test_bad_factorize_arguments(kwargs, needle):
    with pytest.raises(AccelsimError) as err:
        factorize(**kwargs)
    assert needle in str(err.value)
