"""Where a runtime puts its threads on a CPU's clusters: ``--threads N --cores big|little|all``.

Clusters are ranked by per-core speed (clock x fp32 MACs per cycle of their
core type, or ``macs_scale``). ``little`` is the slowest cluster, ``big``
every other cluster (all of them on a CPU with one cluster), ``all`` every
core; threads take the chosen cores fastest first, as ncnn's affinity masks
(powersave 2 / 1) do; with ``all`` (no affinity) a runtime may say threads land
on little cores first (``all_cores_order: little_first``, Android's scheduler).
More threads than cores time-share them.
"""
from __future__ import annotations

from dataclasses import dataclass

from accelsim.errors import AccelsimError
from accelsim.hardware.core_types import CoreType, core_type
from accelsim.hardware.schema import Unit

CORES = ("big", "little", "all")


@dataclass(frozen=True)
class PlacedCore:
    """One core a thread runs on."""

    cluster: str
    core: CoreType | None      # None: the cluster names no core type (the unit's precisions table applies)
    clock_ghz: float
    macs_scale: float

    def macs_per_cycle(self, unit: Unit, fmt: str) -> float | None:
        """MACs per own-clock cycle in ``fmt``; None when the core cannot run it."""
        if self.core is not None:
            spec = self.core.precisions.get(fmt)
            return spec.macs_per_cycle if spec else None
        spec = unit.precisions.get(fmt)
        return spec.macs_per_cycle * self.macs_scale if spec else None

    def speed(self, unit: Unit) -> float:
        fmt = "fp32" if (self.core is None or "fp32" in self.core.precisions) and "fp32" in unit.precisions else \
            next(iter(unit.precisions))
        return self.clock_ghz * (self.macs_per_cycle(unit, fmt) or 0.0)


@dataclass(frozen=True)
class Placement:
    cores: list[PlacedCore]      # one per thread that has a core of its own, fastest first
    threads: int                 # threads asked for (>= len(cores) when they time-share)

    @property
    def chunks_per_core(self) -> int:
        """Static scheduling: work chunks the busiest core runs (threads / cores, rounded up)."""
        return -(-self.threads // max(1, len(self.cores)))


def unit_cores(unit: Unit) -> list[list[PlacedCore]]:
    """The unit's clusters, each as its list of cores."""
    if not unit.clusters:
        return [[PlacedCore("cores", None, unit.clock_ghz, 1.0)] * unit.cores]
    out = []
    for c in unit.clusters:
        ct = core_type(c.core) if c.core else None
        out.append([PlacedCore(c.name, ct, c.clock_ghz, c.macs_scale)] * c.count)
    return out


_PLACED: dict[tuple, tuple[Unit, Placement]] = {}


def place(unit: Unit, threads: int | None, cores: str | None, order: str = "big_first") -> Placement:
    """The cores ``threads`` threads run on when confined to ``cores`` (big, little or all)."""
    if cores is not None and cores not in CORES:
        raise AccelsimError(f"cores: got {cores!r}; allowed: {', '.join(CORES)}")
    key = (id(unit), threads, cores, order)
    hit = _PLACED.get(key)
    if hit is not None and hit[0] is unit:     # the same unit object (kept alive by the cache entry)
        return hit[1]
    placed = _place(unit, threads, cores, order)
    if len(_PLACED) > 4096:
        _PLACED.clear()
    _PLACED[key] = (unit, placed)
    return placed


def _place(unit: Unit, threads: int | None, cores: str | None, order: str) -> Placement:
    clusters = sorted(unit_cores(unit), key=lambda cl: -cl[0].speed(unit))
    if cores == "little" and len(clusters) > 1:
        chosen = clusters[-1:]
    elif cores == "big" and len(clusters) > 1:
        chosen = clusters[:-1]
    else:
        chosen = clusters
    if cores in (None, "all") and order == "little_first":
        chosen = chosen[::-1]
    pool = [c for cl in chosen for c in cl]
    n = threads or len(pool)
    return Placement(pool[:n], n)
