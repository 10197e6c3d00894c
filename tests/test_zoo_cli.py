"""Every zoo network runs through ``accelsim run --workload NAME`` on the default profile."""
import json

import pytest

from accelsim.cli import main
from accelsim.hardware import DEFAULT_PROFILE
from accelsim.workload import ZOO, load_workload


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_network_runs_on_default_profile(name, tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["run", "--workload", name, "--json", str(path)]) == 0
    assert f"{name} on {DEFAULT_PROFILE}" in capsys.readouterr().out
    data = json.loads(path.read_text())
    wl = load_workload(name)
    assert [x["name"] for x in data["layers"]] == [i.name for i in wl]
    assert sum(x["macs"] for x in data["layers"]) == wl.macs
    assert data["total_cycles"] > 0 and data["latency_ms"] > 0


def test_workloads_lists_zoo_with_counts(capsys):
    assert main(["workloads"]) == 0
    out = capsys.readouterr().out
    for name in ZOO:
        assert name in out
    line = next(x for x in out.splitlines() if x.startswith("resnet50 "))
    assert "4.09 G" in line and "25.50 M" in line and "torchvision" in line


def test_workloads_name_prints_layer_table(capsys, tmp_path):
    assert main(["workloads", "shufflenet_v2"]) == 0
    out = capsys.readouterr().out
    wl = load_workload("shufflenet_v2")
    assert all(i.name in out for i in wl)
    assert any(x.split()[:2] == ["stage2.0.shuffle", "shuffle"] for x in out.splitlines())
    assert f"{len(wl)} layers" in out
    assert main(["workloads", "nonet"]) == 2
    assert "workload 'nonet' not found" in capsys.readouterr().err
    from accelsim.workload.onnx_export import save_onnx
    path = save_onnx(load_workload("tiny_yolo_v2"), tmp_path / "ty.onnx")
    assert main(["workloads", str(path)]) == 0
    assert "nms" in capsys.readouterr().out
