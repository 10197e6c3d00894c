"""Sweeps end to end: storage, failures recorded, resume, backends, outputs, the CLI."""
import csv
import json
import sqlite3

import pytest

import accelsim
from accelsim.cli import main
from accelsim.dse.profile_fields import apply_overrides
from accelsim.dse.runner import run_sweep
from accelsim.dse.spec import SweepSpec
from accelsim.hardware import load_profile
from tests.helpers import write_scalesim_profile

# generic_npu has no fp32: 'quant=fp32' fails at every point (the unit cannot run it), as do rows = 0
SPEC = {"name": "t", "workloads": ["tiny_cnn", "mobilenet_v1"], "compression": ["none", "prune=0.5", "quant=fp32"],
        "parameters": {"units.npu.array.rows": [0, 8, 32], "units.npu.array.cols": [8, 32],
                       "dram.bandwidth_gbps": [4.0, 34.1]}}
N_POINTS = 2 * 3 * 3 * 2 * 2
N_OK = 2 * 2 * 2 * 2 * 2       # compression 'none' or 'prune=0.5', and rows != 0


def _results(outcome):
    """What a point computed, without which run computed it."""
    return {r["key"]: tuple(v for k, v in r.items() if k != "run_id") for r in outcome.rows}


def test_sweep_stores_points_records_failures_and_resumes(tmp_path):
    spec = SweepSpec(**SPEC)
    first = run_sweep(spec, tmp_path, backend="serial")
    assert (first.n_points, first.n_done_before, first.n_computed) == (N_POINTS, 0, N_POINTS)
    assert first.n_ok == N_OK and first.n_failed == N_POINTS - N_OK
    errors = {r["error"] for r in first.rows if r["status"] == "error"}
    assert any("array.rows: got 0; Input should be greater than 0" in e for e in errors)
    assert any("does not run precision 'fp32' and has no wider format" in e for e in errors)
    with sqlite3.connect(tmp_path / "sweep.db") as db:
        assert db.execute("SELECT count(*) FROM points").fetchone()[0] == N_POINTS
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == N_POINTS and "units.npu.array.rows" in rows[0] and "area_mm2" in rows[0]
    with open(tmp_path / "pareto.csv") as f:
        front = list(csv.DictReader(f))
    assert 0 < len(front) < N_OK and {r["status"] for r in front} == {"ok"}
    assert {r["workload"] for r in front} == {"tiny_cnn", "mobilenet_v1"}
    assert (tmp_path / "pareto.png").stat().st_size > 10_000
    assert json.loads((tmp_path / "summary.json").read_text())["pareto_points"] == len(front)

    again = run_sweep(spec, tmp_path, backend="serial")
    assert (again.n_done_before, again.n_computed) == (N_POINTS, 0)
    assert _results(again) == _results(first)
    retried = run_sweep(spec, tmp_path, backend="serial", retry_failed=True)
    assert retried.n_computed == N_POINTS - N_OK and retried.n_ok == N_OK

    bigger = SweepSpec(**{**SPEC, "parameters": {**SPEC["parameters"], "units.npu.array.cols": [8, 32, 64]}})
    grown = run_sweep(bigger, tmp_path, backend="serial")
    assert grown.n_done_before == N_POINTS and grown.n_computed == N_POINTS // 2


def test_sweep_results_are_simulate_results(tmp_path):
    spec = SweepSpec(workloads=["mobilenet_v1"], parameters={"units.npu.array.cols": [16, 48],
                                                              "dram.latency_ns": [0.0, 250.0]},
                     profile=str(write_scalesim_profile(tmp_path / "npu.yaml")))   # the batch model's mapping
    out = run_sweep(spec, tmp_path / "out", backend="serial")
    base = load_profile(spec.profile)
    for row in out.rows:
        r = accelsim.simulate(apply_overrides(base, {k: row[k] for k in spec.parameters}), "mobilenet_v1")
        assert (row["latency_ms"], row["energy_mj"], row["dram_bytes"]) == (r.latency_ms, r.energy_mj, r.dram_bytes)
        assert row["method"] == "batch"


def test_event_fidelity_and_other_fields_take_the_simulate_path(tmp_path):
    spec = SweepSpec(workloads=["tiny_cnn"], fidelity="event", parameters={"dram.bandwidth_gbps": [2.0, 8.0]})
    out = run_sweep(spec, tmp_path / "e", backend="serial")
    assert {r["method"] for r in out.rows} == {"simulate"}
    slow = accelsim.simulate(apply_overrides(load_profile("generic_npu"), {"dram.bandwidth_gbps": 2.0}),
                             "tiny_cnn", fidelity="event")
    assert out.rows[0]["latency_ms"] == slow.latency_ms
    other = SweepSpec(workloads=["tiny_cnn"], parameters={"description": ["a", "b"], "units.npu.array.rows": [8]})
    assert {r["method"] for r in run_sweep(other, tmp_path / "o", backend="serial").rows} == {"simulate"}


def test_local_process_pool_gives_the_serial_results(tmp_path):
    spec = SweepSpec(**{**SPEC, "chunk_size": 3})
    serial = run_sweep(spec, tmp_path / "s", backend="serial")
    local = run_sweep(spec, tmp_path / "l", backend="local", workers=2)
    assert _results(local) == _results(serial)


def test_sweep_command(tmp_path, capsys):
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps(SPEC))          # JSON is YAML
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--backend", "serial"]) == 0
    out = capsys.readouterr().out
    assert f"{N_POINTS} points, 0 already done, {N_POINTS} computed" in out
    assert f"{N_POINTS - N_OK} point(s) failed" in out and "Pareto front:" in out
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--backend", "serial"]) == 0
    assert f"{N_POINTS} already done, 0 computed" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["--backend", "spark"], "backend: got 'spark'; allowed: local, dask, serial"),
    (["--scheduler", "tcp://x:1"], "--scheduler 'tcp://x:1' needs --backend dask"),
    (["--workers", "0"], "workers: got 0; must be >= 1"),
])
def test_bad_backend_options(tmp_path, capsys, argv, needle):
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps({"workloads": ["tiny_cnn"]}))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")] + argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err
