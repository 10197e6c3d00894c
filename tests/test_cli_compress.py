"""``accelsim run --compress``: the before/after summary, the JSON block, one-line errors."""
import json
import subprocess
import sys

import pytest

import accelsim
from accelsim.cli import main
from accelsim.compress import prune, quantize

KEYS = {"params", "nonzero_params", "model_bytes", "macs", "effective_macs", "dram_bytes", "latency_ms", "energy_mj"}


def test_run_compress_prints_before_after(capsys):
    argv = ["run", "--profile", "generic_npu", "--workload", "alexnet", "--compress", "prune=0.89,quant=int8"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "alexnet on generic_npu" in out and "compression prune=0.89,quant=int8" in out
    for label in ("params", "nonzero params", "model bytes", "MACs", "effective MACs", "bit-operations",
                  "DRAM bytes", "latency ms", "energy mJ"):
        assert f"\n{label} " in out
    assert "61,100,840" in out                       # AlexNet's parameters before and after


def test_json_compression_block_matches_python_api(tmp_path):
    path = tmp_path / "r.json"
    assert main(["run", "--workload", "mobilenet_v1", "--compress", "prune=0.7,quant=int8", "--json",
                 str(path)]) == 0
    data = json.loads(path.read_text())
    block = data["compression"]
    assert block["spec"] == "prune=0.7,quant=int8"
    assert KEYS <= set(block["before"]) and KEYS <= set(block["after"])
    assert block["after"]["latency_ms"] == data["latency_ms"] and block["after"]["dram_bytes"] == data["dram_bytes"]
    assert block["before"]["macs"] == block["after"]["macs"] > block["after"]["effective_macs"]
    assert [s["transform"] for s in block["lineage"]] == ["prune", "quant"]
    api = accelsim.simulate(workload="mobilenet_v1", compress="prune=0.7,quant=int8").to_dict()
    assert data == json.loads(json.dumps(api))
    plain = accelsim.simulate(workload="mobilenet_v1")
    assert block["before"]["latency_ms"] == plain.latency_ms and "compression" not in plain.to_dict()


def test_simulate_accepts_python_transforms():
    r = accelsim.simulate(workload="alexnet", compress=prune(0.89) | quantize("int8"))
    assert r.compression.spec == "prune=0.89,quant=int8"
    assert 6.6e6 < r.compression.after.nonzero_params < 6.8e6


@pytest.mark.parametrize("spec,needle", [
    ("prune=1.5", "sparsity: got 1.5"),
    ("quant=int3", "got 'int3'; allowed formats"),
    ("factorize=rank:5000", "rank: got 5000; larger than every layer"),
    ("frobnicate=1", "unknown transform"),
])
def test_invalid_specs_exit_2_with_one_line(spec, needle, capsys):
    assert main(["run", "--workload", "alexnet", "--compress", spec]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("accelsim: error:") and needle in err and "\n" not in err
    assert captured.out == ""


def test_invalid_spec_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "accelsim.cli", "run", "--compress", "prune=1.5"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "sparsity: got 1.5" in proc.stderr
