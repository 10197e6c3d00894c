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
