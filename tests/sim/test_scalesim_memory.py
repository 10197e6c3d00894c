"""SCALE-Sim's USER-mode memory system against SCALE-Sim v3's own output (MobileNet-V1, 32x32 ws, 10 words/cycle)."""
import json

import pytest

import accelsim
from accelsim.cli import main
from accelsim.report.scalesim_reports import ACCESS_HEADER, BANDWIDTH_HEADER, COMPUTE_HEADER, read_report
from accelsim.sim.scalesim_memory import ScaleSimMemory, memory_of_profile, simulate_conv, simulate_topology
from tests.helpers import write_scalesim_cfg

pytestmark = pytest.mark.slow      # ~10 s: the whole network, cycle by cycle


@pytest.fixture(scope="module")
def reference(data_dir):
    return json.loads((data_dir / "scalesim" / "scalesim_v3_32x32_ws_bw10_mobilenet_v1.json").read_text())


@pytest.fixture(scope="module")
def layers(data_dir, tmp_path_factory):
    cfg = write_scalesim_cfg(tmp_path_factory.mktemp("cfg") / "bw10.cfg", 32, 32, "ws", bandwidth=10)
    mem = memory_of_profile(accelsim.load_profile(str(cfg)))
    assert mem == ScaleSimMemory(32, 32, 65536, 65536, 65536, 10, "ws")
    return simulate_topology(accelsim.load_workload(data_dir / "scalesim" / "mobilenet_v1_224.csv"), mem)


def test_every_layer_matches_scalesim(layers, reference):
    ref = reference["layers"]
    assert [lm.name for lm in layers] == [r["name"] for r in ref]
    for lm, r in zip(layers, ref):
        assert lm.compute_cycles == r["compute_cycles"], lm.name
        # stall cycles within 5 % per layer (the target); in fact within 0.05 %
        assert abs(lm.stall_cycles - r["stall_cycles"]) <= 0.0005 * r["stall_cycles"], (lm.name, lm.stall_cycles)
        # SRAM refetches: DRAM reads exact on every layer
        assert (lm.ifmap_dram_reads, lm.filter_dram_reads) == (r["dram_ifmap_reads"], r["dram_filter_reads"])
        assert abs(lm.ofmap_dram_writes - r["dram_ofmap_writes"]) <= 40, lm.name
        assert lm.macs == r["macs"]
    depthwise = [lm for lm, r in zip(layers, ref) if r["depthwise"]]
    assert depthwise and all(lm.stall_cycles == 0 for lm in depthwise)
    totals = reference["totals"]
    assert abs(sum(lm.total_cycles for lm in layers) - totals["total_cycles"]) <= 1e-5 * totals["total_cycles"]


def test_a_layer_that_fits_its_scratchpads_reads_each_operand_once():
    """Hand count: 8x8x16 ifmap, 1x1 conv to 16 channels on a 4x4 array with 4 kB scratchpads and 3 words/cycle.

    Everything fits, so each read buffer fills once: ceil(words / 3) lines of 3 words; the ws array needs
    ceil(16/4) x ceil(16/4) = 16 folds of T + 2*4 + 4 - 2 = 74 cycles (64 pixels), minus one.
    """
    mem = ScaleSimMemory(4, 4, 4096, 4096, 4096, 3, "ws")
    lm = simulate_conv("pw", 8, 8, 1, 1, 16, 16, 1, mem)
    assert lm.compute_cycles == 16 * (64 + 2 * 4 + 4 - 2) - 1
    assert lm.stall_cycles == 0
    assert lm.ifmap_dram_reads == -(-8 * 8 * 16 // 3) * 3 and lm.filter_dram_reads == -(-16 * 16 // 3) * 3
    assert lm.ifmap_sram_reads == 64 * 16 * 4 and lm.ofmap_sram_writes == 64 * 16 * 4


def test_scalesim_reports_command(data_dir, tmp_path, capsys):
    cfg = write_scalesim_cfg(tmp_path / "bw10.cfg", 32, 32, "ws", bandwidth=10)
    out = tmp_path / "reports"
    assert main(["run", "--profile", str(cfg), "--workload", str(data_dir / "scalesim" / "mobilenet_v1_224.csv"),
                 "--scalesim-reports", str(out)]) == 0
    assert "SCALE-Sim USER-mode memory model: 9,551,530 cycles" in capsys.readouterr().out
    compute, bandwidth, access = (read_report(out / n) for n in
                                  ("COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"))
    assert list(compute[0]) == COMPUTE_HEADER and list(bandwidth[0]) == BANDWIDTH_HEADER
    assert list(access[0]) == ACCESS_HEADER
    assert len(compute) == len(bandwidth) == len(access) == 27
    assert compute[26]["Total Cycles"] == "3986934" and compute[26]["Stall Cycles"] == "3840503"
    assert access[26]["DRAM Filter Reads"] == "39848320"
    # a bandwidth-bound interface streams at its 10 words per cycle
    assert float(bandwidth[26]["Avg FILTER DRAM BW"]) == pytest.approx(10.0, rel=1e-3)


@pytest.mark.parametrize("cfg_args,needle", [
    (dict(bandwidth=None), "InterfaceBandwidth CALC has no DRAM limit"),
    (dict(dataflow="os", bandwidth=10), "dataflow 'os' is not modelled"),
])
def test_what_the_model_does_not_cover_is_a_one_line_error(data_dir, tmp_path, capsys, cfg_args, needle):
    cfg = write_scalesim_cfg(tmp_path / "c.cfg", 32, 32, cfg_args.get("dataflow", "ws"), bandwidth=cfg_args["bandwidth"])
    assert main(["run", "--profile", str(cfg), "--workload", str(data_dir / "scalesim" / "mobilenet_v1_224.csv"),
                 "--scalesim-reports", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err
