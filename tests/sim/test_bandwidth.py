"""Fair (processor) sharing of a memory port between concurrent transfers."""
import math

import pytest
import simpy

from accelsim.sim.bandwidth import SharedBandwidth


def _finish_times(port_bw, transfers, latency=0.0):
    """transfers: (start_ns, bytes, cap) -> finish time of each."""
    env = simpy.Environment()
    port = SharedBandwidth(env, "dram", port_bw, latency)
    done = {}

    def one(k, start, nbytes, cap):
        yield env.timeout(start)
        yield port.transfer(nbytes, cap)
        done[k] = env.now

    for k, t in enumerate(transfers):
        env.process(one(k, *t))
    env.run()
    return [done[k] for k in range(len(transfers))], port


def test_alone_takes_bytes_over_bandwidth_plus_latency():
    (t,), port = _finish_times(10.0, [(0, 1000, math.inf)], latency=100)
    assert t == pytest.approx(100 + 1000 / 10.0)
    assert port.bytes_moved == 1000 and port.busy_ns == pytest.approx(100)


def test_two_equal_transfers_share_equally():
    (a, b), _ = _finish_times(10.0, [(0, 1000, math.inf), (0, 1000, math.inf)])
    assert a == pytest.approx(200) and b == pytest.approx(200)


def test_late_arrival_gets_half_then_all():
    # A alone for 50 ns (500 B), then A and B at 5 B/ns each: A's last 500 B take 100 ns.
    (a, b), _ = _finish_times(10.0, [(0, 1000, math.inf), (50, 1000, math.inf)])
    assert a == pytest.approx(150)
    assert b == pytest.approx(150 + 500 / 10.0)


def test_capped_transfer_leaves_the_rest_to_others():
    (a, b), _ = _finish_times(10.0, [(0, 250, 2.5), (0, 750, math.inf)])
    assert a == pytest.approx(100) and b == pytest.approx(100)   # 2.5 + 7.5 B/ns


def test_unlimited_port_is_instantaneous_unless_capped():
    (a, b), _ = _finish_times(None, [(0, 10 ** 9, math.inf), (5, 1000, 4.0)])
    assert a == 0 and b == pytest.approx(5 + 250)


def test_transfers_late_in_a_long_simulation_finish():
    """At ~60 s of simulated time a float ns clock is coarse (~1e-5 ns): sharing must still make progress."""
    t0 = 59.9e9 + 0.123
    (a, b, c), _ = _finish_times(34.1, [(t0, 1000, math.inf), (t0 + 3.7, 777, 11.0), (t0 + 5, 12345, math.inf)],
                                 latency=100)
    # a: alone 3.7 ns at 34.1 B/ns, with b (capped at 11) for 1.3 ns, with b and c at (34.1 - 11) / 2 until b
    # is done (777 B at 11 B/ns from 103.7), then with c at 34.1 / 2
    b_done = 103.7 + 777 / 11
    left = 1000 - 3.7 * 34.1 - 1.3 * (34.1 - 11) - (b_done - 105) * (34.1 - 11) / 2
    assert b - t0 == pytest.approx(b_done, abs=1e-3)
    assert a - t0 == pytest.approx(b_done + left / (34.1 / 2), abs=1e-3)
    # the port never idles from t0 + 100 on (work conserving): the last byte leaves after all bytes at full rate
    assert c - t0 == pytest.approx(100 + (1000 + 777 + 12345) / 34.1, abs=1e-3)
