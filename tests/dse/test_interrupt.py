"""Faults: a sweep stopped (Ctrl-C, SIGTERM to its process group) or killed (SIGKILL) loses and repeats nothing,
leaves no worker behind and no traceback; two sweeps on one folder compute each point once.

Each sweep runs through tests/dse/sweep_harness.py, which reports stored chunks and worker pids on stdout and
can hold chunks until a file appears; the tests wait for those lines (with deadlines), never for fixed sleeps.
"""
import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

HARNESS = Path(__file__).with_name("sweep_harness.py")
ROOT = Path(__file__).resolve().parents[2]
N_POINTS = 24
HOLD_FROM = 8            # chunks with a point of index >= 8 wait for the hold file
SPEC = {"name": "faults", "workloads": ["tiny_cnn"], "chunk_size": 2,
        "parameters": {"units.npu.array.rows": [8, 16, 24, 32, 48, 64], "units.npu.array.cols": [16, 64],
                       "dram.bandwidth_gbps": [4.0, 34.1]}}
DEADLINE_S = 120


class Sweep:
    """A sweep subprocess whose stdout and stderr lines arrive on queues (read by threads, so pipes never fill)."""

    def __init__(self, tmp_path: Path, *extra: str, hold: Path | None = None, group: bool = False):
        spec = tmp_path / "spec.yaml"
        spec.write_text(json.dumps(SPEC))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        if hold is not None:
            env.update(HOLD_FILE=str(hold), HOLD_FROM=str(HOLD_FROM))
        self.proc = subprocess.Popen([sys.executable, str(HARNESS), str(spec), "--out", str(tmp_path / "out"),
                                      "--no-progress", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env, start_new_session=group)
        self.lines = {"out": queue.Queue(), "err": queue.Queue()}
        self.seen = {"out": [], "err": []}
        self.threads = [threading.Thread(target=self._pump, args=(s, self.lines[k]), daemon=True)
                        for k, s in (("out", self.proc.stdout), ("err", self.proc.stderr))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _pump(stream, q):
        for line in stream:
            q.put(line.rstrip("\n"))
        q.put(None)                   # EOF: every process holding the pipe has closed it

    def wait_for(self, stream: str, predicate) -> str:
        """The first line of ``stream`` satisfying ``predicate`` (fails on EOF or after the deadline)."""
        while True:
            try:
                line = self.lines[stream].get(timeout=DEADLINE_S)
            except queue.Empty:
                raise AssertionError(f"no matching line within {DEADLINE_S} s; seen {self.seen}") from None
            assert line is not None, f"{stream} closed first; seen {self.seen}"
            self.seen[stream].append(line)
            if predicate(line):
                return line

    def stored_at_least(self, n: int) -> int:
        line = self.wait_for("out", lambda s: s.startswith("stored ") and int(s.split()[1]) >= n)
        return int(line.split()[1])

    def finish(self) -> tuple[int, str, str]:
        """Exit code, stdout and stderr once the process has exited and every pipe writer is gone."""
        self.proc.wait(timeout=DEADLINE_S)
        for t in self.threads:
            t.join(timeout=DEADLINE_S)
            assert not t.is_alive(), "a process (an orphaned worker?) still holds the sweep's pipes"
        for k, q in self.lines.items():
            while (line := q.get_nowait()) is not None:
                self.seen[k].append(line)
        return self.proc.returncode, "\n".join(self.seen["out"]), "\n".join(self.seen["err"])


def _stored(db_path):
    with sqlite3.connect(db_path, timeout=30) as db:
        return {key: (run_id, at) for key, run_id, at in db.execute("SELECT key, run_id, finished_at FROM points")}


def _runs(db_path):
    with sqlite3.connect(db_path, timeout=30) as db:
        return db.execute("SELECT run_id, status, n_done_before, n_computed FROM runs ORDER BY started_at").fetchall()


def _alive(pid: int) -> bool:
    """A live, non-zombie process (a reaped or zombie worker is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _resume_and_check(tmp_path, before):
    rc, out, err = Sweep(tmp_path, "--workers", "2").finish()
    assert rc == 0, err
    assert f"{N_POINTS} points, {len(before)} already done, {N_POINTS - len(before)} computed" in out
    after = _stored(tmp_path / "out" / "sweep.db")
    assert len(after) == N_POINTS
    assert {k: after[k] for k in before} == before          # finished points kept their run and time
    rerun_ids = {after[k][0] for k in after.keys() - before.keys()}
    assert len(rerun_ids) == 1 and rerun_ids.isdisjoint({v[0] for v in before.values()})
    return err


@pytest.mark.slow
@pytest.mark.parametrize("sig,group", [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGTERM, True)])
def test_stopped_sweep_exits_130_and_resumes_without_recomputing(tmp_path, sig, group):
    sweep = Sweep(tmp_path, "--workers", "2", hold=tmp_path / "never", group=group)
    sweep.stored_at_least(4)                                   # the rest is held: the sweep cannot finish first
    if group:
        os.killpg(sweep.proc.pid, sig)                         # the sweep and its workers all get the signal
    else:
        sweep.proc.send_signal(sig)
    rc, _, err = sweep.finish()
    assert rc == 130 and "sweep interrupted" in err and "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    db = tmp_path / "out" / "sweep.db"
    before = _stored(db)
    assert 4 <= len(before) < N_POINTS
    _resume_and_check(tmp_path, before)
    runs = _runs(db)
    assert runs[0][1] == "interrupted" and runs[-1][1:] == ("finished", len(before), N_POINTS - len(before))


@pytest.mark.slow
def test_sigkill_leaves_no_workers_and_the_run_is_marked_killed(tmp_path):
    sweep = Sweep(tmp_path, "--workers", "2", hold=tmp_path / "never")
    pids = {int(sweep.wait_for("out", lambda s: s.startswith("worker")).split()[1]) for _ in range(2)}
    sweep.stored_at_least(4)
    sweep.proc.kill()
    rc, _, _ = sweep.finish()               # returns only once the workers, which share its pipes, are gone
    assert rc == -signal.SIGKILL
    assert len(pids) == 2 and not any(_alive(p) for p in pids)
    db = tmp_path / "out" / "sweep.db"
    before = _stored(db)
    assert _runs(db)[0][1] == "running"                        # nobody could record the kill...
    err = _resume_and_check(tmp_path, before)
    runs = _runs(db)                                           # ...until the next run looked
    assert runs[0][1] == "killed" and f"run {runs[0][0]}" in err and "marked killed" in err
    assert runs[1][1:] == ("finished", len(before), N_POINTS - len(before))


@pytest.mark.slow
def test_two_sweeps_on_one_folder_compute_each_point_once(tmp_path):
    hold = tmp_path / "go"
    first = Sweep(tmp_path, "--workers", "1", hold=hold)
    first.stored_at_least(2)               # points 0-7 are free; the first run holds its next claimed chunks
    second = Sweep(tmp_path, "--backend", "serial")
    second.wait_for("err", lambda s: "waiting for" in s)     # it computed all it could claim; now it waits
    hold.touch()
    results = [first.finish(), second.finish()]
    assert [r[0] for r in results] == [0, 0], results
    runs = _runs(tmp_path / "out" / "sweep.db")
    assert [r[1] for r in runs] == ["finished", "finished"]
    assert sum(r[3] for r in runs) == N_POINTS                 # computed once in all
    stored = _stored(tmp_path / "out" / "sweep.db")
    assert len(stored) == N_POINTS and {v[0] for v in stored.values()} == {r[0] for r in runs}
    for _, out, _ in results:
        assert f"sweep faults: {N_POINTS} points," in out and "failed" not in out
    lines = (tmp_path / "out" / "results.csv").read_text().splitlines()
    assert len(lines) == N_POINTS + 1 and all(",ok," in line for line in lines[1:])
