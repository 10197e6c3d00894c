"""What to stream: the validated spec of one or several camera streams on one chip.

A YAML spec (``accelsim stream --spec FILE``)::

    profile: generic_npu        # optional; --profile overrides it
    seconds: 10
    granularity: layer          # layer (coarse tiles, fast) or tile
    streams:
      - name: camera
        workload: mobilenet_v1
        fps: 30
        unit: auto               # a unit name, auto (partitioned) or omitted (the profile's default unit)
        objective: latency       # or energy (within latency_bound_ms, default: the job's deadline)
        keyframe_interval: 5     # with tracker: the heavy network every 5th frame only
        tracker: tiny_tracker
      - {name: second, workload: tiny_cnn, fps: 15, priority: 1}

Bad specs are one-line errors naming the file, the field and what is allowed.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, PositiveFloat, PositiveInt, model_validator

from accelsim.hardware.limits_check import LimitedModel
from accelsim.hardware.schema import PrecisionName
from accelsim.limits import check_work
from accelsim.validation import validate
from accelsim.workload.graph import Workload
from accelsim.yamlio import read_yaml_mapping


class StreamSpec(LimitedModel):
    """One stream: a network run on frames arriving at ``fps``, each due ``deadline_ms`` after it arrives."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, allow_inf_nan=False)

    name: str | None = None
    workload: str | Workload
    fps: PositiveFloat = 30.0
    unit: str | None = None
    objective: Literal["latency", "energy"] = "latency"
    latency_bound_ms: PositiveFloat | None = None
    deadline_ms: PositiveFloat | None = Field(default=None, description="default: one frame period")
    keyframe_interval: PositiveInt | None = None
    tracker: str | Workload | None = None
    tracker_unit: str | None = None
    keyframe_mode: Literal["async", "sync"] = "async"
    priority: int = Field(default=0, ge=0, description="0 is the most urgent")
    start_ms: float = Field(default=0.0, ge=0)
    precision: PrecisionName | None = None

    @model_validator(mode="after")
    def _keyframes_need_tracker(self) -> "StreamSpec":
        if (self.keyframe_interval is None) != (self.tracker is None):
            raise ValueError("keyframe_interval and tracker go together: give both or neither")
        return self

    @property
    def period_ms(self) -> float:
        return 1000.0 / self.fps

    @property
    def frame_deadline_ms(self) -> float:
        return self.deadline_ms or self.period_ms


class StreamsSpec(LimitedModel):
    """Several streams sharing one chip for ``seconds`` of camera time."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, allow_inf_nan=False)

    profile: str | None = None
    seconds: PositiveFloat = 10.0
    granularity: Literal["layer", "tile"] = "layer"
    streams: list[StreamSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> "StreamsSpec":
        names = stream_names(self)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"stream names must be unique, got {dup} more than once")
        return self

    @property
    def frame_count(self) -> int:
        """Frames all streams together simulate (computed before anything is allocated)."""
        return sum(max(1, math.ceil(self.seconds * s.fps - 1e-9)) for s in self.streams)

    def check_frames(self) -> None:
        """Refuse more frames than ACCELSIM_MAX_STREAM_FRAMES allows (accelsim.limits)."""
        rates = ", ".join(f"{s.fps:g}" for s in self.streams[:4]) + (", ..." if len(self.streams) > 4 else "")
        check_work("stream_frames", self.frame_count, f"streams: {self.seconds:g} s at {rates} fps", "frames")


def _workload_name(w: str | Workload) -> str:
    return w.name if isinstance(w, Workload) else Path(str(w)).stem


def stream_names(spec: StreamsSpec) -> list[str]:
    """Each stream's name: its own, else its workload's (numbered when several streams share one)."""
    names = []
    for k, s in enumerate(spec.streams):
        base = s.name or _workload_name(s.workload)
        names.append(base if s.name or sum(1 for x in spec.streams if not x.name and _workload_name(x.workload)
                                           == base) == 1 else f"{base}#{k}")
    return names


def load_streams_spec(path: str | Path) -> StreamsSpec:
    """Read and validate a streams YAML file."""
    path = Path(path)
    data = read_yaml_mapping(path, "a streams spec (with 'streams')")
    return validate(StreamsSpec, data, str(path))
