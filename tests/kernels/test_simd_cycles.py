"""SIMD-core cycles: instruction counts of the kernel path taken, against a brute-force counter."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimError
from accelsim.kernels import conv2d
from accelsim.kernels.simd_cycles import HOST_PATH, SimdGeometry, border_pixels, count_instructions, simd_stats
from tests.kernels.helpers import rand


def brute_force(path, x, w, stride, pad, groups, vector_bits):
    """Walk the kernel's loops one instruction at a time, in plain Python, and count them.

    Independently of the module: every vector of pixels, every filter, every tap and every
    chunk of channels is visited, and padded windows are found by testing each tap.
    """
    n, c, h, wd = x.shape
    k, cg, r, s = w.shape
    e, f = (h + 2 * pad - r) // stride + 1, (wd + 2 * pad - s) // stride + 1
    pixels = [(i, j) for i in range(e) for j in range(f)]
    count = 0
    for _img in range(n):
        for _g in range(groups):
            corrections = []          # (pixel, filter) pairs whose window reaches into the padding
            for kf in range(k // groups):
                if path == "direct":
                    for _i in range(e):
                        for _t in range(r * s * cg):
                            count += len(range(0, f, vector_bits // 32))
                    continue
                if path == "ternary-addsub":
                    for _p in pixels:
                        count += 4 * len(range(0, r * s * cg, vector_bits // 8)) + 2
                    continue
                per_vec = vector_bits // (64 if path != "dot4" else 32)
                chunk = 64 if path != "dot4" else 4
                for _v in range(0, len(pixels), per_vec):
                    if path == "xnor-window":       # fill 64-bit words with whole taps of C bits
                        words, used = 0, 64
                        for _tap in range(r * s):
                            if used + cg > 64:
                                words, used = words + 1, 0
                            used += cg
                        count += 3 * words
                    else:
                        for _tap in range(r * s):
                            for _c in range(0, cg, chunk):
                                count += {"xnor-popcount": 3, "ternary-bitplanes": 7, "dot4": 1}[path]
                    count += 1 if path == "dot4" else 2
                if path in ("xnor-popcount", "xnor-window") and pad:
                    corrections += [(i, j, kf) for (i, j) in pixels
                                    if any(not (0 <= i * stride - pad + a < h and 0 <= j * stride - pad + b < wd)
                                           for a in range(r) for b in range(s))]
            count += len(range(0, len(corrections), vector_bits // 32))   # one vector add per 32-bit lanes
    return count


def _run(mode, x, w, stride, pad, groups, vector_bits):
    res = conv2d(x, w, mode=mode, stride=stride, padding=pad, groups=groups)
    path = HOST_PATH.get(res.path, res.path)
    n, _, h, wd = x.shape
    k, cg, r, s = w.shape
    e, f = res.y.shape[-2:]
    pads = (pad, pad, pad, pad)
    border = (border_pixels(h, wd, e, f, r, s, (stride, stride), pads)
              if pad and path in ("xnor-popcount", "xnor-window") else 0)
    g = SimdGeometry(images=n, groups=groups, m=e * f, n=k // groups, cg=cg, r=r, s=s, e=e, f=f,
                     border_pixels=border)
    return path, g


def test_hand_worked_binary_layer():
    """64 channels, 4 filters, 4x4 input, 3x3, pad 1, on a 128-bit NEON core (A76 binary rate 85.33)."""
    rng = np.random.default_rng(0)
    x, w = rand(rng, (1, 64, 4, 4), "binary"), rand(rng, (4, 64, 3, 3), "binary")
    path, g = _run("binary", x, w, 1, 1, 1, 128)
    assert path == "xnor-popcount" and g.border_pixels == 12      # all but the 2x2 centre
    main, epi, corr = count_instructions(path, g, 128)
    assert (main, epi, corr) == (3 * 8 * 4 * 9, 2 * 8 * 4, 12)     # 8 pixel pairs x 4 filters x 9 words
    stats = simd_stats(path, g, 128, "binary", 85.33)
    assert stats.issue_per_cycle == pytest.approx(2.0, rel=1e-3)   # 2 ASIMD pipes
    assert stats.cycles == math.ceil(940 / stats.issue_per_cycle)
    assert stats.dense_cycles == math.ceil(16 * 4 * 64 * 9 / 85.33)  # 432: a perfectly filled layer
    assert stats.cycles > stats.dense_cycles                        # epilogue and corrections cost


def test_full_words_no_padding_take_exactly_the_cited_rate():
    """Channels a multiple of 64, pixels a multiple of the vector: main loop = MACs / cited rate."""
    rng = np.random.default_rng(1)
    x, w = rand(rng, (1, 128, 6, 6), "binary"), rand(rng, (8, 128, 3, 3), "binary")
    path, g = _run("binary", x, w, 1, 0, 1, 512)   # 16 outputs = 2 vectors of 8 words (AVX-512)
    stats = simd_stats(path, g, 512, "binary", 512 / 3)   # one VPXORQ+VPOPCNTQ+VPADDQ group per cycle
    assert stats.main_instructions / stats.issue_per_cycle == pytest.approx(stats.macs / (512 / 3))


def test_part_empty_words_cost_their_padding_bits():
    """65 channels need two popcount words per tap: about twice the instructions of 64."""
    rng = np.random.default_rng(2)
    counts = {}
    for c in (64, 65):
        x, w = rand(rng, (1, c, 5, 5), "binary"), rand(rng, (4, c, 3, 3), "binary")
        path, g = _run("binary", x, w, 1, 0, 1, 128)
        counts[c] = count_instructions(path, g, 128)[0]
    assert counts[65] == 2 * counts[64]


@settings(max_examples=40, deadline=None)
@given(mode=st.sampled_from(["binary", "ternary", "int8"]), c=st.integers(1, 70), kg=st.integers(1, 6),
       groups=st.sampled_from([1, 2]), h=st.integers(3, 7), r=st.integers(1, 3), stride=st.integers(1, 2),
       pad=st.integers(0, 1), n=st.integers(1, 2), vector_bits=st.sampled_from([128, 512, 1024]),
       seed=st.integers(0, 2**31))
def test_instruction_count_matches_brute_force(mode, c, kg, groups, h, r, stride, pad, n, vector_bits, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, (n, c * groups, h, h), mode)
    w = rand(rng, (kg * groups, c, r, r), mode)
    path, g = _run(mode, x, w, stride, pad, groups, vector_bits)
    main, epi, corr = count_instructions(path, g, vector_bits)
    expected = brute_force(path, x, w, stride, pad, groups, vector_bits)
    assert main + epi + corr == expected


@settings(max_examples=30, deadline=None)
@given(rate=st.floats(1.0, 2000.0), speed=st.floats(0.25, 8.0), more=st.floats(1.0, 4.0))
def test_faster_cores_never_take_more_cycles(rate, speed, more):
    g = SimdGeometry(images=1, groups=1, m=49, n=16, cg=96, r=3, s=3, e=7, f=7, border_pixels=24)
    slow = simd_stats("xnor-popcount", g, 128, "binary", rate, speed)
    assert simd_stats("xnor-popcount", g, 128, "binary", rate * more, speed).cycles <= slow.cycles
    assert simd_stats("xnor-popcount", g, 128, "binary", rate, speed * more).cycles <= slow.cycles


def test_bad_arguments_are_one_line_errors():
    g = SimdGeometry(images=1, groups=1, m=4, n=4, cg=4, r=1, s=1, e=2, f=2)
    with pytest.raises(AccelsimError, match="path"):
        count_instructions("winograd", g, 128)
    with pytest.raises(AccelsimError, match="vector_bits"):
        count_instructions("dot4", g, 96)
    with pytest.raises(AccelsimError, match="format"):
        simd_stats("dot4", g, 128, "fp16", 8.0)


@pytest.mark.parametrize("x_alphabet,c,k", [("int8", 64, 8), ("ternary", 16, 32)])
def test_host_int8_units_do_not_change_the_modelled_count(x_alphabet, c, k):
    """Ternary layers the host runs as int8 (AMX tiles / VNNI vectors where it has them) are counted
    as the kernel the modelled core runs: the same instructions as with the host's portable path."""
    from accelsim.kernels import conv
    rng = np.random.default_rng(5)
    x, w = rand(rng, (1, c, 9, 9), x_alphabet), rand(rng, (k, c, 3, 3), "ternary")
    runs = {}
    for fast in (False, True):
        saved = conv.USE_VNNI, conv.USE_AMX
        conv.USE_VNNI, conv.USE_AMX = fast and conv.HAS_VNNI, fast and conv.HAS_AMX
        try:
            runs[fast] = conv2d(x, w, mode="ternary", padding=1)
        finally:
            conv.USE_VNNI, conv.USE_AMX = saved
    np.testing.assert_array_equal(runs[True].y, runs[False].y)
    portable = "ternary-bitplanes" if x_alphabet == "ternary" else "ternary-addsub"
    assert runs[False].path == portable
    assert HOST_PATH.get(runs[True].path, runs[True].path) == portable
    if conv.HAS_AMX:      # this host takes the int8 units: the host path names them
        assert runs[True].path == portable + "@amx"
    g = SimdGeometry(images=1, groups=1, m=81, n=k, cg=c, r=3, s=3, e=9, f=9)
    counted = count_instructions(HOST_PATH.get(runs[True].path, runs[True].path), g, 512)
    assert counted == count_instructions(portable, g, 512)
    assert sum(counted) == brute_force(portable, x, w, 1, 1, 1, 512)
