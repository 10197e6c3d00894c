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
