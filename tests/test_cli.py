"""The accelsim command: output, JSON and one-line errors with exit code 2."""
import json
import subprocess
import sys

import pytest

from accelsim.cli import main
from tests.helpers import write_scalesim_cfg


def test_default_run_prints_mobilenet_report(capsys):
    assert main(["run", "--profile", "generic_npu"]) == 0
    out = capsys.readouterr().out
    assert "mobilenet_v1 on generic_npu" in out and "pw13" in out and "latency" in out


def test_run_prints_its_report_once(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["run", "--profile", "generic_npu", "--compress", "quant=int8", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("mobilenet_v1 on generic_npu") == 1 and out.count("\ncompression ") == 1
    assert out.count(f"wrote {path}") == 1


def test_json_output_matches_python_api(tmp_path):
    import accelsim
    path = tmp_path / "r.json"
    assert main(["run", "--profile", "generic_npu", "--dataflow", "os", "--fidelity", "event", "--json",
                 str(path)]) == 0
    data = json.loads(path.read_text())
    expected = accelsim.simulate("generic_npu", dataflow="os", fidelity="event").to_dict()
    assert data == json.loads(json.dumps(expected))


def test_scalesim_files_keep_names_and_cycles(tmp_path, data_dir, scalesim_reference):
    cfg = write_scalesim_cfg(tmp_path / "s.cfg", 32, 32, "is")
    path = tmp_path / "r.json"
    assert main(["run", "--profile", str(cfg), "--workload", str(data_dir / "scalesim" / "resnet18_224.csv"),
                 "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    ref = scalesim_reference["resnet18_224_is"]["layers"]
    assert [(x["name"], x["compute_cycles"]) for x in data["layers"]] == [(x["name"], x["total_cycles"]) for x in ref]


@pytest.mark.parametrize("argv,needle", [
    (["run", "--profile", "missing.yaml"], "missing.yaml: profile file not found"),
    (["run", "--dataflow", "rs"], "dataflow: got 'rs'"),
    (["run", "--fidelity", "quantum"], "fidelity"),
    (["run", "--workload", "nonet"], "workload 'nonet' not found"),
    (["run", "--precision", "int3"], "precision"),
    (["run", "--profile", "generic_npu", "--unit", "gpu"], "unit 'gpu' not found"),
])
def test_bad_input_is_one_line_exit_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_bad_files_one_line_exit_2(tmp_path, capsys):
    prof = tmp_path / "neg.yaml"
    prof.write_text("name: x\nunits:\n  - {name: npu, kind: npu, cost_model: systolic, clock_ghz: 1,\n"
                    "     array: {rows: -2, cols: 4}, precisions: {int8: {macs_per_cycle: 8, energy_pj_per_mac: 1}}}\n"
                    "dram: {name: d}\nsources: [{id: a, title: b}]\n")
    csv = tmp_path / "short.csv"
    csv.write_text("header\nconv1, 10, 10, 3\n")
    for argv, needle in ((["run", "--profile", str(prof)], "units[0].array.rows: got -2"),
                         (["run", "--workload", str(csv)], "line 2: got 4 fields")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err


def test_installed_console_script_exit_code(tmp_path):
    """The real process: a traceback-free stderr line and exit status 2."""
    proc = subprocess.run([sys.executable, "-m", "accelsim.cli", "run", "--dataflow", "zz"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("accelsim: error:") and "Traceback" not in proc.stderr


def test_profiles_lists_every_chip_and_unit(capsys):
    from tests.hardware.test_chip_profiles import CHIPS
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for chip in CHIPS:
        assert chip in out
    assert "dsp*" in out and "fitted" in out and "spec" in out


def test_run_one_unit_with_threads(capsys):
    assert main(["run", "--profile", "snapdragon855", "--unit", "cpu", "--threads", "2", "--precision", "fp32"]) == 0
    out = capsys.readouterr().out
    assert "mobilenet_v1 on snapdragon855/cpu (analytical, 2 threads" in out
    assert main(["run", "--profile", "snapdragon855", "--unit", "dsp"]) == 0
    assert "on snapdragon855/dsp" in capsys.readouterr().out
