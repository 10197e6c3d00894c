"""Reports that explain: time budget, bound, op-class rooflines, readable charts at 300 layers, SoC and compressed runs."""
import re

import pytest

import accelsim
from accelsim.cli import main
from accelsim.hardware import load_profile
from accelsim.report import write_report
from accelsim.report.breakdown import layer_breakdowns
from accelsim.report.explain import time_budget
from accelsim.report.plots import MAX_LAYER_BARS, latency_figure, roofline_figure
from accelsim.report.roofline import roofline


def _layer(name, op_class, compute, stall, ms, overhead=None):
    d = {"name": name, "op": "conv", "op_class": op_class, "unit": "npu", "compute_cycles": compute,
         "stall_cycles": stall, "total_cycles": compute + stall, "latency_ms": ms, "energy_mj": 1.0}
    if overhead is not None:
        d["overhead_cycles"] = overhead
    return d


def test_time_budget_hand_worked():
    result = {"layers": [_layer("a", "depthwise", 100, 300, 4.0),           # 1 ms compute, 3 ms memory
                         _layer("b", "pointwise", 300, 100, 2.0, overhead=50),  # 1.5 compute, .25 memory, .25 ovh
                         _layer("c", "depthwise", 50, 0, 1.0)]}
    b = time_budget(result, top=2)
    assert b.total_ms == pytest.approx(7.0)
    a, bb, c = b.layers
    assert a.ms == pytest.approx({"compute": 1.0, "memory": 3.0, "overhead": 0.0}) and a.bound == "memory"
    assert bb.ms == pytest.approx({"compute": 1.5, "memory": 0.25, "overhead": 0.25}) and bb.bound == "compute"
    assert [g.key for g in b.by_op_class] == ["depthwise", "pointwise"]
    dw = b.by_op_class[0]
    assert (dw.layers, dw.latency_ms, dw.share) == (2, pytest.approx(5.0), pytest.approx(5 / 7))
    assert dw.ms == pytest.approx({"compute": 2.0, "memory": 3.0, "overhead": 0.0})
    assert [x.name for x in b.top] == ["a", "b"]
    assert b.sentence().startswith("depthwise layers take 71% of the time (5.000 ms, mostly memory)")


def test_report_explains_where_the_time_goes(tmp_path):
    r = accelsim.simulate("snapdragon855", "mobilenet_v2")
    files = write_report(r, tmp_path / "rep")
    page = files.index_html.read_text()
    assert "Where the time goes" in page and "By op class" in page and "The 10 slowest layers" in page
    slowest = sorted(r.layers, key=lambda x: -x.latency_ms)[:10]
    top_rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td>", page)
    assert [name for _, name in top_rows[:10]] == [x.name for x in slowest]
    for cls in ("depthwise", "pointwise"):
        assert f"<td>{cls}</td>" in page
    assert "<th>bound</th>" in page


def test_roofline_colours_op_classes_and_numbers_the_slowest_layers():
    r = accelsim.simulate("snapdragon855", "mobilenet_v2").to_dict()
    rf = roofline(r, load_profile("snapdragon855"), "dsp")
    fig = roofline_figure(rf)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("depthwise (") for t in legend) and any(t.startswith("pointwise (") for t in legend)
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == len(legend)                      # one colour per class
    slowest = sorted(rf.points, key=lambda p: -p.latency_ms)[:5]
    box = next(t.get_text() for t in ax.texts if t.get_text().startswith("slowest layers"))
    assert all(f"{i + 1}  {p.layer} " in box for i, p in enumerate(slowest))


