"""Invariants of the systolic cycle model for random layers and arrays."""
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.cost.systolic import cycles_per_fold, fold_counts, gemm_cycles

dims = st.integers(min_value=1, max_value=5000)
arr = st.integers(min_value=1, max_value=256)
dataflows = st.sampled_from(["os", "ws", "is"])


@settings(max_examples=300, deadline=None)
@given(m=dims, n=dims, kw=dims, rows=arr, cols=arr, df=dataflows)
def test_cycles_at_least_macs_over_pes(m, n, kw, rows, cols, df):
    # SCALE-Sim reports the index of the last busy cycle: the busy cycles are one more.
    busy = int(gemm_cycles(m, n, kw, rows, cols, df)) + 1
    assert busy >= math.ceil(m * n * kw / (rows * cols))


@settings(max_examples=300, deadline=None)
@given(m=dims, n=dims, kw=dims, rows=arr, cols=arr, df=dataflows)
def test_fold_structure(m, n, kw, rows, cols, df):
    """Cycles are folds x per-fold cost - 1, and folds tile the mapped dimensions."""
    fr, fc, t = fold_counts(m, n, kw, rows, cols, df)
    held = {"os": (m, n), "ws": (kw, n), "is": (kw, m)}[df]
    assert (fr - 1) * rows < held[0] <= fr * rows
    assert (fc - 1) * cols < held[1] <= fc * cols
    assert int(gemm_cycles(m, n, kw, rows, cols, df)) == int(fr * fc * cycles_per_fold(t, rows, cols, df)) - 1


@settings(max_examples=200, deadline=None)
@given(m=dims, n=dims, kw=dims, rows=arr, cols=arr, df=dataflows)
def test_one_fold_when_layer_fits(m, n, kw, rows, cols, df):
    """A GEMM whose mapped dimensions fit the array runs as exactly one fold."""
    held = {"os": (m, n), "ws": (kw, n), "is": (kw, m)}[df]
    big_rows, big_cols = max(rows, held[0]), max(cols, held[1])
    fr, fc, t = fold_counts(m, n, kw, big_rows, big_cols, df)
    assert fr == fc == 1
    assert int(gemm_cycles(m, n, kw, big_rows, big_cols, df)) == int(cycles_per_fold(t, big_rows, big_cols, df)) - 1


@settings(max_examples=200, deadline=None)
@given(m=dims, n=dims, kw=dims, rows=arr, cols=arr, df=dataflows, k=st.integers(2, 4))
def test_more_work_never_fewer_cycles(m, n, kw, rows, cols, df, k):
    base = int(gemm_cycles(m, n, kw, rows, cols, df))
    assert int(gemm_cycles(m * k, n, kw, rows, cols, df)) >= base
    assert int(gemm_cycles(m, n * k, kw, rows, cols, df)) >= base
    assert int(gemm_cycles(m, n, kw * k, rows, cols, df)) >= base


def test_vectorized_equals_scalar():
    import numpy as np
    rng = np.random.default_rng(0)
    m, n, kw = rng.integers(1, 3000, size=(3, 500))
    rows, cols = rng.integers(1, 128, size=(2, 500))
    for df in ("os", "ws", "is"):
        vec = gemm_cycles(m, n, kw, rows, cols, df)
        assert [int(v) for v in vec] == [int(gemm_cycles(*args, df)) for args in zip(m, n, kw, rows, cols)]
