"""The whole chip in SimPy: units, their DMA engines, and a DRAM whose bandwidth they share.

Every unit of the profile is a SimPy ``PriorityResource`` (one layer at a
time); every unit has a DMA engine (a FIFO ``Resource``); all DMA traffic goes
through one :class:`~accelsim.sim.bandwidth.SharedBandwidth` DRAM, shared
fairly by whatever transfers are in flight, so units that stream data at the
same time slow each other down. Memory levels that several units share
(``memories[*].shared_by``) are ports of their own, used by copies between
those units. Time is in nanoseconds; any number of jobs (a network's plan, a
frame of a stream) can run at once.

Two granularities:

- ``tile``: each layer runs as its folds (grouped into at most ``max_tiles``
  tiles); the DMA engine loads tile i+1 into one half of a double-buffered
  scratchpad while the unit computes tile i, results go back through a
  double-buffered output buffer. This is the foundation's single-unit engine,
  now on the shared DRAM.
- ``layer`` (coarse tiles, for long streams): a layer is one task whose DRAM
  traffic streams at most at the rate its compute consumes it (its bytes over
  its compute time, after one access latency); it ends when both compute and
  traffic are done. On an idle chip this is exactly the analytical roofline
  ``overhead + max(compute, on-chip memory, latency + bytes / bandwidth)``.

With unlimited bandwidth both equal the analytical fidelity (every transfer is
instantaneous and a layer takes its compute time).

A job holds its unit from one layer to the next while no more urgent job waits
for it (a smaller priority number, or the same priority and released earlier);
otherwise it lets the waiter go first. Units change hands at layer boundaries,
never mid-layer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import simpy

from accelsim.cost.base import LayerCost
from accelsim.errors import AccelsimError
from accelsim.cost.power import busy_power_mw, default_host_cores, host_busy_mw, system_static_mw
from accelsim.hardware.schema import Profile, Unit
from accelsim.sim.analytical import layer_result
from accelsim.sim.bandwidth import SharedBandwidth
from accelsim.sim.crossing import shared_levels
from accelsim.sim.plan import Copy, Plan
from accelsim.sim.timeline import Timeline

GRANULARITIES = ("layer", "tile")
MAX_TILES = 64


def split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` integers that differ by at most one and sum exactly."""
    base, extra = divmod(int(total), parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def dma_track(unit: str) -> str:
    return f"{unit} DMA"


@dataclass
class LayerRecord:
    name: str
    unit: str
    start_ns: float
    end_ns: float
    energy_pj: float
    cost: LayerCost


@dataclass
class Job:
    """One run of a plan (e.g. one frame): filled in by the engine as it runs."""

    label: str
    priority: int = 0
    category: str = ""
    keep_layers: bool = False
    arrival_ns: float | None = None    # when the work was released (a frame's arrival)
    start_ns: float | None = None      # when its first layer started
    end_ns: float | None = None
    energy_pj: float = 0.0
    layers: list[LayerRecord] = field(default_factory=list)
    copies: list[tuple[Copy, float, float]] = field(default_factory=list)   # (copy, start, end)

    @property
    def started(self) -> bool:
        return self.start_ns is not None


class SocEngine:
    """A chip ready to run jobs: call :meth:`start` for each, then ``env.run()``."""

    def __init__(self, profile: Profile, *, granularity: str = "layer", max_tiles: int = MAX_TILES,
                 timeline: Timeline | None = None, env: simpy.Environment | None = None):
        if granularity not in GRANULARITIES:
            raise AccelsimError(f"granularity: got {granularity!r}; allowed: {', '.join(GRANULARITIES)}")
        self.env = env or simpy.Environment()
        self.profile = profile
        self.granularity = granularity
        self.max_tiles = max_tiles
        self.timeline = timeline
        self.units: dict[str, Unit] = {u.name: u for u in profile.units}
        self.slots = {name: simpy.PriorityResource(self.env, capacity=1) for name in self.units}
        self.dma = {name: simpy.Resource(self.env, capacity=1) for name in self.units}
        self.busy_ns = {name: 0.0 for name in self.units}
        # host CPU cores a non-CPU unit's (default) runtime keeps busy while it runs (cost/power.host_busy_mw)
        self.host_mw = {name: host_busy_mw(profile, u, default_host_cores(u)) for name, u in self.units.items()}
        self._seq = 0
        self.ports: dict[str, SharedBandwidth] = {"dram": self._port("dram", profile.dram)}
        for mem in shared_levels(profile):
            self.ports[mem.name] = self._port(mem.name, mem)
        self.dram = self.ports["dram"]
        self._dynamic: dict[int, tuple[float, LayerCost]] = {}
        if timeline is not None:
            for name in self.units:
                timeline.track(name, "unit")
            for name in self.units:
                timeline.track(dma_track(name), "dma")

    def _port(self, name: str, mem) -> SharedBandwidth:
        latency = 0.0 if mem.unlimited else mem.latency_ns
        hook = None
        if self.timeline is not None:
            track = f"{name} GB/s"
            self.timeline.track(track, "memory")
            hook = lambda t, rate, track=track: self.timeline.sample(track, t, rate)  # noqa: E731
        return SharedBandwidth(self.env, name, None if mem.unlimited else mem.bandwidth_gbps, latency, hook)

    # ------------------------------------------------------------------ jobs
    def start(self, plan: Plan, job: Job) -> simpy.Process:
        """Start running ``plan`` now as ``job``; the returned process ends when the job does."""
        return self.env.process(self._run(plan, job))

    def _run(self, plan: Plan, job: Job):
        env = self.env
        # Units go to the most urgent waiter at layer boundaries: smaller priority number first, then the job
        # released earlier (so a stream's frames run in order and never take turns with each other).
        self._seq += 1
        urgency = (job.priority, env.now if job.arrival_ns is None else job.arrival_ns, self._seq)
        held: tuple[str, simpy.Request] | None = None
        for step in plan.steps:
            if held is not None and held[0] != step.unit:
                self.slots[held[0]].release(held[1])
                held = None
            for copy in step.copies:
                yield from self._copy(step.unit, copy, job)
            slot = self.slots[step.unit]
            if held is not None and slot.queue and slot.queue[0].priority < urgency:
                slot.release(held[1])  # a more urgent job is waiting: let it go first
                held = None
            if held is None:
                req = slot.request(priority=urgency)
                yield req
                held = (step.unit, req)
            yield from self._layer(self.units[step.unit], step.cost, job)
        if held is not None:
            self.slots[held[0]].release(held[1])
        job.end_ns = env.now

    def _layer(self, unit: Unit, cost: LayerCost, job: Job):
        env = self.env
        start = env.now
        if job.start_ns is None:
            job.start_ns = start
        if self.granularity == "tile":
            yield from self._layer_tiles(unit, cost, job)
        else:
            yield from self._layer_fluid(unit, cost, job)
        end = env.now
        self.busy_ns[unit.name] += end - start
        # mW * ns = pJ; as in layer_result each layer carries the SoC always-on and DRAM background power
        # over its span (layers overlapping on two units both count it: an upper bound)
        span = end - start
        busy = span if unit.kind == "cpu" else max(0.0, span - cost.overhead_cycles / unit.clock_ghz)  # power.busy_ns
        energy = (self._dynamic_pj(cost, unit) + busy_power_mw(unit, cost.threads) * busy
                  + (unit.static_power_mw + system_static_mw(self.profile) + self.host_mw[unit.name]) * span)
        job.energy_pj += energy
        if job.keep_layers:
            job.layers.append(LayerRecord(cost.name, unit.name, start, end, energy, cost))
        if self.timeline is not None:
            self.timeline.span(unit.name, cost.name, start, end, job.category, job=job.label, op=cost.op,
                               macs=cost.macs, dram_bytes=cost.dram_bytes)

    def _dynamic_pj(self, cost: LayerCost, unit: Unit) -> float:
        """The layer's energy apart from static power: the analytical layer result's at zero time (memoized)."""
        key = id(cost)
        if key not in self._dynamic:
            self._dynamic[key] = (layer_result(cost, unit, self.profile, 0).energy_mj * 1e9, cost)
        return self._dynamic[key][0]

    def _layer_fluid(self, unit: Unit, cost: LayerCost, job: Job):
        env = self.env
        if cost.overhead_cycles:
            yield env.timeout(cost.overhead_cycles / unit.clock_ghz)  # launch / dispatch before the work
        start = env.now
        compute_ns = max(cost.compute_cycles, cost.memory_cycles) / unit.clock_ghz  # on-chip levels bound it too
        nbytes = cost.dram_bytes
        if nbytes > 0 and not self.dram.unlimited:
            slack = compute_ns - self.dram.latency_ns
            yield self.dram.transfer(nbytes, nbytes / slack if slack > 0 else math.inf)
            if self.timeline is not None:
                self.timeline.span(dma_track(unit.name), cost.name, start, env.now, job.category, job=job.label,
                                   bytes=nbytes)
            rest = start + compute_ns - env.now
            if rest > 0:
                yield env.timeout(rest)
        else:
            self.dram.bytes_moved += nbytes
            if compute_ns > 0:
                yield env.timeout(compute_ns)

    def _layer_tiles(self, unit: Unit, cost: LayerCost, job: Job):
        env = self.env
        n = max(1, min(cost.n_tiles, self.max_tiles))
        if cost.overhead_cycles:
            yield env.timeout(cost.overhead_cycles / unit.clock_ghz)  # launch / dispatch before the first tile
        compute = split(max(cost.compute_cycles, cost.memory_cycles), n)  # on-chip levels bound each tile too
        loads = split(cost.dram_read_bytes, n)
        stores = split(cost.dram_write_bytes, n)
        in_slots = simpy.Resource(env, capacity=2)   # double-buffered input scratchpad
        out_slots = simpy.Resource(env, capacity=2)  # double-buffered output scratchpad
        loaded = [env.event() for _ in range(n)]
        writes = []
        clock = unit.clock_ghz

        def loader():
            for i in range(n):
                slot = in_slots.request()
                yield slot
                yield from self._dma(unit.name, loads[i], f"load {cost.name}[{i}]", job)
                loaded[i].succeed(slot)

        def writer(i, slot):
            yield from self._dma(unit.name, stores[i], f"store {cost.name}[{i}]", job)
            out_slots.release(slot)

        env.process(loader())
        for i in range(n):
            in_slot = yield loaded[i]
            out_slot = out_slots.request()
            yield out_slot
            t0 = env.now
            yield env.timeout(compute[i] / clock)
            if self.timeline is not None and n > 1:
                self.timeline.span(unit.name, f"{cost.name}[{i}]", t0, env.now, job.category, job=job.label)
            in_slots.release(in_slot)
            writes.append(env.process(writer(i, out_slot)))
        yield simpy.AllOf(env, writes)

    def _dma(self, unit: str, nbytes: int, name: str, job: Job):
        if nbytes <= 0:
            return
        with self.dma[unit].request() as req:
            yield req
            t0 = self.env.now
            yield self.dram.transfer(nbytes)
            if self.timeline is not None:
                self.timeline.span(dma_track(unit), name, t0, self.env.now, job.category, job=job.label,
                                   bytes=nbytes)

    def _copy(self, dst: str, copy: Copy, job: Job):
        """Copy a tensor to ``dst`` through DRAM or a shared cache (on ``dst``'s DMA engine in tile mode)."""
        c = copy.crossing
        port = self.ports[c.via]
        t0 = self.env.now
        if self.granularity == "tile":
            with self.dma[dst].request() as req:
                yield req
                t0 = self.env.now
                yield port.transfer(c.moved_bytes, latency_ns=c.latency_ns)
        else:
            yield port.transfer(c.moved_bytes, latency_ns=c.latency_ns)
        job.energy_pj += c.energy_pj
        if job.keep_layers:
            job.copies.append((copy, t0, self.env.now))
        if self.timeline is not None:
            self.timeline.span(dma_track(dst), f"copy {copy.tensor} {c.src}->{c.dst}", t0, self.env.now,
                               job.category, job=job.label, bytes=c.moved_bytes, via=c.via)

    # ----------------------------------------------------------- statistics
    def utilization(self, span_ns: float) -> dict[str, float]:
        """Fraction of ``span_ns`` each unit spent running layers (stalls included)."""
        return {name: (busy / span_ns if span_ns > 0 else 0.0) for name, busy in self.busy_ns.items()}

    def dram_utilization(self, span_ns: float) -> float:
        """Bytes moved over what the DRAM could have moved in ``span_ns`` (0 for unlimited DRAM)."""
        if self.dram.unlimited or span_ns <= 0:
            return 0.0
        return self.dram.bytes_moved / (self.dram.bytes_per_ns * span_ns)
