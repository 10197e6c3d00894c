"""``run_sweep``: expand a spec, skip finished points, evaluate the rest on a backend, save and summarise.

Output folder::

    sweep.db      every finished point (SQLite; the resume state)
    results.csv   the spec's points with their parameters and metrics (errors included)
    results.parquet  the same table as parquet (when pandas and pyarrow are installed: accelsim[frames])
    pareto.csv    the non-dominated points, per workload
    pareto.png    the fronts: first objective against each of the others
"""
from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from accelsim.dse.backends import check_backend, make_backend
from accelsim.dse.evaluate import SweepContext, Task, evaluate_task
from accelsim.dse.pareto import pareto_indices, write_pareto_png
from accelsim.dse.space import DesignPoint, design_points
from accelsim.dse.spec import SweepSpec, check_spec, load_spec
from accelsim.dse.store import SweepStore
from accelsim.dse.table import SweepTable
from accelsim.hardware import load_profile

BATCH_CHUNK = 2048       # points per task on the vectorized path (at most)
MIN_BATCH_CHUNK = 128
SIMULATE_CHUNK = 4       # points per task when each point is simulated on its own


@dataclass
class SweepOutcome:
    """What a sweep run did, and where its results are."""

    out_dir: Path
    run_id: str
    n_points: int
    n_done_before: int
    n_computed: int = 0
    n_failed: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False
    table: SweepTable | None = field(default=None, repr=False)     # every point of the spec, with results
    front: SweepTable | None = field(default=None, repr=False)     # its Pareto-optimal points
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def n_ok(self) -> int:
        return int(self.table.ok().sum()) if self.table is not None else 0

    @property
    def rows(self) -> list[dict]:
        """Every point as a dict (parameters and metrics as columns)."""
        return self.table.rows() if self.table is not None else []

    def to_pandas(self):
        """Every point of the spec as a DataFrame (parameters and metrics as columns)."""
        from accelsim.frames import sweep_frame
        return sweep_frame(self.table)

    @property
    def points_per_minute(self) -> float:
        return 60 * self.n_computed / self.elapsed_s if self.elapsed_s > 0 else math.nan


def chunk_size(spec: SweepSpec, n_todo: int, workers: int) -> int:
    """Points per task: the spec's, or big enough to vectorize well and small enough to keep every worker busy."""
    if spec.chunk_size:
        return spec.chunk_size
    if spec.fidelity != "analytical":
        return SIMULATE_CHUNK
    return max(MIN_BATCH_CHUNK, min(BATCH_CHUNK, math.ceil(n_todo / (4 * workers))))


def chunks(points: list[DesignPoint], size: int) -> list[list[DesignPoint]]:
    return [points[i:i + size] for i in range(0, len(points), size)]


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="pt", disable=not enabled, dynamic_ncols=True, smoothing=0.1,
                desc="sweep")


def run_sweep(spec: SweepSpec | str | Path, out_dir: str | Path, *, backend: str = "local",
              scheduler: str | None = None, workers: int | None = None, progress: bool = False,
              retry_failed: bool = False) -> SweepOutcome:
    """Evaluate every point of ``spec`` not yet in ``out_dir/sweep.db``, then write CSVs and the Pareto plot.

    Interrupting (Ctrl-C, SIGTERM via the CLI) keeps every chunk already
    finished; running again computes only the rest. ``retry_failed`` also
    recomputes points that failed before.
    """
    check_backend(backend, scheduler, workers)
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    else:
        check_spec(spec)
    profile = load_profile(spec.resolve_path(spec.profile))
    points = design_points(spec, profile)
    out = Path(out_dir)
    run_id = uuid.uuid4().hex[:12]
    with SweepStore(out) as store:
        done = store.finished_keys(include_errors=not retry_failed)
        todo = [p for p in points if p.key not in done]
        outcome = SweepOutcome(out, run_id, len(points), len(points) - len(todo))
        runner = make_backend(backend, scheduler, workers) if todo else None
        store.start_run(run_id, backend, spec.model_dump_json(), len(points), outcome.n_done_before)
        by_key = {p.key: p for p in todo}
        ctx = SweepContext(profile, spec.unit, spec.fidelity)
        t0 = time.perf_counter()
        status = "finished"
        size = chunk_size(spec, len(todo), runner.workers if runner else 1)
        tasks = (Task(ctx, c) for c in chunks(todo, size))
        bar = _progress(len(todo), progress and bool(todo))
        try:
            if runner is not None:
                for results, _seconds in runner.imap_unordered(evaluate_task, tasks):
                    store.write(by_key, results, run_id)
                    outcome.n_computed += len(results)
                    outcome.n_failed += sum(1 for r in results if r.status != "ok")
                    bar.update(len(results))
        except KeyboardInterrupt:
            status = "interrupted"
            outcome.interrupted = True
            raise
        except BaseException:
            status = "failed"
            raise
        finally:
            bar.close()
            outcome.elapsed_s = time.perf_counter() - t0
            if runner is not None:
                runner.close()
            store.end_run(run_id, outcome.n_computed, outcome.n_failed, status)
        outcome.table = SweepTable.build(points, store.results(), list(spec.parameters))
    _write_outputs(spec, outcome)
    return outcome


def _write_outputs(spec: SweepSpec, outcome: SweepOutcome) -> None:
    from accelsim import __version__
    objectives = list(spec.objectives)
    front = pareto_indices(outcome.table, objectives)
    outcome.front = outcome.table.take(front)
    out = outcome.out_dir
    outcome.files["results_csv"] = outcome.table.to_csv(out / "results.csv")
    outcome.files["pareto_csv"] = outcome.front.to_csv(out / "pareto.csv")
    outcome.files["pareto_png"] = write_pareto_png(out / "pareto.png", outcome.table, front, objectives)
    from accelsim.frames import write_parquet
    if write_parquet(outcome.table, out / "results.parquet"):   # with pandas + pyarrow (accelsim[frames])
        outcome.files["results_parquet"] = out / "results.parquet"
    summary = {"name": spec.name, "points": outcome.n_points, "done_before": outcome.n_done_before,
               "computed": outcome.n_computed, "failed_this_run": outcome.n_failed,
               "ok": outcome.n_ok, "errors": outcome.n_points - outcome.n_ok, "pareto_points": len(front),
               "objectives": objectives, "elapsed_s": outcome.elapsed_s, "run_id": outcome.run_id,
               "accelsim_version": __version__}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    outcome.files["summary"] = out / "summary.json"
