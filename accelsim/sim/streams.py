"""Camera streams on the SoC engine: frames arrive at a fixed rate and compete for units and DRAM.

Frame ``i`` of a stream arrives at ``start_ms + i / fps`` for ``seconds`` of
camera time and is due ``deadline_ms`` (default: one frame period) after it
arrives. Frames of all streams run concurrently on the SoC engine (streams with
a smaller ``priority`` number get a unit first at layer boundaries; equal
priorities take turns); the simulation runs until every admitted frame is done.

**Drop policy** (a camera with one buffer waiting behind the frame in work):
a frame is dropped on arrival when the previous admitted frame of its stream
has not started yet (its first layer is still waiting for a unit). A dropped
frame costs nothing and is not a deadline miss; a completed frame that took
longer than its deadline is a miss.

**Keyframes** (``keyframe_interval K`` with a ``tracker``): the heavy network
runs on every K-th frame only, a light (e.g. recurrent) tracker in between.

- ``async`` (default, as in interleaved detector/tracker pipelines): every frame
  runs the tracker and its result is that frame's output; each keyframe also
  launches the heavy network as a background job, one priority level below the
  stream's frames, due before the next keyframe (K periods). A keyframe whose
  predecessor's background run is still busy skips its run (``skipped``).
- ``sync``: a keyframe runs the heavy network as that frame's own job, other
  frames the tracker; a heavy network slower than the deadline still misses it
  on keyframes, but no longer drops frames when the tracker is cheap.

Per-(layer, unit) costs are computed once per workload (memoized) and the
mapping (partitioned for ``unit: auto``) once per stream, not per frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.sim.cost_table import CostTable
from accelsim.sim.partition import partition
from accelsim.sim.plan import Plan, build_plan, single_unit_mapping
from accelsim.sim.soc import Job, SocEngine
from accelsim.sim.stream_result import KeyframeStats, LatencyStats, StreamResult, StreamsResult
from accelsim.sim.stream_spec import StreamSpec, StreamsSpec, stream_names
from accelsim.sim.timeline import Timeline
from accelsim.workload import Workload, load_workload

DEADLINE_SLACK_NS = 1e-6   # floating-point slack when comparing a latency with its deadline


@dataclass
class _Stream:
    spec: StreamSpec
    name: str
    main: Plan
    tracker: Plan | None
    period_ns: float
    deadline_ns: float
    n_frames: int
    arrivals: list[float] = field(default_factory=list)
    jobs: list[Job | None] = field(default_factory=list)      # None: dropped
    background: list[Job] = field(default_factory=list)
    skipped_keyframes: int = 0

    @property
    def background_deadline_ns(self) -> float:
        return self.spec.keyframe_interval * self.period_ns


class _Plans:
    """Memoized cost tables per workload and plans per (workload, unit choice)."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.tables: dict[tuple, CostTable] = {}
        self.plans: dict[tuple, Plan] = {}

    def plan(self, workload: str | Workload, precision: str | None, unit: str | None, objective: str,
             bound_ms: float | None) -> Plan:
        wkey = (id(workload) if isinstance(workload, Workload) else workload, precision)
        if wkey not in self.tables:
            wl = load_workload(workload)
            if precision is not None:
                wl = wl.with_precision(precision)
            self.tables[wkey] = CostTable(wl, self.profile)
        table = self.tables[wkey]
        key = (wkey, unit, objective, bound_ms)
        if key not in self.plans:
            if unit == "auto":
                units = list(partition(table, objective, bound_ms).units)
            else:
                units = single_unit_mapping(table, self.profile.unit(unit).name)
            self.plans[key] = build_plan(table, units)
        return self.plans[key]


def _prepare(spec: StreamSpec, name: str, seconds: float, plans: _Plans) -> _Stream:
    period_ms = spec.period_ms
    async_keys = spec.keyframe_interval is not None and spec.keyframe_mode == "async"
    main_due = spec.keyframe_interval * period_ms if async_keys else spec.frame_deadline_ms
    bound = spec.latency_bound_ms
    main = plans.plan(spec.workload, spec.precision, spec.unit, spec.objective, bound or main_due)
    tracker = None
    if spec.tracker is not None:
        tracker = plans.plan(spec.tracker, spec.precision, spec.tracker_unit or spec.unit, spec.objective,
                             bound or spec.frame_deadline_ms)
    n_frames = max(1, math.ceil(seconds * spec.fps - 1e-9))
    return _Stream(spec, name, main, tracker, period_ms * 1e6, spec.frame_deadline_ms * 1e6, n_frames)


