"""What a tensor costs when it crosses from one unit to another.

Units do not read each other's scratchpads or caches: a tensor produced on unit
A and consumed on unit B is written out by A's side and read in by B's side
(``2 x bytes`` moved), as NNAPI drivers copy buffers at the boundary of two
devices' partitions. It goes through a memory level of the profile that both
units share (``shared_by`` names both, or both list it, not per core, in their
``memories``) when the tensor fits in it, otherwise through DRAM; each pass pays
that memory's latency, bandwidth and energy per byte. This comes on top of each
layer's own DRAM traffic, which the cost models already count.
"""
from __future__ import annotations

from dataclasses import dataclass

from accelsim.hardware.schema import MemoryLevel, Profile


@dataclass(frozen=True)
class Crossing:
    """How a tensor of ``nbytes`` moves from ``src`` to ``dst`` and what that costs on an idle chip."""

    src: str
    dst: str
    nbytes: int
    via: str            # memory level name ("dram" or a shared cache)
    moved_bytes: int    # written + read
    latency_ns: float   # two accesses
    time_ns: float      # uncontended: latency + moved / bandwidth
    energy_pj: float


def _shares(profile: Profile, mem: MemoryLevel, src: str, dst: str) -> bool:
    """``shared_by`` names both units, or both list the (not per-core) level among their ``memories``."""
    if mem.shared_by:
        return src in mem.shared_by and dst in mem.shared_by
    users = [u.name for u in profile.units if mem.name in getattr(u, "memories", ())]
    return not getattr(mem, "per_core", False) and src in users and dst in users


def shared_levels(profile: Profile) -> list[MemoryLevel]:
    """Memory levels that at least two units share (ports of their own in the SoC engine)."""
    units = [u.name for u in profile.units]
    return [m for m in profile.memories
            if any(_shares(profile, m, a, b) for i, a in enumerate(units) for b in units[i + 1:])]


def shared_memory(profile: Profile, src: str, dst: str, nbytes: int) -> MemoryLevel | None:
    """The smallest memory level both units share that holds ``nbytes``, if any."""
    fits = [m for m in profile.memories
            if _shares(profile, m, src, dst) and (m.size_bytes is None or nbytes <= m.size_bytes)]
    return min(fits, key=lambda m: m.size_bytes or 0) if fits else None


def crossing(profile: Profile, src: str, dst: str, nbytes: int) -> Crossing:
    """Cost of moving a tensor of ``nbytes`` from unit ``src`` to unit ``dst``."""
    mem = shared_memory(profile, src, dst, nbytes) or profile.dram
    moved = 2 * int(nbytes)
    latency = 0.0 if mem.unlimited else 2 * mem.latency_ns
    time = latency + (0.0 if mem.unlimited else moved / mem.bandwidth_gbps)  # GB/s == bytes/ns
    name = "dram" if mem is profile.dram else mem.name
    return Crossing(src, dst, int(nbytes), name, moved, latency, time, moved * mem.energy_pj_per_byte)
