"""A memory port whose bandwidth concurrent transfers share fairly (fluid processor sharing).

Time is in nanoseconds and bandwidth in bytes per nanosecond (= GB/s). Every
active transfer gets a max-min fair share of the bandwidth (water-filling): a
transfer may carry a rate cap (the rate it can usefully consume, e.g. a layer
that computes slower than its data arrives); what capped transfers leave is
split equally among the others. Whenever a transfer starts or finishes the
shares are recomputed, so two transfers that each want the whole bandwidth
each get half of it and take twice as long: contention shows up as time.

A transfer first waits the port's access latency (pipelined: it does not hold
bandwidth), then moves its bytes. With unlimited bandwidth an uncapped
transfer is instantaneous.
"""
from __future__ import annotations

import math
from typing import Callable

import simpy

DONE_TOLERANCE_NS = 1e-6  # a transfer with less than this left is finished (floating-point slack)


class _Flow:
    __slots__ = ("remaining", "cap", "rate", "event")

    def __init__(self, nbytes: float, cap: float, event: simpy.Event):
        self.remaining = float(nbytes)
        self.cap = cap
        self.rate = 0.0
        self.event = event


class SharedBandwidth:
    """A bandwidth-limited port (DRAM, a shared cache) used by several DMA engines at once."""

    def __init__(self, env: simpy.Environment, name: str, bytes_per_ns: float, latency_ns: float = 0.0,
                 on_rate_change: Callable[[float, float], None] | None = None):
        self.env = env
        self.name = name
        self.bytes_per_ns = math.inf if bytes_per_ns is None else float(bytes_per_ns)
        self.latency_ns = float(latency_ns)
        self.bytes_moved = 0.0
        self.busy_ns = 0.0                 # time with at least one transfer moving bytes
        self._flows: list[_Flow] = []
        self._last = 0.0
        self._generation = 0
        self._on_rate_change = on_rate_change

    @property
    def unlimited(self) -> bool:
        return math.isinf(self.bytes_per_ns)

    @property
    def active(self) -> int:
        return len(self._flows)

    def transfer(self, nbytes: float, cap_bytes_per_ns: float = math.inf, latency_ns: float | None = None
                 ) -> simpy.Event:
        """An event that fires once ``nbytes`` have moved (after the access latency)."""
        done = self.env.event()
        latency = self.latency_ns if latency_ns is None else latency_ns
        if nbytes <= 0:
            done.succeed()
            return done
        self.bytes_moved += nbytes
        flow = _Flow(nbytes, cap_bytes_per_ns, done)
        if latency > 0:
            self.env.timeout(latency).callbacks.append(lambda _ev: self._start(flow))
        else:
            self._start(flow)
        return done

    def _start(self, flow: _Flow) -> None:
        if math.isinf(flow.cap) and self.unlimited:
            flow.event.succeed()
            return
        self._advance()
        self._flows.append(flow)
        self._reschedule()

    def _advance(self) -> None:
        now = self.env.now
        dt = now - self._last
        if dt > 0:
            if self._flows:
                self.busy_ns += dt
            for f in self._flows:
                f.remaining -= f.rate * dt
        self._last = now

    def _reschedule(self) -> None:
        flows = self._flows
        self._generation += 1
        if not flows:
            if self._on_rate_change:
                self._on_rate_change(self.env.now, 0.0)
            return
        available = self.bytes_per_ns
        ordered = sorted(flows, key=lambda f: f.cap) if len(flows) > 1 else flows
        n = len(ordered)
        for k, f in enumerate(ordered):
            f.rate = min(f.cap, available / (n - k))
            available -= f.rate
        if self._on_rate_change:
            self._on_rate_change(self.env.now, sum(f.rate for f in flows))
        wait = min(f.remaining / f.rate for f in flows)
        generation = self._generation
        self.env.timeout(max(0.0, wait)).callbacks.append(lambda _ev: self._on_timer(generation))

    def _on_timer(self, generation: int) -> None:
        if generation != self._generation:
            return  # the shares changed since this timer was set
        self._advance()
        # The timer was set for the earliest finish: that transfer is done whatever rounding left of it (at
        # 60 s of simulated time a float ns clock cannot resolve less than ~1e-5 ns), and so is any other
        # within the same slack.
        left = [f.remaining / f.rate for f in self._flows]
        cutoff = min(left) + max(DONE_TOLERANCE_NS, abs(self.env.now) * 1e-12)
        still = []
        for f, t in zip(self._flows, left):
            if t <= cutoff:
                f.event.succeed()
            else:
                still.append(f)
        self._flows = still
        self._reschedule()