def _source(soc: SocEngine, st: _Stream):
    env = soc.env
    spec = st.spec
    start_ns = spec.start_ms * 1e6
    fg_priority, bg_priority = 2 * spec.priority, 2 * spec.priority + 1
    pending: Job | None = None
    for i in range(st.n_frames):
        arrival = start_ns + i * st.period_ns
        if arrival > env.now:
            yield env.timeout(arrival - env.now)
        st.arrivals.append(arrival)
        key = spec.keyframe_interval is not None and i % spec.keyframe_interval == 0
        if pending is not None and not pending.started:
            st.jobs.append(None)  # dropped: the previous frame is still queued
        else:
            plan = st.main if st.tracker is None or (key and spec.keyframe_mode == "sync") else st.tracker
            pending = Job(f"{st.name}#{i}", priority=fg_priority, category=f"{st.name}:{plan.workload}",
                          arrival_ns=arrival)
            st.jobs.append(pending)
            soc.start(plan, pending)
        if key and spec.keyframe_mode == "async":
            last = st.background[-1] if st.background else None
            if last is not None and last.end_ns is None:
                st.skipped_keyframes += 1
            else:
                bg = Job(f"{st.name}#{i} {st.main.workload}", priority=bg_priority,
                         category=f"{st.name}:{st.main.workload}",
                         arrival_ns=arrival)
                st.background.append(bg)
                soc.start(st.main, bg)


def run_streams(spec: StreamsSpec | dict, profile: str | Profile | None = None, *,
                timeline: Timeline | None = None) -> StreamsResult:
    """Simulate the streams of ``spec`` on ``profile`` (default: the spec's, else the default profile)."""
    if isinstance(spec, dict):
        from accelsim.validation import validate
        spec = validate(StreamsSpec, spec, "streams spec")
    if not isinstance(spec, StreamsSpec):
        from accelsim.errors import AccelsimTypeError
        raise AccelsimTypeError(f"spec: got a {type(spec).__name__!r} object; give a StreamsSpec or a mapping")
    spec.check_frames()
    prof = load_profile(profile if profile is not None else spec.profile)
    plans = _Plans(prof)
    names = stream_names(spec)
    streams = [_prepare(s, n, spec.seconds, plans) for s, n in zip(spec.streams, names)]
    soc = SocEngine(prof, granularity=spec.granularity, timeline=timeline)
    for st in streams:
        soc.env.process(_source(soc, st))
    soc.env.run()
    end_ns = soc.env.now
    span_ns = max(spec.seconds * 1e9, end_ns)
    results = [_collect(st, spec.seconds, timeline) for st in streams]
    return StreamsResult(profile=prof.name, seconds=spec.seconds, granularity=spec.granularity,
                         simulated_ms=end_ns * 1e-6, utilization=soc.utilization(span_ns),
                         dram_utilization=soc.dram_utilization(span_ns), streams=results)


def _collect(st: _Stream, seconds: float, timeline: Timeline | None) -> StreamResult:
    spec = st.spec
    latencies, misses, energy = [], 0, 0.0
    for i, (arrival, job) in enumerate(zip(st.arrivals, st.jobs)):
        key = spec.keyframe_interval is not None and i % spec.keyframe_interval == 0
        if timeline is not None:
            timeline.frame(st.name, i, arrival, job.end_ns if job else None, key)
        if job is None:
            continue
        if job.end_ns is None:
            raise AccelsimError(f"stream {st.name!r}: frame {i} never finished (simulation error)")
        lat = job.end_ns - arrival
        latencies.append(lat * 1e-6)
        misses += lat > st.deadline_ns + DEADLINE_SLACK_NS
        energy += job.energy_pj
    keyframes = None
    if spec.keyframe_interval is not None and spec.keyframe_mode == "async":
        bg_lat = [j.end_ns - j.arrival_ns for j in st.background]
        energy += sum(j.energy_pj for j in st.background)
        keyframes = KeyframeStats(len(st.background), st.skipped_keyframes,
                                  sum(x > st.background_deadline_ns + DEADLINE_SLACK_NS for x in bg_lat),
                                  LatencyStats.of([x * 1e-6 for x in bg_lat]))
    done = len(latencies)
    return StreamResult(
        name=st.name, workload=st.main.workload, fps=spec.fps, deadline_ms=st.deadline_ns * 1e-6,
        frames=len(st.jobs), completed=done, dropped_frames=sum(j is None for j in st.jobs),
        deadline_misses=int(misses), achieved_fps=done / seconds, latency_ms=LatencyStats.of(latencies),
        energy_mj_per_frame=(energy * 1e-9 / done) if done else None, mapping=st.main.mapping,
        tracker=st.tracker.workload if st.tracker else None, keyframe_interval=spec.keyframe_interval,
        keyframe_mode=spec.keyframe_mode if spec.keyframe_interval else None,
        tracker_mapping=st.tracker.mapping if st.tracker else None, keyframes=keyframes, energy_mj=energy * 1e-9,
        latencies_ms=tuple(latencies))
