"""Results of a stream simulation; ``to_dict()`` is what ``accelsim stream --json`` writes."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.sim.result import _provenance


@dataclass(frozen=True)
class LatencyStats:
    """Percentiles of end-to-end frame latency (arrival to result), in ms; None without completed frames."""

    p50: float | None
    p95: float | None
    p99: float | None
    mean: float | None
    max: float | None

    @classmethod
    def of(cls, latencies_ms) -> "LatencyStats":
        x = np.asarray(latencies_ms, dtype=float)
        if x.size == 0:
            return cls(None, None, None, None, None)
        p50, p95, p99 = (float(v) for v in np.percentile(x, [50, 95, 99]))
        return cls(p50, p95, p99, float(x.mean()), float(x.max()))

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class KeyframeStats:
    """The heavy network's runs in async keyframe mode (each due before the next keyframe)."""

    launched: int
    skipped: int            # keyframes whose run was skipped: the previous one was still busy
    deadline_misses: int
    latency_ms: LatencyStats

    def to_dict(self) -> dict:
        return {"launched": self.launched, "skipped": self.skipped, "deadline_misses": self.deadline_misses,
                "latency_ms": self.latency_ms.to_dict()}


@dataclass(frozen=True)
class StreamResult:
    """One stream: frames that arrived, were dropped, completed, and how late.

    ``energy_mj_per_frame``: the energy of the layers and copies the stream ran (keyframe runs
    included) over its completed frames; idle units' static power is not charged to anyone.
    """

    name: str
    workload: str
    fps: float
    deadline_ms: float
    frames: int                  # frames that arrived
    completed: int
    dropped_frames: int
    deadline_misses: int         # completed later than deadline_ms after arrival
    achieved_fps: float          # completed frames per second of stream time
    latency_ms: LatencyStats
    energy_mj_per_frame: float | None
    mapping: dict[str, str]
    tracker: str | None = None
    keyframe_interval: int | None = None
    keyframe_mode: str | None = None
    tracker_mapping: dict[str, str] | None = None
    keyframes: KeyframeStats | None = None
    energy_mj: float = 0.0
    latencies_ms: tuple[float, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "workload": self.workload, "fps": self.fps, "deadline_ms": self.deadline_ms,
            "frames": self.frames, "completed": self.completed, "dropped_frames": self.dropped_frames,
            "deadline_misses": self.deadline_misses, "achieved_fps": self.achieved_fps,
            "latency_ms": self.latency_ms.to_dict(), "energy_mj_per_frame": self.energy_mj_per_frame,
            "energy_mj": self.energy_mj, "mapping": self.mapping, "tracker": self.tracker,
            "keyframe_interval": self.keyframe_interval, "keyframe_mode": self.keyframe_mode,
            "tracker_mapping": self.tracker_mapping,
            "keyframes": self.keyframes.to_dict() if self.keyframes else None,
        }


@dataclass(frozen=True)
class StreamsResult:
    """All streams on one chip. Top-level figures add up (or pool) the streams; ``streams`` has each one."""

    profile: str
    seconds: float
    granularity: str
    simulated_ms: float                 # until the last admitted frame finished
    utilization: dict[str, float]       # per unit: busy time over max(seconds, simulated time)
    dram_utilization: float
    streams: list[StreamResult]

    @property
    def frames(self) -> int:
        return sum(s.frames for s in self.streams)

    @property
    def completed(self) -> int:
        return sum(s.completed for s in self.streams)

    @property
    def dropped_frames(self) -> int:
        return sum(s.dropped_frames for s in self.streams)

    @property
    def deadline_misses(self) -> int:
        return sum(s.deadline_misses for s in self.streams)

    @property
    def achieved_fps(self) -> float:
        return sum(s.achieved_fps for s in self.streams)

    @property
    def latency_ms(self) -> LatencyStats:
        return LatencyStats.of([x for s in self.streams for x in s.latencies_ms])

    @property
    def energy_mj_per_frame(self) -> float | None:
        done = self.completed
        return sum(s.energy_mj for s in self.streams) / done if done else None

    @property
    def mapping(self) -> dict[str, dict[str, str]]:
        """Stream name -> {layer: unit} of its main network."""
        return {s.name: s.mapping for s in self.streams}

    def stream(self, name: str) -> StreamResult:
        return next(s for s in self.streams if s.name == name)

    def to_dict(self) -> dict:
        return {
            "profile": self.profile, "seconds": self.seconds, "granularity": self.granularity,
            "simulated_ms": self.simulated_ms, "frames": self.frames, "completed": self.completed,
            "achieved_fps": self.achieved_fps, "latency_ms": self.latency_ms.to_dict(),
            "dropped_frames": self.dropped_frames, "deadline_misses": self.deadline_misses,
            "energy_mj_per_frame": self.energy_mj_per_frame, "utilization": self.utilization,
            "dram_utilization": self.dram_utilization, "mapping": self.mapping,
            "streams": [s.to_dict() for s in self.streams], **_provenance(None),
        }
