"""SCALE-Sim GEMM topologies (Layer, M, N, K) and `accelsim run --resolution / --width`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim.cli import main
from accelsim.cost.gemm import gemm_of
from accelsim.errors import AccelsimError
from accelsim.workload import load_workload

MODELS = Path(__file__).resolve().parents[2] / "workloads" / "ncnn"


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_gemm_csv_rows_are_products_of_m_n_k(tmp_path):
    path = _write(tmp_path, "gemms.csv", "Layer, M, N, K,\nqkv, 197, 576, 192,\nfc, 1, 1000, 1024,\n")
    wl = load_workload(path)
    assert [i.name for i in wl] == ["qkv", "fc"]
    assert wl.macs == 197 * 576 * 192 + 1 * 1000 * 1024
    g = gemm_of(wl["qkv"])
    assert (g.groups, g.m, g.n, g.kw) == (1, 197, 576, 192)


def test_gemm_rows_cost_what_scalesims_conv_equivalent_costs(tmp_path):
    """SCALE-Sim runs a GEMM row as the conv row [name, M, K, 1, K, 1, N, 1] (topology_utils.load_arrays_gemm)."""
    import accelsim
    gemm = _write(tmp_path, "g.csv", "Layer, M, N, K,\nL0, 100, 48, 70,\nL1, 7, 300, 33,\n")
    conv = _write(tmp_path, "c.csv", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                                     "Num Filter, Strides,\nL0, 100, 70, 1, 70, 1, 48, 1,\nL1, 7, 33, 1, 33, 1, 300, 1,\n")
    for df in ("os", "ws", "is"):
        a = accelsim.simulate("generic_npu", load_workload(gemm), dataflow=df)
        b = accelsim.simulate("generic_npu", load_workload(conv), dataflow=df)
        assert [lr.compute_cycles for lr in a.layers] == [lr.compute_cycles for lr in b.layers]
        assert a.total_cycles == b.total_cycles and a.macs == b.macs


@pytest.mark.parametrize("text, match", [
    ("Layer, M, N, K,\nx, 0, 4, 4,\n", "line 2: M: got '0'"),
    ("Layer, M, N, K,\nx, 4, four, 4,\n", "line 2: N: got 'four'"),
    ("Layer, M, N, K,\nx, 4, 4\n", "line 2: got 3 fields"),
    ("Layer, M, N, K,\n", "no layers"),
])
def test_gemm_csv_errors(tmp_path, text, match):
    with pytest.raises(AccelsimError, match=match) as e:
        load_workload(_write(tmp_path, "bad.csv", text))
    assert "\n" not in str(e.value)


def test_resolution_and_width_flags_match_the_published_mobilenet_table(tmp_path):
    """Howard et al. 2017, Table 7: 0.50 MobileNet-160 has 76 M mult-adds and 1.32 M parameters."""
    out = tmp_path / "r.json"
    assert main(["run", "--workload", "mobilenet_v1", "--resolution", "160", "--width", "0.5", "--unit", "cpu",
                 "--json", str(out)]) == 0
    assert json.loads(out.read_text())["macs"] == pytest.approx(76e6, rel=0.02)
    wl = load_workload("mobilenet_v1", resolution=160, width=0.5)
    assert wl.params == pytest.approx(1.32e6, rel=0.02)


def test_resolution_on_an_ncnn_model(tmp_path):
    out = tmp_path / "r.json"
    assert main(["run", "--workload", str(MODELS / "mobilenet.param"), "--resolution", "160", "--unit", "cpu",
                 "--json", str(out)]) == 0
    assert json.loads(out.read_text())["macs"] == pytest.approx(569e6 * (160 / 224) ** 2, rel=0.02)


@pytest.mark.parametrize("argv, match", [
    (["--workload", "alexnet", "--width", "0.5"], "--width: workload 'alexnet' has no width option"),
    (["--workload", "mobilenet_v1", "--resolution", "0"], "--resolution: got '0'"),
    (["--workload", "mobilenet_v1", "--width", "nan"], "--width: got 'nan'"),
    (["--workload", "tiny_cnn", "--resolution", "64"], "apply to zoo networks"),
    (["--workload", str(MODELS / "mobilenet.param"), "--width", "0.5"], "fixed channel counts"),
])
def test_bad_size_flags_are_one_line_errors(argv, match, capsys):
    assert main(["run", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
