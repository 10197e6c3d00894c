"""Report files: PNGs, a self-contained index.html, energy and latency breakdowns, CLI entry points."""
import base64
import json
import re

import pytest
from matplotlib.image import imread

import accelsim
from accelsim.cli import main
from accelsim.hardware import load_profile
from accelsim.report import write_report
from accelsim.report.breakdown import ENERGY_PARTS, layer_breakdowns


def _profile(**dram):
    p = load_profile("generic_npu")
    unit = p.unit("npu").model_copy(update={"static_power_mw": 150.0})
    return p.model_copy(update={"units": [unit], "dram": p.dram.model_copy(update=dram)})


def test_report_files_and_self_contained_html(tmp_path):
    files = write_report(accelsim.simulate(), tmp_path / "rep")     # snapdragon855: its default unit is the DSP
    names = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert names == ["energy.png", "index.html", "latency.png", "roofline_dsp.png", "rooflines.json", "time_budget.png",
                     "utilization.png"]
    for png in files.pngs.values():
        img = imread(png)
        assert img.shape[0] > 300 and img.shape[1] > 500
    page = files.index_html.read_text()
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', page)
    assert len(images) == len(files.pngs) == 5
    assert base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"
    # nothing fetched from the network: no external sources, links, scripts or stylesheets
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<script" not in page and "<link" not in page
    for needle in ("mobilenet_v1", "snapdragon855", "int8 compute ceiling",
                   "dsp_l2 bandwidth slope", "lpddr4x bandwidth slope", "pw13", "avgpool (pool: no MACs)"):
        assert needle in page
    assert "int8 vector ceiling" not in page   # HVX: one int8 rate, no separate vector ceiling
    assert files.above_roof == []
    rooflines = json.loads((tmp_path / "rep" / "rooflines.json").read_text())
    # four HVX units x 128 int8 MACs per cycle x 1 GHz x 2 ops
    assert rooflines["dsp"]["ceilings"][0] == {"precision": "int8", "peak_gops": 1024.0, "via": ""}


def test_report_of_a_compressed_run_on_a_gpu(tmp_path):
    result = accelsim.simulate("jetson_nano", "mobilenet_v2", unit="gpu", precision="fp16", compress="prune=0.5")
    files = write_report(result, tmp_path / "g")
    assert (tmp_path / "g" / "roofline_gpu.png").is_file() and files.above_roof == []
    assert "gpu_l2 bandwidth slope" in files.index_html.read_text()


def test_breakdown_parts_sum_to_the_layer_totals():
    prof = _profile(bandwidth_gbps=8.0)
    result = accelsim.simulate(prof, fidelity="event").to_dict()
    rows = layer_breakdowns(result, prof)
    for row, layer in zip(rows, result["layers"]):
        assert sum(row.energy_mj[p] for p in ENERGY_PARTS) == pytest.approx(layer["energy_mj"], rel=1e-12)
        assert row.compute_ms + row.overhead_ms + row.stall_ms == pytest.approx(layer["latency_ms"], rel=1e-12)
        assert all(v >= 0 for v in row.energy_mj.values())
        # LPDDR4X (accelsim/hardware/dram.py): 4.8 * 0.82 = 3.936 pJ/bit read, 1.1x that written
        assert row.energy_mj["dram"] == pytest.approx(
            (layer["dram_read_bytes"] * 3.936 * 8 + layer["dram_write_bytes"] * 3.936 * 8 * 1.1) * 1e-9)
        # unit leakage + DRAM background: 34.1 GB/s of LPDDR4X-4266 is 4 x16 channels at 35 mW each
        # (generic_npu has no SoC always-on figure)
        assert row.energy_mj["static"] == pytest.approx((150.0 + 4 * 35.0) * layer["latency_ms"] * 1e-3)
    assert any(r.stall_ms > 0 for r in rows)


def test_a_profile_that_does_not_match_is_refused_or_flagged(tmp_path):
    full = accelsim.simulate(_profile(bandwidth_gbps=200.0)).to_dict()
    assert not write_report(full, tmp_path / "r0").above_roof   # the embedded profile is the one it ran on
    result = {k: v for k, v in full.items() if k != "inputs"}  # a result without it: the named profile is used
    # the default generic_npu has 34.1 GB/s: layers that ran at 200 GB/s land above its DRAM roof
    files = write_report(result, tmp_path / "r")
    assert files.above_roof
    assert "above the roof" in files.index_html.read_text()
    bad = dict(result, layers=[dict(result["layers"][0], unit="gpu")])
    with pytest.raises(accelsim.AccelsimError, match="unit 'gpu' is not in profile"):
        write_report(bad, tmp_path / "r2")


def test_cli_run_report_and_report_command(tmp_path, capsys):
    out_json = tmp_path / "r.json"
    assert main(["run", "--workload", "tiny_cnn", "--json", str(out_json), "--report", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a" / "index.html").is_file()
    assert main(["report", str(out_json), "--out", str(tmp_path / "b")]) == 0
    assert "wrote 5 plots" in capsys.readouterr().out
    assert (tmp_path / "b" / "roofline_dsp.png").is_file()


@pytest.mark.parametrize("content,needle", [
    ("{not json", "not valid JSON"),
    ('{"profile": "generic_npu"}', "workload: missing"),
    ('{"profile": "generic_npu", "workload": "w", "fidelity": "analytical", "latency_ms": 1, "energy_mj": 1, '
     '"layers": [{"name": "x"}]}', "layers[0].op: missing"),
    ('{"profile": "nochip", "workload": "w", "fidelity": "analytical", "latency_ms": 1, "energy_mj": 1, '
     '"layers": [{"name": "x", "op": "conv", "unit": "npu", "precision": "int8", "macs": 1, "compute_cycles": 1, '
     '"total_cycles": 1, "latency_ms": 1, "energy_mj": 1, "dram_bytes": 1, "utilization": 0.1}]}',
     "profile 'nochip' not found"),
])
def test_bad_result_files_are_one_line_errors(tmp_path, capsys, content, needle):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["report", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and err.startswith("accelsim: error:")
