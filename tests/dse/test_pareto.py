"""Pareto fronts: against a brute-force definition, per workload, from sweep tables."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dse.pareto import pareto_indices, pareto_mask, pareto_rows
from accelsim.dse.table import SweepTable


def brute_force(values: np.ndarray) -> np.ndarray:
    no_worse = (values[:, None, :] <= values[None, :, :]).all(-1)
    better = (values[:, None, :] < values[None, :, :]).any(-1)
    return ~(no_worse & better).any(axis=0)          # column j: does any row dominate j?


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 120), st.integers(2, 4), st.integers(0, 10 ** 6), st.booleans())
def test_mask_equals_the_definition(n, k, seed, ties):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 6, (n, k)).astype(float) if ties else rng.random((n, k))
    assert (pareto_mask(values) == brute_force(values)).all()


def test_known_front():
    values = np.array([[1, 5], [2, 2], [5, 1], [3, 3], [2, 2], [6, 6]], dtype=float)
    assert pareto_mask(values).tolist() == [True, True, True, False, True, False]


def test_fronts_are_per_workload_and_skip_failures():
    rows = [
        {"workload": "a", "status": "ok", "latency_ms": 1.0, "energy_mj": 9.0},
        {"workload": "a", "status": "ok", "latency_ms": 2.0, "energy_mj": 1.0},
        {"workload": "a", "status": "ok", "latency_ms": 3.0, "energy_mj": 2.0},        # dominated by row 1
        {"workload": "a", "status": "error", "latency_ms": None, "energy_mj": None},
        {"workload": "b", "status": "ok", "latency_ms": 5.0, "energy_mj": 5.0},        # best of b, worse than a
    ]
    front = pareto_rows(rows, ["latency_ms", "energy_mj"])
    assert front == [rows[0], rows[1], rows[4]]
    table = SweepTable({k: [r[k] for r in rows] for k in rows[0]}, [])
    assert pareto_indices(table, ["latency_ms", "energy_mj"]).tolist() == [0, 1, 4]
    assert pareto_indices(table, ["latency_ms", "energy_mj"], group_by=()).tolist() == [0, 1]
