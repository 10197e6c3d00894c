"""Packaging: version, LICENSE, python -m, user folders extending the built-ins, provenance, the wheel."""
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

import accelsim
from accelsim.cli import main
from accelsim.hardware import available_profiles
from accelsim.paths import REPO_ROOT, builtin_dir

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def test_version_license_and_typing_marker():
    assert accelsim.__version__ == PYPROJECT["project"]["version"]
    assert PYPROJECT["project"]["license"]["text"] == "MIT"
    assert (REPO_ROOT / "LICENSE").read_text().startswith("MIT License")
    assert (REPO_ROOT / "accelsim" / "py.typed").is_file()


def test_python_dash_m_and_version_flag():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run([sys.executable, "-m", "accelsim", "--version"], capture_output=True, text=True, env=env,
                         cwd="/")
    assert out.returncode == 0 and out.stdout.strip() == f"accelsim {PYPROJECT['project']['version']}"


def test_builtin_dir_is_the_repository_folder_in_a_checkout():
    assert builtin_dir("hw_profiles") == REPO_ROOT / "hw_profiles"
    assert (builtin_dir("workloads") / "streams").is_dir()


def _my_profile(folder: Path, name: str = "my_npu") -> Path:
    data = yaml.safe_load((REPO_ROOT / "hw_profiles" / "generic_npu.yaml").read_text())
    data["name"] = name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_accelsim_path_extends_the_builtins(tmp_path, monkeypatch):
    _my_profile(tmp_path / "hw_profiles")
    (tmp_path / "workloads").mkdir()
    shutil.copy(REPO_ROOT / "workloads" / "tiny_cnn.yaml", tmp_path / "workloads" / "my_cnn.yaml")
    monkeypatch.setenv("ACCELSIM_PATH", str(tmp_path))
    names = available_profiles()
    assert "my_npu" in names and "snapdragon855" in names
    r = accelsim.simulate("my_npu", "my_cnn")
    assert r.profile == "my_npu" and r.latency_ms > 0


def test_profile_dir_flag_and_report_without_the_profile(tmp_path, capsys):
    _my_profile(tmp_path / "mine")
    out = tmp_path / "r.json"
    assert main(["run", "--profile", "my_npu", "--workload", "tiny_cnn", "--json", str(out)]) == 2
    assert "profile 'my_npu' not found" in capsys.readouterr().err
    assert main(["run", "--profile-dir", str(tmp_path / "mine"), "--profile", "my_npu", "--workload", "tiny_cnn",
                 "--json", str(out)]) == 0
    assert "ACCELSIM_PROFILE_PATH" not in os.environ or str(tmp_path) not in os.environ["ACCELSIM_PROFILE_PATH"]
    data = json.loads(out.read_text())
    assert data["accelsim_version"] == accelsim.__version__
    prof = data["inputs"]["profile"]
    assert prof["name"] == "my_npu" and prof["source"].endswith("my_npu.yaml") and prof["calibration"] is None
    assert len(prof["sha256"]) == 64 and prof["content"]["name"] == "my_npu"
    # the profile folder is gone: report rebuilds the profile from the JSON
    shutil.rmtree(tmp_path / "mine")
    assert main(["report", str(out), "--out", str(tmp_path / "rep")]) == 0
    assert "my_npu" in (tmp_path / "rep" / "index.html").read_text()
    # content another schema cannot read: the report falls back to the profile the result names
    data["inputs"]["profile"]["content"]["units"] = "not a list"
    data["profile"] = "generic_npu"
    out.write_text(json.dumps(data))
    assert main(["report", str(out), "--out", str(tmp_path / "rep2")]) == 0
    assert "generic_npu" in (tmp_path / "rep2" / "index.html").read_text()


def test_inputs_record_calibration_options_and_change_with_the_profile():
    a = accelsim.simulate("snapdragon855", "mobilenet_v1").to_dict()["inputs"]
    b = accelsim.simulate("snapdragon855", "mobilenet_v1", calibrated=False).to_dict()["inputs"]
    assert a["profile"]["calibration"]["file"].endswith("calibration.yaml")
    assert len(a["profile"]["calibration"]["sha256"]) == 64
    assert b["profile"]["calibration"] is None
    assert a["profile"]["sha256"] != b["profile"]["sha256"]          # calibrated content differs
    assert a["profile"]["file_sha256"] == b["profile"]["file_sha256"]  # same file
    assert a["options"]["fidelity"] == "analytical" and a["accelsim_version"] == accelsim.__version__
    soc = accelsim.simulate("snapdragon855", "tiny_cnn", unit="auto").to_dict()
    assert soc["inputs"]["options"]["unit"] == "auto" and soc["accelsim_version"] == accelsim.__version__


def test_stream_and_sweep_outputs_record_the_version(tmp_path):
    from accelsim.dse.runner import run_sweep
    from accelsim.dse.spec import SweepSpec
    from accelsim.sim.stream_spec import StreamsSpec

    streams = accelsim.run_streams(StreamsSpec(streams=[{"workload": "tiny_cnn"}], seconds=0.2), "snapdragon855")
    assert streams.to_dict()["accelsim_version"] == accelsim.__version__
    run_sweep(SweepSpec(workloads=["tiny_cnn"], parameters={"units.npu.array.cols": [8]}), tmp_path, backend="serial")
    assert json.loads((tmp_path / "summary.json").read_text())["accelsim_version"] == accelsim.__version__


@pytest.mark.slow
def test_wheel_ships_the_data_and_runs_with_no_repository_beside_it(tmp_path):
    """Build the wheel, install it (no deps: they come from this venv via a .pth) in a fresh venv, smoke test."""
    wheels = tmp_path / "wheels"
    leftovers = [p for p in (REPO_ROOT / "build", REPO_ROOT / "accelsim.egg-info") if not p.exists()]
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                        str(wheels), str(REPO_ROOT)], check=True, capture_output=True)
    finally:   # the in-tree build's scratch folders, unless they were there before
        for p in leftovers:
            shutil.rmtree(p, ignore_errors=True)
    whl = next(wheels.glob("accelsim-*.whl"))
    names = set(zipfile.ZipFile(whl).namelist())
    for f in ("accelsim/py.typed", "accelsim/__main__.py", "accelsim/_data/hw_profiles/calibration.yaml",
              "accelsim/_data/hw_profiles/device_latency_calibration.csv",
              "accelsim/_data/workloads/streams/two_cameras.yaml"):
        assert f in names, f
    shipped = {n.split("_data/")[1] for n in names if "/_data/" in n}
    in_repo = {str(p.relative_to(REPO_ROOT)) for d in ("hw_profiles", "workloads")
               for p in (REPO_ROOT / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped == in_repo
    assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    deps = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "deps.pth").write_text(deps + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ACCELSIM_PATH", "ACCELSIM_PROFILE_PATH")}
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(whl)],
                   check=True, capture_output=True, env=env, cwd=tmp_path)
    out = subprocess.run([str(REPO_ROOT / ".ci" / "wheel-smoke"), str(venv / "bin")], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "wheel smoke test passed" in out.stdout
