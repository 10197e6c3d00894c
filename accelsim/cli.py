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
    from accelsim.report import report_text

    result = simulate(args.profile, args.workload, dataflow=args.dataflow, fidelity=args.fidelity,
                      unit=args.unit, precision=args.precision)
    print(report_text(result))
    if args.json:
        _write_json(args.json, result.to_dict())
        print(f"\nwrote {args.json}")
    if args.report:
        from accelsim.hardware import load_profile
        from accelsim.report import write_report

        files = write_report(result, args.report, profile=load_profile(args.profile))
        print(f"wrote report {files.index_html}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from accelsim.report import load_result_json, write_report

    files = write_report(load_result_json(args.result), args.out, profile=args.profile)
    print(f"wrote {len(files.pngs)} plots and {files.index_html}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from accelsim.dse.cli import run_sweep_command

    return run_sweep_command(args)


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


def build_parser() -> argparse.ArgumentParser:
    from accelsim.hardware import DEFAULT_PROFILE
    from accelsim.workload import DEFAULT_WORKLOAD

    parser = argparse.ArgumentParser(prog="accelsim", description="Simulate neural networks on mobile and "
                                     "embedded accelerators.")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="simulate a workload on a hardware profile and print a per-layer report")
    run.add_argument("--profile", default=DEFAULT_PROFILE,
                     help=f"profile name, YAML path or SCALE-Sim .cfg (default {DEFAULT_PROFILE})")
    run.add_argument("--workload", default=DEFAULT_WORKLOAD,
                     help=f"zoo name, workload YAML or SCALE-Sim topology CSV (default {DEFAULT_WORKLOAD})")
    run.add_argument("--unit", default=None, help="unit of the profile to run on (default: the profile's default)")
    run.add_argument("--dataflow", default=None, help="systolic dataflow: os, ws or is (default: the unit's)")
    run.add_argument("--precision", default=None, help="numeric format of every layer, e.g. int8, fp16")
    run.add_argument("--fidelity", default="analytical", help="analytical or event (default analytical)")
    run.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON")
    run.add_argument("--report", default=None, metavar="DIR", help="also write plots and index.html into DIR")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="write rooflines, breakdowns and index.html for a result JSON")
    report.add_argument("result", help="result JSON written by accelsim run --json")
    report.add_argument("--out", required=True, metavar="DIR", help="folder for the plots and index.html")
    report.add_argument("--profile", default=None,
                        help="profile the result ran on (default: the one named in the result)")
    report.set_defaults(func=cmd_report)

    sweep = sub.add_parser("sweep", help="explore a design space described by a sweep YAML file")
    from accelsim.dse.cli import add_sweep_arguments
    add_sweep_arguments(sweep)
    sweep.set_defaults(func=cmd_sweep)

    profiles = sub.add_parser("profiles", help="list the hardware profiles")
    profiles.set_defaults(func=cmd_profiles)
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
