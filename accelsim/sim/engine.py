"""Event fidelity: a SimPy simulation of one unit running a network tile by tile.

Each layer runs as its folds (grouped into at most ``max_tiles`` tiles). A DMA
engine loads a tile's inputs from DRAM into one half of a double-buffered
scratchpad while the array computes on the other half; results are written
back from a double-buffered output scratchpad. All transfers go through one
DRAM channel, so loads and write-backs queue behind each other, and when
bandwidth is short the array stalls waiting for data. With unlimited bandwidth
every transfer is instantaneous and a layer takes exactly its compute cycles,
so this fidelity equals the analytical one.
"""
from __future__ import annotations

import math

import simpy

from accelsim.cost.base import LayerCost
from accelsim.hardware.schema import Profile, Unit
from accelsim.sim.analytical import layer_result
from accelsim.sim.memory import transfer_cycles
from accelsim.sim.result import LayerResult

MAX_TILES = 64


def split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` integers that differ by at most one and sum exactly."""
    base, extra = divmod(int(total), parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class DmaChannel:
    """The DRAM interface: one transfer at a time, in request order."""

    def __init__(self, env: simpy.Environment, profile: Profile, unit: Unit):
        self.env = env
        self.port = simpy.Resource(env, capacity=1)
        self.profile = profile
        self.unit = unit
        self.busy_cycles = 0.0

    def transfer(self, nbytes: int):
        duration = transfer_cycles(nbytes, self.profile.dram, self.unit.clock_ghz)
        if duration <= 0:
            return
        with self.port.request() as req:
            yield req
            yield self.env.timeout(duration)
            self.busy_cycles += duration


def _run_layer(env: simpy.Environment, dma: DmaChannel, cost: LayerCost, max_tiles: int):
    n = max(1, min(cost.n_tiles, max_tiles))
    if cost.overhead_cycles:
        yield env.timeout(cost.overhead_cycles)  # launch / dispatch before the first tile
    compute = split(max(cost.compute_cycles, cost.memory_cycles), n)  # on-chip levels bound each tile too
    loads = split(cost.dram_read_bytes, n)
    stores = split(cost.dram_write_bytes, n)
    in_slots = simpy.Resource(env, capacity=2)   # double-buffered input scratchpad
    out_slots = simpy.Resource(env, capacity=2)  # double-buffered output scratchpad
    loaded = [env.event() for _ in range(n)]
    writes = []

    def loader():
        for i in range(n):
            slot = in_slots.request()
            yield slot
            yield env.process(dma.transfer(loads[i]))
            loaded[i].succeed(slot)

    def writer(i, slot):
        yield env.process(dma.transfer(stores[i]))
        out_slots.release(slot)

    def array():
        for i in range(n):
            in_slot = yield loaded[i]
            out_slot = out_slots.request()
            yield out_slot
            yield env.timeout(compute[i])
            in_slots.release(in_slot)
            writes.append(env.process(writer(i, out_slot)))
        yield simpy.AllOf(env, writes)

    env.process(loader())
    yield env.process(array())


def run_event(costs: list[LayerCost], unit: Unit, profile: Profile, *, max_tiles: int = MAX_TILES
              ) -> list[LayerResult]:
    """Simulate the layers back to back on ``unit``; one LayerResult each."""
    env = simpy.Environment()
    dma = DmaChannel(env, profile, unit)
    spans: list[float] = []

    def network():
        for cost in costs:
            start = env.now
            yield env.process(_run_layer(env, dma, cost, max_tiles))
            spans.append(env.now - start)

    env.process(network())
    env.run()
    return [layer_result(c, unit, profile, max(c.compute_cycles, math.ceil(span - 1e-9)))
            for c, span in zip(costs, spans)]
