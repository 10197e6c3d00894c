"""Command-line pieces of the SoC simulation: ``accelsim stream`` and the ``run`` options it shares.

``accelsim run`` gains ``--unit auto``, ``--objective``, ``--latency-bound-ms``,
``--trace`` and ``--gantt``; ``accelsim stream`` simulates camera streams.
"""
from __future__ import annotations

import argparse
import re

from accelsim.errors import AccelsimError
from accelsim.sim.timeline import Timeline

STREAM_FLAGS = ("workload", "fps", "unit", "objective", "latency_bound_ms", "deadline_ms", "keyframe_interval",
                "tracker", "tracker_unit", "keyframe_mode", "precision")


def add_timeline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trace", default=None, metavar="PATH",
                        help="write a Chrome/Perfetto trace (JSON; open in ui.perfetto.dev or chrome://tracing)")
    parser.add_argument("--gantt", default=None, metavar="PATH.png", help="draw the timeline as a Gantt chart")
    parser.add_argument("--trace-ms", default=None, metavar="MS",
                        help="record only the first MS ms of simulated time in --trace/--gantt (default: all)")


def add_run_options(run: argparse.ArgumentParser) -> None:
    """Options of ``accelsim run`` for partitioning and timelines."""
    run.add_argument("--objective", default=None,
                     help="with --unit auto: latency (default) or energy (within --latency-bound-ms)")
    run.add_argument("--latency-bound-ms", default=None, metavar="MS",
                     help="with --objective energy: the latency the mapping must meet (default: none)")
    add_timeline_options(run)


