"""New layer types: shapes, MACs, params and element operations against hand-computed values."""
import pytest

from accelsim.cost import cost_layer
from accelsim.cost.gemm import gemm_of
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.workload import (LAYER_TYPES, Activation, AdaptivePool2d, ChannelShuffle, ChannelSlice, Concat, Conv2d,
                               ConvLSTMCell, Eltwise, LSTMCell, NonMaxSuppression, Pad, Reshape, Softmax, Upsample,
                               Workload, load_workload)


def test_lstm_cell_counts_and_gemm():
    # input 256 features, 128 hidden: gates [x, h] (384) x 512
    wl = Workload("t", (256, 1, 1), [LSTMCell(name="lstm", hidden_size=128, steps=3)])
    info = wl["lstm"]
    assert info.out_shape == (128, 1, 1)
    assert info.macs == 3 * 4 * 128 * (256 + 128)
    assert info.params == 4 * 128 * (256 + 128) + 8 * 128          # W, R and PyTorch's two biases
    assert info.elem_ops == 3 * 30 * 128                              # 30 ops per hidden unit and step
    g = gemm_of(info)
    assert (g.groups, g.m, g.n, g.kw) == (3, 1, 512, 384) and g.macs == info.macs


def test_lstm_over_a_feature_map_flattens_it():
    wl = Workload("t", (8, 4, 4), [LSTMCell(name="l", hidden_size=10, bias=False)])
    assert wl["l"].macs == 4 * 10 * (128 + 10) and wl["l"].params == 4 * 10 * 138


def test_convlstm_cell_counts_and_gemm():
    wl = Workload("t", (16, 20, 30), [ConvLSTMCell(name="cl", hidden_channels=32, kernel=3)])
    info = wl["cl"]
    assert info.out_shape == (32, 20, 30)
    window = 3 * 3 * (16 + 32)
    assert info.macs == 20 * 30 * 4 * 32 * window
    assert info.params == 4 * 32 * window + 4 * 32
    assert info.elem_ops == 30 * 32 * 20 * 30
    g = gemm_of(info)
    assert (g.groups, g.m, g.n, g.kw) == (1, 600, 128, window) and g.macs == info.macs
    with pytest.raises(AccelsimError, match="kernel"):
        ConvLSTMCell(name="x", hidden_channels=4, kernel=2)
    with pytest.raises(AccelsimError, match="hidden_channels"):
        ConvLSTMCell(name="x", hidden_channels=0)


def test_recurrent_cells_are_priced_as_gemms_on_the_array():
    prof = load_profile("generic_npu")
    unit = prof.unit(None)
    wl = Workload("t", (64, 16, 16), [ConvLSTMCell(name="cl", hidden_channels=64),
                                      Reshape(name="flat", shape=(64 * 256, 1, 1)),
                                      LSTMCell(name="lstm", hidden_size=256)])
    for name in ("cl", "lstm"):
        cost = cost_layer(wl[name], unit)
        assert cost.macs == wl[name].macs and cost.compute_cycles * cost.peak_macs_per_cycle >= cost.macs


def test_upsample_and_pad():
    wl = Workload("t", (8, 13, 13), [Upsample(name="up", scale=2), Upsample(name="bi", size=(30, 40), mode="bilinear"),
                                     Pad(name="p", padding=(1, 2, 3, 4))])
    assert wl["up"].out_shape == (8, 26, 26) and wl["up"].elem_ops == 0 and wl["up"].macs == 0
    assert wl["bi"].out_shape == (8, 30, 40) and wl["bi"].elem_ops == 7 * 8 * 30 * 40
    assert wl["p"].out_shape == (8, 34, 46)
    with pytest.raises(AccelsimError, match="mode"):
        Upsample(name="u", mode="cubic")


def test_channel_slice_shuffle_reshape():
    wl = Workload("t", (116, 28, 28), [ChannelSlice(name="a", start=0, stop=58, inputs=("input",)),
                                       ChannelSlice(name="b", start=58, stop=116, inputs=("input",)),
                                       Concat(name="cat", inputs=("a", "b")),
                                       ChannelShuffle(name="sh", groups=2),
                                       Reshape(name="r", shape=(116 * 28, 28, 1), copy=True)])
    assert wl["a"].out_shape == (58, 28, 28) and wl["sh"].out_shape == (116, 28, 28)
    assert all(wl[n].macs == 0 and wl[n].elem_ops == 0 for n in ("a", "sh", "r"))
    assert wl["r"].out_shape == (3248, 28, 1)
    with pytest.raises(AccelsimError, match="outside"):
        Workload("t", (4, 2, 2), [ChannelSlice(name="a", start=2, stop=6)])
    with pytest.raises(AccelsimError, match="divide"):
        Workload("t", (6, 2, 2), [ChannelShuffle(name="s", groups=4)])
    with pytest.raises(AccelsimError, match="elements"):
        Workload("t", (6, 2, 2), [Reshape(name="s", shape=(5, 5, 1))])


