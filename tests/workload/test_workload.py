"""Workload IR: shapes, MACs, params, YAML and SCALE-Sim CSV import."""
import pytest

from accelsim.errors import AccelsimError
from accelsim.workload import Add, Concat, Conv2d, Dense, Pool2d, Workload, load_workload


def test_mobilenet_v1_matches_paper():
    wl = load_workload("mobilenet_v1")
    assert abs(wl.macs - 569e6) / 569e6 < 0.01      # Howard et al. 2017, Table 1: 569 M mult-adds
    assert abs(wl.params - 4.2e6) / 4.2e6 < 0.01    # 4.2 M parameters
    assert wl["conv1"].out_shape == (32, 112, 112)
    assert wl["pw13"].out_shape == (1024, 7, 7)
    assert wl["dw1"].layer.depthwise
    assert wl["fc"].out_shape == (1000, 1, 1)


def test_mobilenet_v1_knobs():
    half = load_workload("mobilenet_v1", resolution=128, width=0.5)
    assert half["conv1"].out_shape == (16, 64, 64)
    assert half.macs < load_workload("mobilenet_v1").macs / 8
    with pytest.raises(AccelsimError, match="bad option"):
        load_workload("mobilenet_v1", depth=3)


def test_shape_inference_and_counts():
    layers = [
        Conv2d(name="c1", out_channels=8, kernel=3, stride=2, padding=1, bias=True),
        Conv2d(name="dw", out_channels=8, kernel=3, padding=1, groups=8),
        Conv2d(name="c2", out_channels=8, kernel=1),
        Add(name="res", inputs=("dw", "c2")),
        Concat(name="cat", inputs=("res", "c1")),
        Pool2d(name="mp", kind="max", kernel=2),
        Pool2d(name="gap", kind="avg", global_pool=True),
        Dense(name="fc", out_features=10),
    ]
    wl = Workload("t", (3, 32, 32), layers)
    assert wl["c1"].out_shape == (8, 16, 16)
    assert wl["c1"].macs == 16 * 16 * 8 * 27 and wl["c1"].params == 8 * 27 + 8
    assert wl["dw"].macs == 16 * 16 * 8 * 9 and wl["dw"].params == 72
    assert wl["res"].elem_ops == 8 * 16 * 16
    assert wl["cat"].out_shape == (16, 16, 16)
    assert wl["mp"].out_shape == (16, 8, 8) and wl["mp"].elem_ops == 16 * 8 * 8 * 4
    assert wl["fc"].macs == 160 and wl["fc"].params == 170


def test_dilation_and_ceil_mode():
    wl = Workload("t", (1, 10, 10), [Conv2d(name="d", out_channels=1, kernel=3, dilation=2),
                                     Conv2d(name="c", out_channels=1, kernel=2, stride=2, ceil_mode=True)])
    assert wl["d"].out_shape == (1, 6, 6)
    assert wl["c"].out_shape == (1, 3, 3)


def test_graph_errors():
    with pytest.raises(AccelsimError, match="reads"):
        Workload("t", (3, 8, 8), [Conv2d(name="a", out_channels=4, kernel=1, inputs=("nope",))])
    with pytest.raises(AccelsimError, match="used twice"):
        Workload("t", (3, 8, 8), [Conv2d(name="a", out_channels=4, kernel=1), Conv2d(name="a", out_channels=4,
                                                                                     kernel=1)])
    with pytest.raises(AccelsimError, match="does not fit"):
        Workload("t", (3, 2, 2), [Conv2d(name="a", out_channels=4, kernel=5)])
    with pytest.raises(AccelsimError, match="add"):
        Workload("t", (3, 8, 8), [Conv2d(name="a", out_channels=4, kernel=1),
                                  Add(name="s", inputs=("a", "input"))])


def test_yaml_workload(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text("""
name: tiny
input: [3, 32, 32]
precision: int8
layers:
  - {name: conv1, op: conv, out_channels: 16, kernel: 3, padding: 1}
  - {name: pool1, op: pool, kind: max, kernel: 2}
  - {name: conv2, op: conv, out_channels: 16, kernel: 3, padding: 1}
  - {name: sum, op: add, inputs: [pool1, conv2]}
  - {name: fc, op: fc, out_features: 10}
""")
    wl = load_workload(path)
    assert wl.name == "tiny" and len(wl) == 5
    assert wl["fc"].macs == 16 * 16 * 16 * 10


@pytest.mark.parametrize("body,match", [
    ("input: [3, 8, 8]\nlayers:\n  - {name: a, op: warp}\n", r"layers\[0\]\.op.*'warp'.*allowed"),
    ("input: [3, 8, 8]\nlayers:\n  - {name: a, op: conv, out_channels: 4, kernal: 3}\n", "unknown field.*kernal"),
    ("input: [3, 8, 8]\nlayers:\n  - {name: a, op: conv, out_channels: x, kernel: 3}\n",
     r"layers\[0\]\.out_channels.*'x'"),
    ("input: [3, -8, 8]\nlayers:\n  - {name: a, op: conv, out_channels: 4, kernel: 3}\n", "input"),
    ("input: [3, 8, 8]\nlayers: []\n", "layers"),
    ("input: [3, 8, 8]\nlayers:\n  - {name: a, op: conv, out_channels: -4, kernel: 3}\n", "out_channels"),
])
def test_yaml_workload_errors(tmp_path, body, match):
    path = tmp_path / "w.yaml"
    path.write_text(body)
    with pytest.raises(AccelsimError, match=match) as err:
        load_workload(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_scalesim_csv(data_dir):
    wl = load_workload(data_dir / "scalesim" / "mobilenet_v1_224.csv")
    assert wl["conv1"].out_shape == (32, 112, 112)
    dw = wl["dw1_DP"]
    assert dw.layer.groups == 32 and dw.out_shape == (32, 112, 112)
    assert wl.macs == 567716352  # SCALE-Sim's own MAC total for this topology


def test_scalesim_csv_errors(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                    "Strides,\nconv1, 224, 224, 3, 3, 3,\n")
    with pytest.raises(AccelsimError, match="line 2: got 6 fields"):
        load_workload(path)
    path.write_text("h\nconv1, 224, 224, 3, x, 3, 8, 1,\n")
    with pytest.raises(AccelsimError, match="Filter Width.*'x'"):
        load_workload(path)
    path.write_text("h\nconv1, 2, 2, 3, 3, 3, 8, 1,\n")
    with pytest.raises(AccelsimError, match="larger than the ifmap"):
        load_workload(path)
    with pytest.raises(AccelsimError, match="not found"):
        load_workload(tmp_path / "missing.csv")
    with pytest.raises(AccelsimError, match="unsupported workload file type"):
        load_workload(tmp_path / "net.pb")


def test_shipped_workload_files_load():
    from accelsim.paths import REPO_ROOT
    files = sorted((REPO_ROOT / "workloads").glob("*.yaml"))
    assert files
    for path in files:
        assert load_workload(path.stem).macs > 0
