"""Points that fail: stored with a one-line reason, the rest of their chunk lands, and the sweep agrees with
``accelsim.simulate`` on every point, including the ones simulate refuses."""
import json
import math
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.cli import main
from accelsim.dse.evaluate import METRICS, SweepContext, evaluate_points
from accelsim.dse.profile_fields import apply_overrides
from accelsim.dse.runner import run_sweep
from accelsim.dse.space import design_points
from accelsim.dse.spec import SweepSpec
from tests.helpers import load_scalesim_profile  # the batch model is SCALE-Sim's mapping

# Values a hostile sweep file may hold: extreme clocks, arrays past int64, tiny bandwidths (inf and nan are
# refused when the spec loads: tests/fuzz).
HOSTILE = {"units.npu.clock_ghz": [1e9, 1.0, 1e-300, 1e300],
           "units.npu.array.rows": [8, 2 ** 62, 2 ** 63 - 1, 2 ** 63],
           "dram.bandwidth_gbps": [34.1, 1e-300]}


def _simulate_or_error(profile, overrides):
    """simulate's verdict: its metrics, or 'error' if it refuses (or gives a result SQLite cannot store)."""
    try:
        p = apply_overrides(profile, overrides)
        r = accelsim.simulate(p, "tiny_cnn")
        values = (r.latency_ms, r.energy_mj, r.total_cycles, r.dram_bytes)
    except Exception:  # noqa: BLE001
        return "error"
    if any(not math.isfinite(v) or (isinstance(v, int) and v >= 2 ** 63) for v in values):
        return "error"
    if accelsim.dse.area.pe_count(p) >= 2 ** 63:
        return "error"
    return values


def test_hostile_points_fail_alone_and_batch_agrees_with_simulate():
    spec = SweepSpec(workloads=["tiny_cnn"], parameters=HOSTILE)
    base = load_scalesim_profile("generic_npu")
    points = design_points(spec, base)
    results = evaluate_points(SweepContext(base, None, "analytical"), points)   # one chunk: all 32 points
    assert len(results) == len(points) == 32
    n_ok = 0
    for point, res in zip(points, results):
        want = _simulate_or_error(base, point.overrides)
        if want == "error":
            assert res.status == "error" and res.error and "\n" not in res.error and len(res.error) <= 500, res
        else:
            assert res.status == "ok", (point.overrides, res.error)
            got = res.metrics
            assert (got["latency_ms"], got["energy_mj"], got["total_cycles"], got["dram_bytes"]) == want
            n_ok += 1
    assert 0 < n_ok < 32
    assert all(r.method == "batch" for p, r in zip(points, results)
               if r.status == "ok" and p.overrides["units.npu.array.rows"] == 8
               and p.overrides["units.npu.clock_ghz"] == 1.0 and p.overrides["dram.bandwidth_gbps"] == 34.1)


def test_a_raising_point_does_not_lose_its_chunk(tmp_path):
    spec = SweepSpec(workloads=["tiny_cnn"], chunk_size=4,
                     parameters={"units.npu.array.rows": [8, 2 ** 63, 16, 32], "units.npu.clock_ghz": [1.0]})
    out = run_sweep(spec, tmp_path, backend="local", workers=1)
    assert (out.n_computed, out.n_failed, out.n_ok) == (4, 1, 3)
    with sqlite3.connect(tmp_path / "sweep.db") as db:
        rows = db.execute("SELECT params, status, error FROM points").fetchall()
    failed = [r for r in rows if r[1] == "error"]
    assert len(failed) == 1 and "9223372036854775808" in failed[0][0] and "\n" not in failed[0][2]


def test_all_failed_sweep_exits_2_with_one_line_and_no_plot(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps({"name": "bad", "workloads": ["tiny_cnn"],
                                "parameters": {"units.npu.array.rows": [0, -1]}}))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--backend", "serial"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("accelsim: error: sweep bad: all 2 points failed") and "\n" not in err
    assert captured.out == ""
    assert "array.rows" in err
    assert not (tmp_path / "o" / "pareto.png").exists() and (tmp_path / "o" / "results.csv").exists()


def test_foreign_points_table_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "o").mkdir()
    with sqlite3.connect(tmp_path / "o" / "sweep.db") as db:
        db.execute("CREATE TABLE points (id INTEGER, name TEXT)")
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps({"workloads": ["tiny_cnn"]}))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--backend", "serial"]) == 2
    err = capsys.readouterr().err.strip()
    assert "table 'points' is not a sweep table" in err and "\n" not in err


def test_metrics_are_stored_as_numbers(tmp_path):
    """Every metric column of an ok point is a finite number (no Infinity token in CSV or JSON)."""
    out = run_sweep(SweepSpec(workloads=["tiny_cnn"], parameters={"units.npu.clock_ghz": [1e-300, 1.0]}),
                    tmp_path, backend="serial")
    for row in out.rows:
        if row["status"] == "ok":
            assert all(math.isfinite(row[m]) for m in METRICS)


@settings(max_examples=20, deadline=None)
@given(clock=st.floats(allow_nan=False, allow_infinity=False), rows=st.integers(-4, 2 ** 64),   # inf/nan: refused
       bandwidth=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)))       # when the spec loads
def test_any_values_give_the_batch_evaluator_and_simulate_one_verdict(clock, rows, bandwidth):
    """Property: for arbitrary (also hostile) numbers, the sweep's point equals simulate's result or its refusal."""
    overrides = {"units.npu.clock_ghz": clock, "units.npu.array.rows": rows, "dram.bandwidth_gbps": bandwidth}
    spec = SweepSpec(workloads=["tiny_cnn"], parameters={k: [v] for k, v in overrides.items()})
    base = load_scalesim_profile("generic_npu")
    (point,) = design_points(spec, base)
    (res,) = evaluate_points(SweepContext(base, None, "analytical"), [point])
    want = _simulate_or_error(base, point.overrides)
    if want == "error":
        assert res.status == "error" and "\n" not in res.error
    else:
        got = res.metrics
        assert res.status == "ok" and (got["latency_ms"], got["energy_mj"], got["total_cycles"],
                                       got["dram_bytes"]) == want