def test_views_cost_nothing_copies_cost_traffic():
    unit = load_profile("generic_npu").unit(None)
    wl = Workload("t", (64, 16, 16), [ChannelSlice(name="v", stop=32), ChannelShuffle(name="s", groups=2)])
    view, copy = cost_layer(wl["v"], unit), cost_layer(wl["s"], unit)
    assert view.dram_bytes == 0 and view.compute_cycles == 0
    assert copy.dram_bytes == 2 * 32 * 16 * 16   # int8: read and write every element once


def test_activations_eltwise_softmax():
    wl = Workload("t", (4, 5, 6), [Activation(name="r", kind="relu"), Activation(name="hs", kind="hardswish"),
                                   Conv2d(name="se", out_channels=4, kernel=5, padding=0, inputs=("input",)),
                                   AdaptivePool2d(name="gp", output_size=1),
                                   Eltwise(name="m", kind="mul", inputs=("hs", "gp")), Softmax(name="sm")])
    assert wl["r"].elem_ops == 120 and wl["hs"].elem_ops == 5 * 120
    assert wl["m"].out_shape == (4, 5, 6) and wl["m"].elem_ops == 120
    assert wl["sm"].elem_ops == 5 * 120
    with pytest.raises(AccelsimError, match="broadcast"):
        Workload("t", (4, 5, 6), [Conv2d(name="c", out_channels=3, kernel=1), Eltwise(name="m", inputs=("c", "input"))])
    with pytest.raises(AccelsimError, match="kind"):
        Activation(name="a", kind="swoosh")


def test_adaptive_pool_windows_match_pytorch():
    # PyTorch: 13 -> 6, window i is [floor(i*13/6), ceil((i+1)*13/6)): [0,3) [2,5) [4,7) [6,9) [8,11) [10,13)
    wl = Workload("t", (2, 13, 13), [AdaptivePool2d(name="ap", output_size=6)])
    assert wl["ap"].out_shape == (2, 6, 6)
    assert wl["ap"].elem_ops == 2 * 18 * 18


def test_nms_counts_and_cpu_only():
    # 1917 SSD boxes, 91 classes, top_k 100, 100 detections
    wl = Workload("t", {"boxes": (1917, 4, 1), "scores": (1917, 91, 1)},
                  [NonMaxSuppression(name="nms", inputs=("boxes", "scores"))])
    info = wl["nms"]
    k = 100
    want = 1917 * 18 + 1917 * 91 + 91 * k * 7 + 91 * (k * (k - 1) // 2) * 13 + 91 * k * 7
    assert info.elem_ops == want and info.macs == 0 and info.out_shape == (100, 6, 1)
    assert NonMaxSuppression.cpu_only and info.layer.cpu_only
    assert not getattr(Conv2d, "cpu_only", False)
    # a YOLO-style single input: 4 box values + 21 scores per row, fewer rows than top_k
    one = Workload("t", (50, 25, 1), [NonMaxSuppression(name="n")])["n"]
    assert one.elem_ops == 50 * 18 + 50 * 21 + 21 * 50 * 6 + 21 * (50 * 49 // 2) * 13 + 21 * 50 * 7
    with pytest.raises(AccelsimError, match="boxes"):
        Workload("t", {"b": (10, 5, 1), "s": (10, 3, 1)}, [NonMaxSuppression(name="n", inputs=("b", "s"))])


def test_new_layers_in_yaml(tmp_path):
    for op in ("lstm", "convlstm", "upsample", "nms", "shuffle", "slice", "reshape", "act", "eltwise", "softmax",
               "pad", "adaptive_pool"):
        assert op in LAYER_TYPES
    path = tmp_path / "tracker.yaml"
    path.write_text("""
name: tracker
input: [3, 64, 64]
layers:
  - {name: conv1, op: conv, out_channels: 16, kernel: 3, stride: 2, padding: 1}
  - {name: relu1, op: act, kind: relu}
  - {name: clstm, op: convlstm, hidden_channels: 16, kernel: 3}
  - {name: up, op: upsample, scale: 2}
  - {name: gap, op: adaptive_pool, output_size: 4}
  - {name: lstm, op: lstm, hidden_size: 32}
""")
    wl = load_workload(path)
    assert wl["up"].out_shape == (16, 64, 64)
    assert wl["clstm"].macs == 32 * 32 * 64 * 9 * 32
    assert wl["lstm"].macs == 4 * 32 * (256 + 32)
