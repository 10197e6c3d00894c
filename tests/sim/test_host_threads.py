"""The kernels' Numba thread count follows the run's --threads, capped by the cores the process may use."""
import os

import numba

from accelsim.sim.cycle import host_threads


def _allowed() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def test_threads_follow_the_request_and_are_restored():
    before = numba.get_num_threads()
    with host_threads(1) as n:
        assert n == 1 and numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


def test_default_and_oversized_requests_stop_at_the_allowed_cores():
    cap = min(_allowed(), numba.config.NUMBA_NUM_THREADS)
    with host_threads(None) as n:
        assert n == cap and numba.get_num_threads() == cap
    with host_threads(10 * os.cpu_count()) as n:
        assert n == cap
