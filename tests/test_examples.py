"""The README's examples run from a fresh clone: every file they name exists, and the ones in workloads/examples/ work."""
import re
import shlex
from pathlib import Path

import pytest

import accelsim
from accelsim.cli import main
from accelsim.dse.space import design_points
from accelsim.dse.spec import load_spec
from accelsim.hardware import load_profile
from accelsim.workload.onnx_export import save_onnx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "workloads" / "examples"
INPUT_SUFFIXES = (".cfg", ".onnx", ".csv", ".yaml", ".yml")
OUTPUT_FLAGS = {"--json", "--out", "--report", "--trace", "--gantt", "--plot"}


def _readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("accelsim "):
                commands.append(shlex.split(line))
    return commands


def test_every_input_file_a_readme_command_names_is_in_the_repo():
    named = []
    for argv in _readme_commands():
        for prev, arg in zip(["accelsim"] + argv, argv):
            if arg.endswith(INPUT_SUFFIXES) and "/" in arg and prev not in OUTPUT_FLAGS and "[" not in arg:
                named.append(arg)
    assert "workloads/examples/scale.cfg" in named and "workloads/examples/model.onnx" in named
    missing = [a for a in named if not (ROOT / a).is_file()]
    assert not missing, missing


@pytest.mark.parametrize("argv", [
    ["run", "--profile", "workloads/examples/scale.cfg", "--workload", "workloads/examples/mobilenet_v1_224.csv"],
    ["run", "--workload", "workloads/examples/model.onnx"],
    ["run", "--workload", "workloads/examples/model.onnx", "--onnx-unknown-ops", "zero-cost"],
    ["workloads", "workloads/examples/model.onnx"],
])
def test_readme_examples_run(argv, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(argv) == 0
    assert capsys.readouterr().out.strip()


def test_example_files_are_what_they_say():
    unit = load_profile(str(EXAMPLES / "scale.cfg")).unit()
    assert (unit.array.rows, unit.array.cols, unit.array.dataflow) == (32, 32, "ws")
    assert (unit.sram.ifmap_bytes, unit.sram.filter_bytes, unit.sram.ofmap_bytes) == (65536,) * 3
    # the CSV is SCALE-Sim's MobileNet-V1 as the tests use it
    assert (EXAMPLES / "mobilenet_v1_224.csv").read_bytes() == (
        ROOT / "tests" / "data" / "scalesim" / "mobilenet_v1_224.csv").read_bytes()
    assert len(design_points(load_spec(EXAMPLES / "npu_sweep.yaml"), load_profile("generic_npu"))) == 12600


def test_model_onnx_is_tiny_cnn_as_the_exporter_writes_it(tmp_path):
    rebuilt = save_onnx(accelsim.load_workload("tiny_cnn"), tmp_path / "m.onnx")
    assert rebuilt.read_bytes() == (EXAMPLES / "model.onnx").read_bytes()
    wl = accelsim.load_workload(str(EXAMPLES / "model.onnx"))
    # by hand: conv1 32x32x32 x 27 + dw2 32x16x16 x 9 + pw2 64x16x16 x 32 + conv3 64x16x16 x 576 + fc 64 x 10
    assert wl.macs == 884_736 + 73_728 + 524_288 + 9_437_184 + 640


@pytest.mark.slow
def test_user_bandwidth_example_writes_scalesim_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["run", "--profile", "workloads/examples/scale_user_bw10.cfg", "--workload",
                 "workloads/examples/mobilenet_v1_224.csv", "--scalesim-reports", str(tmp_path / "rep")]) == 0
    assert "9,551,530 cycles" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "BANDWIDTH_REPORT.csv", "COMPUTE_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"]
