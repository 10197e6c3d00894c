"""What the SoC engine did and when: spans per unit and DMA engine, bandwidth samples, frames.

The engine appends to a :class:`Timeline` while it runs (only when one is
given: recording costs time). Report writers turn it into a Chrome/Perfetto
trace or a Gantt chart (``accelsim.report.trace``, ``accelsim.report.gantt``).
Times are nanoseconds of simulated time.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Track:
    """A row of the timeline: a unit, a unit's DMA engine, a memory's bandwidth or a stream."""

    name: str
    kind: str  # "unit", "dma", "memory", "stream"


@dataclass(frozen=True)
class Span:
    track: str
    name: str
    start_ns: float
    end_ns: float
    category: str = ""          # stream or workload the work belongs to
    args: tuple[tuple[str, object], ...] = ()

    @property
    def dur_ns(self) -> float:
        return self.end_ns - self.start_ns


@dataclass(frozen=True)
class Sample:
    """A value of a counter (e.g. DRAM GB/s in use) from ``t_ns`` on."""

    track: str
    t_ns: float
    value: float


@dataclass(frozen=True)
class Frame:
    """One frame of a stream: arrival to completion (``end_ns`` None when dropped)."""

    stream: str
    index: int
    arrival_ns: float
    end_ns: float | None
    keyframe: bool = False


@dataclass
class Timeline:
    """Recorder the engine fills; ``until_ns`` drops everything that starts later (keeps files small)."""

    until_ns: float | None = None
    tracks: list[Track] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    _known: set = field(default_factory=set, repr=False)

    def track(self, name: str, kind: str) -> None:
        if name not in self._known:
            self._known.add(name)
            self.tracks.append(Track(name, kind))

    def _keep(self, t_ns: float) -> bool:
        return self.until_ns is None or t_ns <= self.until_ns

    def span(self, track: str, name: str, start_ns: float, end_ns: float, category: str = "", **args) -> None:
        if self._keep(start_ns):
            self.spans.append(Span(track, name, start_ns, end_ns, category, tuple(args.items())))

    def sample(self, track: str, t_ns: float, value: float) -> None:
        if self._keep(t_ns):
            if self.samples and self.samples[-1].track == track and self.samples[-1].t_ns == t_ns:
                self.samples[-1] = Sample(track, t_ns, value)  # several changes at one instant: keep the last
            else:
                self.samples.append(Sample(track, t_ns, value))

    def frame(self, stream: str, index: int, arrival_ns: float, end_ns: float | None, keyframe: bool) -> None:
        if self._keep(arrival_ns):
            self.frames.append(Frame(stream, index, arrival_ns, end_ns, keyframe))

    @property
    def end_ns(self) -> float:
        ends = [s.end_ns for s in self.spans] + [f.end_ns for f in self.frames if f.end_ns is not None]
        return max(ends, default=0.0)
