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
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from accelsim.dse.backends import check_backend, make_backend
from accelsim.dse.evaluate import SweepContext, Task, evaluate_task
from accelsim.dse.pareto import pareto_indices, write_pareto_png
from accelsim.dse.runlock import RunLock, run_alive
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


WAIT_POLL_S = 0.25         # how often a run waiting for another run's points looks again


def _never() -> bool:
    return False


def run_sweep(spec: SweepSpec | str | Path, out_dir: str | Path, *, backend: str = "local",
              scheduler: str | None = None, workers: int | None = None, progress: bool = False,
              retry_failed: bool = False, stop_requested: Callable[[], bool] = _never,
              log: Callable[[str], None] | None = None) -> SweepOutcome:
    """Evaluate every point of ``spec`` not yet in ``out_dir/sweep.db``, then write CSVs and the Pareto plot.

    Interrupting (Ctrl-C, SIGTERM via the CLI, or ``stop_requested()`` turning true) keeps every
    chunk already finished; running again computes only the rest. ``retry_failed`` also recomputes
    points that failed before. A point that raises is stored as failed with its one-line reason.
    Sweeps sharing ``out_dir`` split the points between them (claims in the store) and each waits
    for the points another live run is computing, so every run ends with the whole table. A run
    found ``running`` whose process is gone is marked ``killed``. ``log`` receives one-line notices.
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
    say = log or (lambda _msg: None)
    with SweepStore(out) as store:
        lock = RunLock(out, run_id)
        try:
            alive = partial(run_alive, out)
            for rid in store.mark_dead_runs(alive):
                say(f"run {rid} in {out} stopped without finishing; marked killed")
            done = store.finished_keys(include_errors=not retry_failed)
            todo = [p for p in points if p.key not in done]
            outcome = SweepOutcome(out, run_id, len(points), len(points) - len(todo))
            store.start_run(run_id, backend, spec.model_dump_json(), len(points), outcome.n_done_before)
            _compute(spec, profile, store, run_id, todo, outcome, alive, backend, scheduler, workers, progress,
                     retry_failed, stop_requested, say)
            outcome.table = SweepTable.build(points, store.results(), list(spec.parameters))
        finally:
            lock.release()
    _write_outputs(spec, outcome)
    return outcome


def _compute(spec: SweepSpec, profile, store: SweepStore, run_id: str, todo: list[DesignPoint],
             outcome: SweepOutcome, alive, backend: str, scheduler: str | None, workers: int | None,
             progress: bool, retry_failed: bool, stop_requested: Callable[[], bool], say) -> None:
    """Claim, evaluate and store ``todo`` chunk by chunk; then wait for points other live runs hold."""
    by_key = {p.key: p for p in todo}
    ctx = SweepContext(profile, spec.unit, spec.fidelity)
    attempted: set[str] = set()
    runner = None
    t0 = time.perf_counter()
    status = "finished"
    bar = _progress(len(todo), progress and bool(todo))
    try:
        runner = make_backend(backend, scheduler, workers) if todo else None
        size = chunk_size(spec, len(todo), runner.workers if runner else 1)
        waiting_said = False
        remaining = todo
        while remaining:
            tasks = _claimed_tasks(ctx, store, run_id, remaining, size, alive, retry_failed, attempted)
            for results, _seconds in runner.imap_unordered(evaluate_task, tasks):
                store.write(by_key, results, run_id)
                outcome.n_computed += len(results)
                outcome.n_failed += sum(1 for r in results if r.status != "ok")
                bar.update(len(results))
                if stop_requested():
                    raise KeyboardInterrupt
            stored = store.finished_keys(include_errors=True)
            remaining = [p for p in remaining if p.key not in stored and p.key not in attempted]
            if not remaining:
                break
            others = store.claimed_by_others(run_id, [p.key for p in remaining])
            if len(others) == len(remaining) and all(alive(rid) for rid in set(others.values())):
                if not waiting_said:
                    say(f"waiting for {len(remaining)} point(s) that run(s) {', '.join(sorted(set(others.values())))}"
                        " are computing in the same folder")
                    waiting_said = True
                if stop_requested():
                    raise KeyboardInterrupt
                time.sleep(WAIT_POLL_S)
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
            runner.close(abort=status != "finished")
        store.release_claims(run_id)
        store.end_run(run_id, outcome.n_computed, outcome.n_failed, status)


def _claimed_tasks(ctx: SweepContext, store: SweepStore, run_id: str, points: list[DesignPoint], size: int,
                   alive, retry_failed: bool, attempted: set[str]) -> Iterator[Task]:
    """Tasks of the points this run claims, one chunk at a time (claimed lazily, as workers free up)."""
    for chunk in chunks(points, size):
        mine = store.claim(run_id, [p.key for p in chunk], alive, include_errors=not retry_failed)
        mine -= attempted
        task = [p for p in chunk if p.key in mine]
        attempted.update(p.key for p in task)
        if task:
            yield Task(ctx, task)


def _atomic(path: Path, run_id: str, write: Callable[[Path], object]) -> Path:
    """Write ``path`` through a temporary file and a rename, so sweeps sharing a folder never mix files."""
    tmp = path.with_name(f".{path.stem}.{run_id}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_outputs(spec: SweepSpec, outcome: SweepOutcome) -> None:
    from accelsim import __version__
    objectives = list(spec.objectives)
    front = pareto_indices(outcome.table, objectives)
    outcome.front = outcome.table.take(front)
    out, rid = outcome.out_dir, outcome.run_id
    outcome.files["results_csv"] = _atomic(out / "results.csv", rid, outcome.table.to_csv)
    outcome.files["pareto_csv"] = _atomic(out / "pareto.csv", rid, outcome.front.to_csv)
    png = out / "pareto.png"
    if outcome.n_ok:
        outcome.files["pareto_png"] = _atomic(png, rid, lambda p: write_pareto_png(p, outcome.table, front,
                                                                                   objectives))
    else:
        png.unlink(missing_ok=True)        # no point to plot: no (empty or stale) plot
    from accelsim.frames import write_parquet
    if outcome.n_ok and write_parquet(outcome.table, out / f".results.{rid}.tmp.parquet"):   # accelsim[frames]
        os.replace(out / f".results.{rid}.tmp.parquet", out / "results.parquet")
        outcome.files["results_parquet"] = out / "results.parquet"
    summary = {"name": spec.name, "points": outcome.n_points, "done_before": outcome.n_done_before,
               "computed": outcome.n_computed, "failed_this_run": outcome.n_failed,
               "ok": outcome.n_ok, "errors": outcome.n_points - outcome.n_ok, "pareto_points": len(front),
               "objectives": objectives, "elapsed_s": outcome.elapsed_s, "run_id": outcome.run_id,
               "accelsim_version": __version__}
    outcome.files["summary"] = _atomic(out / "summary.json", rid,
                                       lambda p: p.write_text(json.dumps(summary, indent=2) + "\n"))
