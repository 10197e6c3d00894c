"""The ``accelsim`` command line.

Bad input of any kind ends with a one-line ``accelsim: error: ...`` message on
stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from accelsim.errors import AccelsimError


def _write_json(path: str, data: dict) -> None:
    try:
        Path(path).write_text(json.dumps(data, indent=2) + "\n")
    except OSError as err:
        raise AccelsimError(f"{path}: cannot write JSON: {err.strerror}") from None


def cmd_run(args: argparse.Namespace) -> int:
    from accelsim.api import simulate
    from accelsim.cli_stream import make_timeline, run_kwargs, run_text, write_timeline

    timeline = make_timeline(args)
    workload = args.workload
    if str(workload).lower().endswith(".onnx"):
        from accelsim.workload import load_workload
        workload = load_workload(workload, unknown_ops=args.onnx_unknown_ops)
    result = simulate(args.profile, workload, dataflow=args.dataflow, fidelity=args.fidelity,
                      unit=args.unit, precision=args.precision, timeline=timeline, **run_kwargs(args))
    print(run_text(result))
    if args.json:
        _write_json(args.json, result.to_dict())
        print(f"\nwrote {args.json}")
    write_timeline(args, timeline, f"{result.workload} on {result.profile}")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    from accelsim.hardware import available_profiles, load_profile
    from accelsim.report import format_table

    rows = []
    for name in available_profiles():
        p = load_profile(name)
        units = ", ".join(f"{u.name}({u.kind})" for u in p.units)
        rows.append([name, units, p.description.strip()[:70]])
    print(format_table(["profile", "units", "description"], rows, right=set()))
    return 0


def _count(x: float) -> str:
    for div, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= div:
            return f"{x / div:.2f}{suffix}"
    return f"{x:.0f}"


def cmd_workloads(args: argparse.Namespace) -> int:
    from accelsim.report import format_table
    from accelsim.workload import ZOO, available_workloads, load_workload

    if args.name is None:
        rows = []
        for name in available_workloads():
            wl = load_workload(name)
            desc = ZOO[name].description if name in ZOO else (wl.description or "YAML workload in workloads/")
            shape = "x".join(map(str, next(iter(wl.inputs.values()))))
            rows.append([name, shape, _count(wl.macs), _count(wl.params), desc])
        print(format_table(["workload", "input", "MACs", "params", "description"], rows, right={2, 3}))
        return 0
    options = {"unknown_ops": args.onnx_unknown_ops} if args.name.lower().endswith(".onnx") else {}
    wl = load_workload(args.name, **options)
    rows = [[i.name, i.op, "x".join(map(str, i.out_shape)), _count(i.macs), _count(i.params), _count(i.elem_ops)]
            for i in wl]
    print(format_table(["layer", "op", "output", "MACs", "params", "elem ops"], rows, right={3, 4, 5}))
    shape = ", ".join(("" if k == "input" else f"{k} ") + "x".join(map(str, v)) for k, v in wl.inputs.items())
    print(f"\n{wl.name}: {len(wl)} layers, input {shape}, {_count(wl.macs)} MACs, {_count(wl.params)} params, "
          f"{_count(sum(i.elem_ops for i in wl))} element ops, {wl.precision}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from accelsim.cli_stream import add_run_options, add_stream_parser
    from accelsim.hardware import DEFAULT_PROFILE
    from accelsim.workload import DEFAULT_WORKLOAD

    parser = argparse.ArgumentParser(prog="accelsim", description="Simulate neural networks on mobile and "
                                     "embedded accelerators.")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="simulate a workload on a hardware profile and print a per-layer report")
    run.add_argument("--profile", default=DEFAULT_PROFILE,
                     help=f"profile name, YAML path or SCALE-Sim .cfg (default {DEFAULT_PROFILE})")
    run.add_argument("--workload", default=DEFAULT_WORKLOAD,
                     help=f"zoo name, workload YAML, ONNX model or SCALE-Sim topology CSV "
                     f"(default {DEFAULT_WORKLOAD})")
    run.add_argument("--unit", default=None, help="unit of the profile to run on (default: the profile's default), "
                     "or auto to partition the layers over all units")
    run.add_argument("--dataflow", default=None, help="systolic dataflow: os, ws or is (default: the unit's)")
    run.add_argument("--precision", default=None, help="numeric format of every layer, e.g. int8, fp16")
    run.add_argument("--fidelity", default="analytical", help="analytical or event (default analytical)")
    run.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON")
    run.add_argument("--onnx-unknown-ops", default="error", metavar="error|zero-cost",
                     help="ONNX ops accelsim does not model: an error (default) or zero-cost layers")
    add_run_options(run)
    run.set_defaults(func=cmd_run)
    add_stream_parser(sub)

    profiles = sub.add_parser("profiles", help="list the hardware profiles")
    profiles.set_defaults(func=cmd_profiles)

    workloads = sub.add_parser("workloads", help="list the built-in networks, or print one network's layers")
    workloads.add_argument("name", nargs="?", default=None, help="zoo name or workload file to show layer by layer")
    workloads.add_argument("--onnx-unknown-ops", default="error", metavar="error|zero-cost",
                           help="ONNX ops accelsim does not model: an error (default) or zero-cost layers")
    workloads.set_defaults(func=cmd_workloads)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except AccelsimError as err:
        print(f"accelsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("accelsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
