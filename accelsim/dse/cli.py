"""The ``accelsim sweep`` subcommand: arguments and the command itself."""
from __future__ import annotations

import argparse
import signal
import sys


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="sweep YAML file (see accelsim/dse/spec.py for the format)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="folder for sweep.db (resume state), results.csv, pareto.csv and pareto.png")
    parser.add_argument("--backend", default="local", help="local (process pool, default), dask or serial")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address (default: start a LocalCluster)")
    parser.add_argument("--workers", type=int, default=None, help="processes / Dask workers (default: all cores)")
    parser.add_argument("--retry-failed", action="store_true", help="recompute points that failed before")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _terminate(signum, frame):
    raise KeyboardInterrupt


def run_sweep_command(args: argparse.Namespace) -> int:
    from accelsim.dse.runner import run_sweep
    from accelsim.dse.spec import load_spec

    spec = load_spec(args.spec)
    previous = signal.signal(signal.SIGTERM, _terminate)  # SIGTERM stops as cleanly as Ctrl-C
    try:
        outcome = run_sweep(spec, args.out, backend=args.backend, scheduler=args.scheduler, workers=args.workers,
                            progress=not args.no_progress and sys.stderr.isatty(), retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        print(f"accelsim: sweep interrupted; finished points are saved in {args.out}/sweep.db, "
              "run the same command again to finish the rest", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    rate = f" ({outcome.points_per_minute:,.0f} points/min)" if outcome.n_computed else ""
    print(f"sweep {spec.name}: {outcome.n_points} points, {outcome.n_done_before} already done, "
          f"{outcome.n_computed} computed in {outcome.elapsed_s:.2f} s{rate}")
    errors = outcome.n_points - outcome.n_ok
    if errors:
        first = next((e for s, e in zip(outcome.table.columns["status"], outcome.table.columns["error"])
                      if s != "ok"), None)
        print(f"{errors} point(s) failed or missing; first error: {first}")
    print(f"Pareto front: {len(outcome.front)} points ({', '.join(spec.objectives)})")
    for name in ("results_csv", "pareto_csv", "pareto_png"):
        print(f"wrote {outcome.files[name]}")
    return 0
