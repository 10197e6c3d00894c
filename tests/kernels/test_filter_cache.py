"""Raw filters passed to conv2d again reuse their packing only while their values are unchanged."""
import numpy as np
import pytest

from accelsim.kernels import conv2d, conv2d_reference, filters
from tests.kernels.helpers import rand


@pytest.mark.parametrize("mode", ["binary", "ternary", "int8"])
def test_cached_packing_follows_in_place_changes(mode):
    rng = np.random.default_rng(7)
    x = rand(rng, (1, 16, 6, 6), "ternary" if mode != "binary" else "binary")
    w = rand(rng, (8, 16, 3, 3), mode)
    kw = dict(mode=mode, stride=1, padding=1)
    filters.clear_filter_cache()
    first = filters.cached_pack_filters(w, mode=mode)
    assert filters.cached_pack_filters(w, mode=mode) is first           # same values: reused
    np.testing.assert_array_equal(conv2d(x, w, **kw).y, conv2d_reference(x, w, **kw))
    w[3, 5, 1, 2] = -w[3, 5, 1, 2] if mode != "ternary" else (1 if w[3, 5, 1, 2] != 1 else -1)  # changed in place
    assert filters.cached_pack_filters(w, mode=mode) is not first
    np.testing.assert_array_equal(conv2d(x, w, **kw).y, conv2d_reference(x, w, **kw))


def test_cache_keys_mode_and_groups_and_stays_bounded():
    rng = np.random.default_rng(8)
    w = rand(rng, (4, 2, 3, 3), "binary")
    filters.clear_filter_cache()
    a = filters.cached_pack_filters(w, mode="binary", groups=1)
    b = filters.cached_pack_filters(w, mode="ternary", groups=1)
    assert a is not b and (a.mode, b.mode) == ("binary", "ternary")
    arrays = [rand(rng, (4, 2, 1, 1), "int8") for _ in range(filters.CACHE_ENTRIES + 5)]
    for arr in arrays:
        filters.cached_pack_filters(arr, mode="int8")
    assert len(filters._CACHE) == filters.CACHE_ENTRIES


def test_bad_filters_still_raise_through_the_cache():
    w = np.zeros((2, 4, 1, 1), np.int8)
    with pytest.raises(ValueError, match="w: mode 'binary'"):
        filters.cached_pack_filters(w, mode="binary")
    with pytest.raises(ValueError):
        filters.cached_pack_filters(w, mode="binary", groups=[1])
