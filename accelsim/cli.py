"""The ``accelsim`` command line.

Bad input of any kind ends with a one-line ``accelsim: error: ...`` message on
stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from accelsim.errors import AccelsimError


def _write_json(path: str, data: dict) -> None:
    from accelsim import __version__
    from accelsim.outputs import write_json_file
    write_json_file(path, data if "accelsim_version" in data else {**data, "accelsim_version": __version__})


class _OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line (``accelsim: error: ...``, exit 2), without the usage block."""

    def error(self, message: str):
        command = self.prog.removeprefix("accelsim").strip()
        where = f"{command}: " if command else ""
        print(f"accelsim: error: {where}{message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a positive integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"got {value}; must be a positive integer")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    from accelsim.api import simulate
    from accelsim.cli_stream import make_timeline, run_kwargs, run_text, write_timeline
    from accelsim.output_paths import check_outputs

    check_outputs({"--json": args.json, "--trace": args.trace, "--gantt": args.gantt}, {"--report": args.report})
    timeline = make_timeline(args)
    if args.onnx_unknown_ops.replace("-", "_") not in ("error", "zero_cost"):
        raise AccelsimError(f"--onnx-unknown-ops: unknown_ops: got {args.onnx_unknown_ops[:40]!r}; "
                            "allowed: error, zero-cost")
    workload = args.workload
    if args.resolution is not None or args.width is not None:
        from accelsim.cli_workload import sized_workload
        workload = sized_workload(workload, args.resolution, args.width, args.onnx_unknown_ops)
    if str(workload).lower().endswith((".onnx", ".param")):   # --onnx-unknown-ops applies to ncnn .param too
        from accelsim.workload import load_workload
        workload = load_workload(workload, unknown_ops=args.onnx_unknown_ops)
    result = simulate(args.profile, workload, dataflow=args.dataflow, fidelity=args.fidelity,
                      unit=args.unit, precision=args.precision, threads=args.threads, calibrated=not args.spec,
                      compress=args.compress, seed=args.seed, timeline=timeline, power_mode=args.power_mode,
                      mapping=args.mapping, runtime=args.runtime, cores=args.cores, host_link=args.host_link,
                      **run_kwargs(args))
    wrote = []  # files first, then the text: a closed stdout never loses a file
    if args.scalesim_reports:
        wrote.append(_write_scalesim_reports(args, workload))
    if args.json:
        _write_json(args.json, result.to_dict())
        wrote.append(f"\nwrote {args.json}")
    if args.report:
        from accelsim.report import write_report

        files = write_report(result, args.report)   # the result embeds the profile it ran on
        wrote.append(f"wrote report {files.index_html}")
    wrote += write_timeline(args, timeline, f"{result.workload} on {result.profile}")
    print(run_text(result))
    if getattr(result, "compression", None) is not None:
        from accelsim.report.compression import compression_text
        print("\n" + compression_text(result.compression))
    for line in wrote:
        print(line)
    return 0


def _write_scalesim_reports(args: argparse.Namespace, workload) -> str:
    """--scalesim-reports: SCALE-Sim's USER-mode memory system on a SCALE-Sim .cfg, its three CSV reports."""
    from accelsim.hardware import load_profile
    from accelsim.report.scalesim_reports import write_scalesim_reports
    from accelsim.sim.scalesim_memory import memory_of_profile, simulate_topology
    from accelsim.workload import load_workload

    if not str(args.profile).lower().endswith(".cfg"):
        raise AccelsimError(f"--scalesim-reports: needs --profile a SCALE-Sim .cfg (USER bandwidth); "
                            f"got {args.profile!r}")
    layers = simulate_topology(load_workload(workload), memory_of_profile(load_profile(args.profile)))
    paths = write_scalesim_reports(layers, args.scalesim_reports)
    total, stall = sum(lm.total_cycles for lm in layers), sum(lm.stall_cycles for lm in layers)
    return (f"SCALE-Sim USER-mode memory model: {total:,} cycles ({stall:,} stall); wrote "
            f"{', '.join(str(p) for p in paths)}")


def _peak_tops(unit) -> str:
    """Peak MAC rate of the unit's fastest format, in tera-ops (2 ops per MAC), all cores."""
    best = max(unit.precisions.items(), key=lambda kv: kv[1].macs_per_cycle)
    cores = sum(unit.thread_speeds(unit.core_count)) if unit.cost_model == "simd" else 1
    return f"{2 * best[1].macs_per_cycle * cores * unit.clock_ghz / 1e3:.2f} {best[0]}"


def cmd_report(args: argparse.Namespace) -> int:
    from accelsim.output_paths import check_outputs
    from accelsim.report import load_result_json, write_report

    check_outputs({}, {"--out": args.out})
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
        for i, u in enumerate(p.units):
            default = "*" if u.name == (p.default_unit or p.units[0].name) else ""
            rows.append([name if i == 0 else "", f"{u.name}{default}", u.kind, u.cost_model, f"{u.clock_ghz:g}",
                         _peak_tops(u), ",".join(u.precisions), "fitted" if u.calibration else "spec",
                         f"{p.process_nm:g} nm" if p.process_nm and i == 0 else ""])
    print(format_table(["profile", "unit", "kind", "model", "GHz", "peak TOPS", "precisions", "factors", "node"],
                       rows, right={4, 5}))
    print("\n* default unit; factors: 'fitted' = calibration.yaml factors applied, 'spec' = spec figures alone")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from accelsim.calibration.calibrate import calibrate, write_calibration
    from accelsim.calibration.rt_calibrate import DEFAULT_MODELS, DEFAULT_TABLES, calibrate_runtime

    from accelsim.calibration.calibrate import DEFAULT_OUT

    if args.write and args.out:
        raise AccelsimError("calibrate: give --write (update the shipped calibration) or --out PATH, not both")
    tables = args.table or [str(t) for t in DEFAULT_TABLES]
    cal = calibrate(tables[0], loo=args.loo)
    runtime_part = calibrate_runtime(tables, args.models or (DEFAULT_MODELS if DEFAULT_MODELS.is_dir() else None))
    cal.data.update(runtime_part)
    fit = cal.data["fit"]
    print(f"fitted {fit['free_parameters']} factors to {fit['rows_used']} rows of {cal.data['table']} "
          f"({len(fit['skipped'])} skipped)")
    for s in fit["skipped"]:
        print(f"  skipped {s['id']}: {s['reason']}")
    print(f"  spec alone: median APE {100 * fit['spec_only_median_ape']:.1f}%, "
          f"within 2x {100 * fit['spec_only_within_2x']:.0f}%")
    print(f"  in-sample:  median APE {100 * fit['median_ape']:.1f}%, within 2x {100 * fit['within_2x']:.0f}%")
    if "loo_median_ape" in fit:
        print(f"  leave-one-out: median APE {100 * fit['loo_median_ape']:.1f}%, "
              f"within 2x {100 * fit['loo_within_2x']:.0f}%")
    rc = runtime_part["runtime_calibration"]
    print(f"runtime factors: {rc['free_parameters']} parameters fitted to {rc['rows_used']} rows "
          f"({rc['held_back_excluded']} held-back rows excluded, {len(rc['skipped'])} skipped): "
          f"median APE {100 * rc['median_ape']:.1f}% (spec {100 * rc['spec_only_median_ape']:.1f}%), "
          f"within 2x {100 * rc['within_2x']:.0f}%")
    out = args.out or (DEFAULT_OUT if args.write else None)
    if out is None:
        print(f"not written (--write updates {DEFAULT_OUT.name}, --out PATH writes elsewhere)")
        return 0
    print(f"wrote {write_calibration(cal, out)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from accelsim.calibration.energy_validate import cmd_validate_energy, is_energy_table
    if is_energy_table(args.table):
        return cmd_validate_energy(args)
    from accelsim.calibration.calibrate import DEFAULT_OUT
    from accelsim.calibration.rt_calibrate import DEFAULT_MODELS
    from accelsim.calibration.rt_validate import plot_by_device, validate_runtime
    from accelsim.report import format_table

    calibration = None if args.spec else (args.calibration or (DEFAULT_OUT if DEFAULT_OUT.is_file() else None))
    models = args.models or (DEFAULT_MODELS if DEFAULT_MODELS.is_dir() else None)
    v = validate_runtime(args.table, models=models, cv=args.cv, calibration=calibration)
    wrote = []  # files first, then the text: a closed stdout never loses a file
    if args.json:
        _write_json(args.json, v.to_dict())
        wrote.append(f"wrote {args.json}")
    if args.plot and v.rows:
        wrote.append(f"wrote {plot_by_device(v, args.plot)}")
    rows = [[r.id, r.soc, r.unit, r.model, r.precision, r.threads or "", r.cores or "", r.runtime,
             f"{r.measured_ms:.3f}", f"{r.predicted_ms:.3f}", f"{100 * r.ape:.1f}%", r.note] for r in v.rows]
    print(format_table(["id", "soc", "unit", "model", "prec", "thr", "cores", "runtime", "measured ms",
                        "predicted ms", "APE", "note"], rows, right={5, 8, 9, 10}))
    for s in v.skipped:
        print(f"skipped {s['id']}: {s['reason']}")
    if v.cv:
        src = (f"leave-one-{v.cv}-out: {v.fit['folds']} refits of {v.fit['free_parameters']} parameters on up to "
               f"{v.fit['rows_fitted']} rows")
    else:
        src = f"factors from {v.calibration}" if v.calibration else "spec figures alone"
    if v.rows:
        print(f"\n{len(v.rows)} rows ({src}): median APE {100 * v.median_ape:.1f}%, "
              f"within 2x {100 * v.within_2x:.0f}%")
    else:
        print(f"\nno row could be simulated ({len(v.skipped)} skipped)")
    for line in wrote:
        print(line)
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
    options = {"unknown_ops": args.onnx_unknown_ops} if args.name.lower().endswith((".onnx", ".param")) else {}
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

    parser = _OneLineParser(prog="accelsim", description="Simulate neural networks on mobile and "
                                     "embedded accelerators.")
    from accelsim import __version__
    parser.add_argument("--version", action="version", version=f"accelsim {__version__}")
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
    run.add_argument("--mapping", default=None, choices=("auto", "scalesim"),
                     help="systolic array mapping: auto (fastest legal mapping per layer) or scalesim "
                          "(SCALE-Sim v3's, cycle-exact); default: the unit's (auto; scalesim for .cfg files)")
    run.add_argument("--precision", default=None, help="numeric format of every layer, e.g. int8, fp16")
    run.add_argument("--fidelity", default="analytical",
                     help="analytical, event, or cycle (Numba kernels measure conv / fc cycles on random "
                          "int8 / ternary / binary tensors; default analytical)")
    run.add_argument("--seed", type=int, default=0, help="seed of the cycle fidelity's random tensors (default 0)")
    run.add_argument("--compress", default=None, metavar="SPEC",
                     help="compress the workload first and compare, e.g. 'prune=0.7,quant=int8' "
                          "(grammar: accelsim/compress/spec.py)")
    run.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON")
    run.add_argument("--onnx-unknown-ops", default="error", metavar="error|zero-cost",
                     help="ONNX ops accelsim does not model: an error (default) or zero-cost layers")
    run.add_argument("--threads", default=None, type=_positive_int, metavar="N",
                     help="threads of a CPU (simd) unit (default: the unit's default)")
    run.add_argument("--spec", action="store_true", help="ignore calibration.yaml: spec figures alone")
    run.add_argument("--runtime", default=None, metavar="NAME",
                     help="software stack that runs the network (hw_profiles/runtimes/: ncnn, ncnn-vulkan, tflite, "
                          "tflite-gpu, snpe, tensorrt, paddle-lite, tvm, armnn, openvino, darknet) or a runtime .yaml")
    run.add_argument("--cores", default=None, choices=("big", "little", "all"),
                     help="CPU cores the threads run on (default: the runtime's, big)")
    run.add_argument("--resolution", default=None, metavar="N",
                     help="square input size in pixels of a zoo network or ncnn .param model (default: its own)")
    run.add_argument("--width", default=None, metavar="W",
                     help="channel width multiplier of a zoo network that has one, e.g. 0.5 (default 1.0)")
    run.add_argument("--power-mode", default=None, metavar="NAME",
                     help="a power mode of the profile (nvpmodel preset, phone governor); default: the profile's")
    run.add_argument("--host-link", default=None, metavar="NAME",
                     help="a chip on a bus (a USB stick): the host link the input and output cross, one of the "
                          "profile's host_link links (e.g. usb2, usb3), default (the profile's own) or none "
                          "(default: none, the chip alone)")
    run.add_argument("--report", default=None, metavar="DIR", help="also write plots and index.html into DIR")
    run.add_argument("--scalesim-reports", default=None, metavar="DIR",
                     help="with a SCALE-Sim .cfg in USER bandwidth mode: run SCALE-Sim's memory system (separate "
                          "ifmap / filter / ofmap DRAM interfaces) and write its COMPUTE_REPORT.csv, "
                          "BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv into DIR")
    add_run_options(run)
    run.set_defaults(func=cmd_run)
    add_stream_parser(sub)

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

    profiles = sub.add_parser("profiles", help="list the hardware profiles and their units")
    profiles.set_defaults(func=cmd_profiles)

    workloads = sub.add_parser("workloads", help="list the built-in networks, or print one network's layers")
    workloads.add_argument("name", nargs="?", default=None, help="zoo name or workload file to show layer by layer")
    workloads.add_argument("--onnx-unknown-ops", default="error", metavar="error|zero-cost",
                           help="ONNX ops accelsim does not model: an error (default) or zero-cost layers")
    workloads.set_defaults(func=cmd_workloads)

    from accelsim.calibration.table import DEFAULT_TABLE

    cal = sub.add_parser("calibrate", help="fit unit efficiency factors to a table of measured latencies")
    cal.add_argument("--table", action="append", default=None, metavar="CSV",
                     help="measurements (repeatable): id, soc, unit, model, [input,] precision, threads, latency_ms "
                          "or avg_ms (default: the 34 published measurements and the ncnn benchmark table in "
                          "hw_profiles/; the legacy unit factors are fitted to the first table)")
    cal.add_argument("--out", default=None, metavar="PATH",
                     help="write the fitted calibration to PATH (default: print the fit, write nothing)")
    cal.add_argument("--write", action="store_true",
                     help="update hw_profiles/calibration.yaml, the calibration every run uses")
    cal.add_argument("--loo", action="store_true", help="also report leave-one-out cross-validated error")
    cal.add_argument("--models", default=None, metavar="DIR",
                     help="folder of ncnn <model>.param files tried before the zoo (default workloads/ncnn)")
    cal.set_defaults(func=cmd_calibrate)

    val = sub.add_parser("validate", help="simulate every row of a measurement table and compare")
    val.add_argument("--table", default=str(DEFAULT_TABLE), metavar="CSV", help="measurement table")
    val.add_argument("--calibration", default=None, metavar="PATH",
                     help="calibration file (default hw_profiles/calibration.yaml when present)")
    val.add_argument("--spec", action="store_true", help="no calibration: spec figures alone")
    val.add_argument("--json", default=None, metavar="PATH", help="write rows, median_ape, within_2x as JSON")
    val.add_argument("--plot", default=None, metavar="PATH",
                     help="write a log-log predicted-vs-measured scatter plot coloured by device (PNG)")
    val.add_argument("--models", default=None, metavar="DIR",
                     help="folder of ncnn <model>.param files tried before the zoo (default workloads/ncnn)")
    val.add_argument("--cv", default=None, choices=("device", "network"),
                     help="refit without each device (network) in turn and predict its rows")
    val.set_defaults(func=cmd_validate)
    for command in sub.choices.values():
        command.add_argument("--profile-dir", action="append", default=None, metavar="DIR",
                             help="a folder of profile YAML files searched before the built-ins (repeatable)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    saved = os.environ.get("ACCELSIM_PROFILE_PATH")
    if getattr(args, "profile_dir", None):   # via the environment so that sweep worker processes see it too
        os.environ["ACCELSIM_PROFILE_PATH"] = os.pathsep.join(args.profile_dir + ([saved] if saved else []))
    try:
        return args.func(args)
    except AccelsimError as err:
        text = " ".join(str(err).split("\n"))
        if len(text) > 600:  # a message quoting a huge name: keep its start and end on one readable line
            text = text[:400] + " ... " + text[-150:]
        print(f"accelsim: error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("accelsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of ours (every file was written before
        # printing); silence the flush at exit.
        from accelsim.outputs import silence_stdout
        silence_stdout()
        return 0
    finally:
        if getattr(args, "profile_dir", None):
            if saved is None:
                os.environ.pop("ACCELSIM_PROFILE_PATH", None)
            else:
                os.environ["ACCELSIM_PROFILE_PATH"] = saved


if __name__ == "__main__":
    sys.exit(main())