def _positive_float(flag: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise AccelsimError(f"{flag}: got {text[:40]!r}; must be a positive number") from None
    if not 0 < value < float("inf"):
        raise AccelsimError(f"{flag}: got {text[:40]!r}; must be a positive finite number")
    return value


def make_timeline(args: argparse.Namespace, event_only: bool = True) -> Timeline | None:
    """A recorder when ``--trace`` or ``--gantt`` is asked for."""
    if not (args.trace or args.gantt):
        return None
    if event_only and getattr(args, "fidelity", "event") != "event":
        raise AccelsimError("--trace/--gantt: the timeline is the event simulation's; add --fidelity event")
    until = _positive_float("--trace-ms", args.trace_ms)
    return Timeline(until_ns=None if until is None else until * 1e6)


def write_timeline(args: argparse.Namespace, timeline: Timeline | None, title: str) -> list[str]:
    """Write --trace / --gantt; the lines to print once every file is written."""
    if timeline is None:
        return []
    wrote = []
    if args.trace:
        from accelsim.report.trace import write_trace
        write_trace(timeline, args.trace, title)
        wrote.append(f"wrote {args.trace} ({len(timeline.spans)} slices)")
    if args.gantt:
        from accelsim.report.gantt import write_gantt
        write_gantt(timeline, args.gantt, title)
        wrote.append(f"wrote {args.gantt}")
    return wrote


def _partition_flags_need_auto(args: argparse.Namespace) -> None:
    """--objective and --latency-bound-ms choose a partition: without --unit auto they would be ignored."""
    for flag, value in (("--objective", args.objective), ("--latency-bound-ms", args.latency_bound_ms)):
        if value is not None and args.unit != "auto":
            raise AccelsimError(f"{flag} {value}: applies when the layers are partitioned over units; "
                                "add --unit auto")


def run_kwargs(args: argparse.Namespace) -> dict:
    """The extra ``simulate`` arguments of ``accelsim run``."""
    _partition_flags_need_auto(args)
    return {"objective": args.objective or "latency", "latency_bound_ms": _positive_float("--latency-bound-ms",
                                                                             args.latency_bound_ms)}


def run_text(result) -> str:
    from accelsim.report import report_text
    from accelsim.report.soc import soc_run_text
    from accelsim.sim.soc_result import SocRunResult
    return soc_run_text(result) if isinstance(result, SocRunResult) else report_text(result)


def add_stream_parser(sub) -> None:
    p = sub.add_parser("stream", help="simulate camera streams with deadlines competing for the chip's units")
    p.add_argument("--spec", default=None, metavar="YAML", help="several streams from a YAML spec file")
    p.add_argument("--profile", default=None, help="profile name or path (default: the spec's, else the default "
                   "profile)")
    p.add_argument("--workload", default=None, help="network run on every frame (default mobilenet_v1)")
    p.add_argument("--fps", default=None, help="frames per second (default 30)")
    p.add_argument("--seconds", default=None, help="seconds of camera time (default 10)")
    p.add_argument("--unit", default=None, help="unit name, or auto to partition (default: the profile's unit)")
    p.add_argument("--objective", default=None, help="with --unit auto: latency (default) or energy")
    p.add_argument("--latency-bound-ms", default=None, help="with --objective energy (default: the deadline)")
    p.add_argument("--deadline-ms", default=None, help="a frame's deadline after arrival (default: 1/fps)")
    p.add_argument("--keyframe-interval", default=None, metavar="K", help="heavy network every K-th frame only")
    p.add_argument("--tracker", default=None, help="light network for the frames in between (with K)")
    p.add_argument("--tracker-unit", default=None, help="unit of the tracker (default: --unit)")
    p.add_argument("--keyframe-mode", default=None, help="async (default: heavy network in the background) or sync")
    p.add_argument("--precision", default=None, help="numeric format of every layer, e.g. int8, fp16")
    p.add_argument("--granularity", default=None, help="layer (default, fast) or tile")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON")
    add_timeline_options(p)
    p.set_defaults(func=cmd_stream)


def _flag_error(err: AccelsimError) -> AccelsimError:
    """'accelsim stream: keyframe_interval: ...' -> 'accelsim stream: --keyframe-interval: ...'."""
    msg = re.sub(r"^accelsim stream: streams\[0\]\.(\w+)",
                 lambda m: "accelsim stream: --" + m.group(1).replace("_", "-"), str(err))
    msg = re.sub(r"^accelsim stream: (seconds|granularity):", lambda m: f"accelsim stream: --{m.group(1)}:", msg)
    if "Value error, " in msg:  # a rule across fields: keep the rule, name the flags
        rule = msg.split("Value error, ", 1)[1]
        msg = "accelsim stream: " + re.sub(r"\b(keyframe_interval|tracker)\b",
                                           lambda m: "--" + m.group(1).replace("_", "-"), rule)
    return AccelsimError(msg.replace("accelsim stream: streams[0]:", "accelsim stream:"))


def stream_spec_from_args(args: argparse.Namespace):
    from accelsim.sim.stream_spec import StreamsSpec, load_streams_spec
    from accelsim.validation import validate
    from accelsim.workload import DEFAULT_WORKLOAD

    given = [f for f in STREAM_FLAGS if getattr(args, f) is not None]
    if args.spec:
        if given:
            flags = ", ".join("--" + f.replace("_", "-") for f in given)
            raise AccelsimError(f"{args.spec}: give stream settings in the spec or as flags, not both (got {flags})")
        spec = load_streams_spec(args.spec)
        update = {k: v for k, v in (("seconds", args.seconds), ("granularity", args.granularity)) if v is not None}
        if update:
            data = spec.model_dump()
            data.update(update)
            spec = validate(StreamsSpec, data, f"{args.spec} (with command-line overrides)")
        return spec
    _partition_flags_need_auto(args)
    stream = {f: getattr(args, f) for f in given}
    stream.setdefault("workload", DEFAULT_WORKLOAD)
    data = {"streams": [stream]}
    for key in ("seconds", "granularity"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    try:
        return validate(StreamsSpec, data, "accelsim stream")
    except AccelsimError as err:
        raise _flag_error(err) from None


def cmd_stream(args: argparse.Namespace) -> int:
    from accelsim.report.soc import streams_text
    from accelsim.sim.streams import run_streams

    spec = stream_spec_from_args(args)
    timeline = make_timeline(args, event_only=False)
    result = run_streams(spec, args.profile, timeline=timeline)
    wrote = []  # files first, then the text: a closed stdout never loses a file
    if args.json:
        from accelsim.outputs import write_json_file
        write_json_file(args.json, result.to_dict())
        wrote.append(f"\nwrote {args.json}")
    wrote += write_timeline(args, timeline, f"{result.profile}: {', '.join(s.name for s in result.streams)}")
    print(streams_text(result))
    for line in wrote:
        print(line)
    return 0
