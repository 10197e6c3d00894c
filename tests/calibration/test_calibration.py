"""accelsim calibrate and validate: the fit, its targets, the committed file, and table errors."""
import json
import shutil

import numpy as np
import pytest
import yaml

from accelsim.calibration import read_table
from accelsim.calibration.calibrate import calibrate, write_calibration
from accelsim.calibration.fit import error_stats, fit, layout_of
from accelsim.calibration.terms import build_terms, predict_ms
from accelsim.calibration.validate import validate_table
from accelsim.cli import main
from accelsim.errors import AccelsimError
from accelsim.paths import REPO_ROOT

TABLE = REPO_ROOT / "tests" / "data" / "device_latency_calibration.csv"


@pytest.fixture(scope="module")
def calibration():
    return calibrate(TABLE, loo=True)


def test_repo_table_copies_agree():
    assert (REPO_ROOT / "hw_profiles" / "device_latency_calibration.csv").read_bytes() == TABLE.read_bytes()
    assert len(read_table(TABLE)) == 34


def test_targets_in_sample_and_leave_one_out(calibration):
    fit_info = calibration.data["fit"]
    assert fit_info["rows_used"] == 34 and not fit_info["skipped"]
    assert fit_info["median_ape"] <= 0.20
    # Row-wise leave-one-out flatters (issue 15); the headline is leave-one-device-out on the runtime path
    # (tests/calibration/test_runtime_calibration.py, benchmarks/validate_cv.py). Since the auto array mapper became
    # the NPUs' default it is 31.3% (29.7% before): the single Kirin 990 NPU row moved from 25% to 60% left out.
    assert fit_info["loo_median_ape"] <= 0.32
    assert fit_info["loo_median_ape"] < fit_info["spec_only_median_ape"]
    assert fit_info["median_ape"] < fit_info["spec_only_median_ape"]


def test_committed_calibration_is_what_the_code_fits(calibration):
    committed = yaml.safe_load((REPO_ROOT / "hw_profiles" / "calibration.yaml").read_text())
    fresh = calibration.data
    assert committed["table_sha256"] == fresh["table_sha256"]
    for section in ("groups", "units"):
        assert committed["factors"][section].keys() == fresh["factors"][section].keys()
        for key, vals in committed["factors"][section].items():
            for name, v in vals.items():
                assert v == pytest.approx(fresh["factors"][section][key][name], rel=2e-3), (section, key, name)


def test_validate_with_the_fitted_file_reproduces_the_fit(calibration, tmp_path):
    path = write_calibration(calibration, tmp_path / "calibration.yaml")
    v = validate_table(TABLE, path)
    fitted = {r["id"]: r["fitted_ms"] for r in calibration.data["fit"]["rows"]}
    for r in v.rows:   # the fast array predictor and the full simulator agree
        assert r.predicted_ms == pytest.approx(fitted[r.id], rel=2e-3)
    assert v.median_ape == pytest.approx(calibration.data["fit"]["median_ape"], abs=2e-3)
    spec = validate_table(TABLE, None)
    assert spec.median_ape == pytest.approx(calibration.data["fit"]["spec_only_median_ape"], abs=2e-3)


def test_fit_recovers_known_factors():
    """Latencies made by the model itself with known factors are fitted back almost exactly."""
    terms = build_terms(read_table(TABLE))
    layout = layout_of(terms)
    rng = np.random.default_rng(0)
    truth = np.zeros(layout.size)
    ng = len(layout.groups)
    truth[:ng] = rng.uniform(-1.0, -0.2, ng)        # groups slower than spec
    true_ms = predict_ms(terms, *layout.row_factors(truth, terms))
    synthetic = [r.__class__(**{**r.__dict__, "latency_ms": float(m)}) for r, m in zip(terms.rows, true_ms)]
    res = fit(build_terms(synthetic))
    assert error_stats(res.predicted_ms, true_ms)["median_ape"] < 0.01


def test_unknown_rows_are_reported_and_skipped(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("id,soc,unit,model,input,precision,threads,latency_ms,source\n"
                     "a,snapdragon855,cpu,mobilenet_v1,224,fp32,4,14.0,x\n"
                     "b,nochip,cpu,mobilenet_v1,224,fp32,4,14.0,x\n"
                     "c,snapdragon855,tpu,mobilenet_v1,224,fp32,,14.0,x\n"
                     "d,snapdragon855,cpu,nonet,224,fp32,,14.0,x\n")
    out = tmp_path / "v.json"
    plot = tmp_path / "v.png"
    assert main(["validate", "--table", str(table), "--spec", "--json", str(out), "--plot", str(plot)]) == 0
    text = capsys.readouterr().out
    assert "skipped b: unknown soc 'nochip'" in text and "skipped c: unknown unit 'tpu'" in text
    assert "skipped d: unknown model 'nonet'" in text
    data = json.loads(out.read_text())
    assert [r["id"] for r in data["rows"]] == ["a"] and {"median_ape", "within_2x"} <= data.keys()
    assert set(data["rows"][0]) >= {"id", "predicted_ms", "measured_ms", "ape"}
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("body,needle", [
    ("id,soc,unit,model,input,precision,latency_ms\n", "missing column(s) threads"),
    ("id,soc,unit,model,input,precision,threads,latency_ms\nq,snapdragon855,cpu,mobilenet_v1,224,fp32,4,fast\n",
     "line 2: latency_ms: got 'fast'"),
    ("id,soc,unit,model,input,precision,threads,latency_ms\nq,snapdragon855,cpu,mobilenet_v1,-5,fp32,4,3\n",
     "line 2: input: got '-5'"),
    ("id,soc,unit,model,input,precision,threads,latency_ms\n", "no measurement rows"),
])
def test_malformed_table_is_one_line_exit_2(tmp_path, capsys, body, needle):
    table = tmp_path / "bad.csv"
    table.write_text(body)
    for cmd in ("validate", "calibrate"):
        assert main([cmd, "--table", str(table), "--out", str(tmp_path / "c.yaml")] if cmd == "calibrate"
                    else [cmd, "--table", str(table)]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err and err.startswith("accelsim: error:")


def test_calibrate_cli_writes_file_that_runs_use(tmp_path, capsys):
    out = tmp_path / "calibration.yaml"
    assert main(["calibrate", "--table", str(TABLE), "--out", str(out)]) == 0
    assert "in-sample:  median APE" in capsys.readouterr().out
    shutil.copy(REPO_ROOT / "hw_profiles" / "snapdragon845.yaml", tmp_path / "snapdragon845.yaml")
    assert main(["run", "--profile", str(tmp_path / "snapdragon845.yaml"), "--unit", "cpu"]) == 0
    assert f"fitted factors from {out}" in capsys.readouterr().out
    assert main(["run", "--profile", str(tmp_path / "snapdragon845.yaml"), "--unit", "cpu", "--spec"]) == 0
    assert "calibrated    no (spec figures alone)" in capsys.readouterr().out


def test_bad_calibration_file_is_one_line(tmp_path):
    bad = tmp_path / "calibration.yaml"
    bad.write_text("factors: {groups: {cpu: {efficiency: -1}}}\n")
    shutil.copy(REPO_ROOT / "hw_profiles" / "snapdragon845.yaml", tmp_path / "snapdragon845.yaml")
    from accelsim.hardware import load_profile
    with pytest.raises(AccelsimError, match=r"factors.groups.cpu.*positive"):
        load_profile(tmp_path / "snapdragon845.yaml")
