"""Every shipped profile runs the cycle fidelity on its CPUs / DSPs / VPUs and MAC arrays."""
import json
from pathlib import Path

import pytest

import accelsim
from accelsim.cli import main
from accelsim.hardware import load_profile

TINY = Path(__file__).parents[2] / "workloads" / "tiny_cnn.yaml"
PROFILES = accelsim.available_profiles()


def _measured(res) -> dict:
    return {lr.name: lr.cycle_detail for lr in res.layers if lr.cycle_detail and lr.cycle_detail["source"] == "kernel"}


@pytest.mark.parametrize("name", PROFILES)
def test_every_cpu_and_mac_array_measures_layers(name):
    """Each simd and systolic unit measures every conv / fc layer of a small CNN (GPUs have no cycle model)."""
    prof = load_profile(name)
    units = [u for u in prof.units if u.cost_model != "simt"]
    assert units, f"{name} has no CPU, DSP, VPU or MAC array"
    for u in units:
        fmt = "int8" if any(f in u.precisions for f in ("int8", "binary")) else "ternary"
        res = accelsim.simulate(prof, TINY, unit=u.name, fidelity="cycle", precision=fmt)
        assert set(_measured(res)) == {"conv1", "dw2", "pw2", "conv3", "fc"}, (name, u.name)


def test_default_profile_dsp_is_measured_by_instruction_counts():
    res = accelsim.simulate(None, TINY, fidelity="cycle")
    got = _measured(res)
    assert res.unit == "dsp" and len(got) == 5
    assert got["conv3"]["model"] == "simd instructions" and got["conv3"]["vector_bits"] == 1024
    assert got["dw2"]["path"] == got["dw2"]["isa_path"] == "direct"    # depthwise takes the direct path
    assert got["pw2"]["isa_path"] == "dot4" and got["pw2"]["path"] in ("int8-vnni", "int8-amx", "int8-dot")


@pytest.mark.parametrize("profile,unit", [("braintta", "tta"), ("snapdragon855", "cpu"), ("jetson_agx_orin", "cpu"),
                                          ("jetson_agx_orin", "dla")])
@pytest.mark.parametrize("precision", ["binary", "ternary"])
def test_cli_low_bit_cycle_runs(profile, unit, precision, tmp_path):
    """``accelsim run --profile P --precision binary|ternary --fidelity cycle`` on shipped chips."""
    path = tmp_path / "r.json"
    assert main(["run", "--profile", profile, "--unit", unit, "--workload", str(TINY), "--precision", precision,
                 "--fidelity", "cycle", "--json", str(path)]) == 0
    out = json.loads(path.read_text())
    measured = [lr for lr in out["layers"] if (lr.get("cycle_detail") or {}).get("source") == "kernel"]
    assert len(measured) == 5 and all(lr["compute_cycles"] > 0 for lr in measured)


def test_native_binary_cpu_is_faster_than_its_int8():
    """A76 binary (XNOR-popcount, 85 MACs/cycle) beats its int8 SDOT (32) on the same dense layers."""
    b = accelsim.simulate("snapdragon855", TINY, unit="cpu", fidelity="cycle", precision="binary", threads=1)
    i = accelsim.simulate("snapdragon855", TINY, unit="cpu", fidelity="cycle", precision="int8", threads=1)
    lb, li = ({lr.name: lr.compute_cycles for lr in r.layers} for r in (b, i))
    assert lb["conv3"] < li["conv3"]        # 64 channels fill each 64-bit popcount word
    assert lb["pw2"] > li["pw2"] / 2         # 32 channels leave half of every word empty: the gain is lost


def test_cli_compressed_cycle_json_shows_measured_beside_analytical(tmp_path):
    """``--compress "prune=0.8,quant=ternary" --fidelity cycle``: kernels run on seeded tensors with that
    sparsity and those values; the JSON carries measured cycles, skipped work and stored bytes per layer."""
    path = tmp_path / "r.json"
    args = ["run", "--profile", "jetson_xavier_nx", "--unit", "dla", "--workload", str(TINY), "--fidelity", "cycle",
            "--compress", "prune=0.8,quant=ternary", "--json", str(path)]
    assert main(args) == 0
    out = json.loads(path.read_text())
    conv3 = {lr["name"]: lr for lr in out["layers"]}["conv3"]["cycle_detail"]
    t = conv3["tensors"]
    assert t["weight_zeros"] / t["weight_elems"] > 0.79 and 0.2 < t["act_zeros"] / t["act_elems"] < 0.45  # ternary x
    # ternary x: the bit-plane kernel (on AMX hosts its products may run on the tiles: "...@amx")
    assert conv3["path"].split("@")[0] == "ternary-bitplanes" and conv3["skipped_ops"] >= 0
    assert conv3["memory"]["weight_stored_bytes"] < conv3["memory"]["weight_dense_bytes"]
    assert set(conv3["analytical"]) == {"compute_cycles", "dram_bytes", "total_cycles"}
    assert main(args[:-2] + ["--json", str(tmp_path / "again.json")]) == 0     # seeded: the same tensors
    again = {lr["name"]: lr for lr in json.loads((tmp_path / "again.json").read_text())["layers"]}
    assert again["conv3"]["cycle_detail"]["tensors"] == t


@pytest.mark.parametrize("precision", ["binary", "ternary", "int8"])
def test_modelled_cycles_do_not_depend_on_the_host_units(precision):
    """The host's AMX / VNNI units change how fast the kernels run, never the cycles counted for the
    simulated core (the same layers, with and without them, give the same cycles and instruction path)."""
    from accelsim.kernels import conv
    got = {}
    for fast in (True, False):
        saved = conv.USE_VNNI, conv.USE_AMX
        conv.USE_VNNI, conv.USE_AMX = fast and conv.HAS_VNNI, fast and conv.HAS_AMX
        try:
            res = accelsim.simulate("snapdragon855", TINY, unit="cpu", fidelity="cycle", precision=precision, threads=1)
        finally:
            conv.USE_VNNI, conv.USE_AMX = saved
        got[fast] = {lr.name: (lr.compute_cycles, (lr.cycle_detail or {}).get("isa_path")) for lr in res.layers}
    assert got[True] == got[False]
    assert sum(1 for _, path in got[True].values() if path) == 5