def test_charts_stay_readable_at_300_layers():
    prof = load_profile("snapdragon855")
    one = accelsim.simulate(prof, "mobilenet_v1").to_dict()
    layers = [dict(x, name=f"{x['name']}_{k}") for k in range(11) for x in one["layers"]][:300]
    rows = layer_breakdowns(dict(one, layers=layers), prof)
    fig = latency_figure(rows)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 41 and labels[-1] == "other (260 layers)"
    assert min(t.get_fontsize() for t in ax.get_yticklabels()) >= 8
    height_px = fig.get_figheight() * fig.dpi
    assert height_px / len(labels) >= 18                   # at least 18 px per bar, whatever the layer count
    kept = {lab for lab in labels[:-1]}
    biggest = sorted(rows, key=lambda r: -(r.compute_ms + r.stall_ms))[:40]
    assert kept == {r.name for r in biggest}
    bars = sum(p.get_width() for p in ax.patches)
    assert bars == pytest.approx(sum(r.compute_ms + r.overhead_ms + r.stall_ms for r in rows))   # nothing lost
    assert len(rows) > MAX_LAYER_BARS


def test_unit_auto_report_has_mapping_units_copies_and_nonzero_totals(tmp_path):
    r = accelsim.simulate("snapdragon855", "mobilenet_v2", unit="auto")
    assert len(r.unit_ms()) >= 2
    page = write_report(r, tmp_path / "soc").index_html.read_text()
    assert "total cycles" not in page and "utilization</td><td class=\"num\">0.0%" not in page
    for h in ("Mapping", "Units", f"Copies between units ({len(r.copies)})"):
        assert f"<h2>{h}</h2>" in page
    for unit, ms in r.unit_ms().items():
        assert re.search(rf"<td>{unit}</td><td class=\"num\">\d+</td><td class=\"num\">{ms:.4f}</td>", page)
        assert f"Roofline: {unit}" in page


def test_compressed_report_has_the_before_after_table(tmp_path):
    r = accelsim.simulate("generic_npu", "mobilenet_v1", compress="prune=0.5")
    page = write_report(r, tmp_path / "c").index_html.read_text()
    assert "Compression: before and after" in page
    before, after = r.compression.before, r.compression.after
    assert f"{before.nonzero_params:,}" in page and f"{after.nonzero_params:,}" in page
    assert f"{after.nonzero_params / before.nonzero_params:.3f}x" in page


def test_run_report_takes_unit_auto_and_checks_every_output_before_simulating(tmp_path, capsys):
    args = ["run", "--profile", "snapdragon855", "--workload", "tiny_cnn", "--unit", "auto", "--fidelity", "event"]
    bad = args + ["--report", str(tmp_path / "r"), "--gantt", str(tmp_path / "missing" / "g.png")]
    assert main(bad) == 2
    err = capsys.readouterr()
    assert "--gantt" in err.err and "does not exist" in err.err and err.out == ""   # nothing simulated
    assert not (tmp_path / "r").exists()
    (tmp_path / "file").write_text("x")
    assert main(args + ["--report", str(tmp_path / "file")]) == 2
    assert "--report" in capsys.readouterr().err
    ok = args + ["--report", str(tmp_path / "r"), "--gantt", str(tmp_path / "g.png"), "--trace",
                 str(tmp_path / "t.json"), "--json", str(tmp_path / "r.json")]
    assert main(ok) == 0
    for f in ("r/index.html", "g.png", "t.json", "r.json"):
        assert (tmp_path / f).stat().st_size > 0, f


def test_report_of_a_scalesim_cfg_result_needs_no_cfg(tmp_path, monkeypatch):
    """Issue 12: `report` of a result from a custom profile failed with "profile 'scale' not found"."""
    from tests.helpers import write_scalesim_cfg

    cfg = write_scalesim_cfg(tmp_path / "scale.cfg", 16, 16, "ws")
    out = tmp_path / "r.json"
    assert main(["run", "--profile", str(cfg), "--workload", "tiny_cnn", "--json", str(out)]) == 0
    cfg.unlink()
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(out), "--out", str(tmp_path / "rep")]) == 0
    assert "scale" in (tmp_path / "rep" / "index.html").read_text()
