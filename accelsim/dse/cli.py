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


class StopSignals:
    """While active, the first Ctrl-C or SIGTERM stops the sweep (KeyboardInterrupt) and later ones are ignored.

    ``requested`` stays set even if the KeyboardInterrupt is swallowed somewhere (a finalizer), so the
    sweep still stops after its current chunk and the command still exits 130.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested: int | None = None
        self.previous: dict = {}

    def _handle(self, signum, frame):
        if self.requested is None:
            self.requested = signum
            raise KeyboardInterrupt

    def __enter__(self) -> "StopSignals":
        self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def __call__(self) -> bool:
        return self.requested is not None


def _interrupted(out: str) -> int:
    print(f"accelsim: sweep interrupted; finished points are saved in {out}/sweep.db, "
          "run the same command again to finish the rest", file=sys.stderr)
    return 130


def run_sweep_command(args: argparse.Namespace) -> int:
    from accelsim.dse.runner import run_sweep
    from accelsim.dse.spec import load_spec
    from accelsim.errors import AccelsimError

    spec = load_spec(args.spec)
    with StopSignals() as stop:
        try:
            outcome = run_sweep(spec, args.out, backend=args.backend, scheduler=args.scheduler,
                                workers=args.workers, progress=not args.no_progress and sys.stderr.isatty(),
                                retry_failed=args.retry_failed, stop_requested=stop,
                                log=lambda msg: print(f"accelsim: {msg}", file=sys.stderr, flush=True))
        except KeyboardInterrupt:
            return _interrupted(args.out)
        if stop():
            return _interrupted(args.out)
    errors = outcome.n_points - outcome.n_ok
    first = next((e for s, e in zip(outcome.table.columns["status"], outcome.table.columns["error"])
                  if s != "ok"), None)
    if outcome.n_points and not outcome.n_ok:
        raise AccelsimError(f"sweep {spec.name}: all {outcome.n_points} points failed (no plot written; "
                            f"errors in {outcome.files['results_csv']}); first error: {first}")
    rate = f" ({outcome.points_per_minute:,.0f} points/min)" if outcome.n_computed else ""
    print(f"sweep {spec.name}: {outcome.n_points} points, {outcome.n_done_before} already done, "
          f"{outcome.n_computed} computed in {outcome.elapsed_s:.2f} s{rate}")
    if errors:
        print(f"{errors} point(s) failed or missing; first error: {first}")
    print(f"Pareto front: {len(outcome.front)} points ({', '.join(spec.objectives)})")
    for name in ("results_csv", "pareto_csv", "pareto_png"):
        print(f"wrote {outcome.files[name]}")
    return 0
