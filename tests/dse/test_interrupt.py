"""Killing a sweep midway and rerunning it finishes the rest without recomputing finished points."""
import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

N_POINTS = 60
SPEC = {"name": "slow", "workloads": ["mobilenet_v1"], "fidelity": "event",   # event fidelity: ~30 ms a point
        "parameters": {"units.npu.array.rows": [8, 16, 24, 32, 48, 64], "units.npu.array.cols": [16, 64],
                       "dram.bandwidth_gbps": [4.0, 8.0, 17.0, 34.1, 68.2]}}


def _stored(db_path):
    with sqlite3.connect(db_path, timeout=30) as db:
        return {key: (run_id, at) for key, run_id, at in db.execute("SELECT key, run_id, finished_at FROM points")}


def _sweep(spec_path, out):
    return subprocess.Popen([sys.executable, "-m", "accelsim.cli", "sweep", str(spec_path), "--out", str(out),
                             "--workers", "2", "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_sweep_resumes_without_recomputing(tmp_path, sig):
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(json.dumps(SPEC))
    db = tmp_path / "out" / "sweep.db"
    proc = _sweep(spec_path, tmp_path / "out")
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            if db.exists() and len(_stored(db)) >= 12:
                break
        except sqlite3.OperationalError:   # the sweep is still creating its tables
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep finished before it could be interrupted: make it longer"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "sweep interrupted" in err and "Traceback" not in err, err
    before = _stored(db)
    assert 12 <= len(before) < N_POINTS

    proc = _sweep(spec_path, tmp_path / "out")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert f"{N_POINTS} points, {len(before)} already done, {N_POINTS - len(before)} computed" in out
    after = _stored(db)
    assert len(after) == N_POINTS
    assert {k: after[k] for k in before} == before          # finished points kept their run and time
    rerun_ids = {after[k][0] for k in after.keys() - before.keys()}
    assert len(rerun_ids) == 1 and rerun_ids.isdisjoint({v[0] for v in before.values()})
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT status, n_done_before, n_computed FROM runs ORDER BY started_at").fetchall()
    assert runs[0][0] == "interrupted" and runs[-1] == ("finished", len(before), N_POINTS - len(before))
