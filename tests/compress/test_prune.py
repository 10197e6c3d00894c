"""Pruning: Han et al.'s AlexNet arithmetic, N:M, and channel pruning that shrinks the next layer."""
import pytest

from accelsim.compress import prune
from accelsim.errors import AccelsimError
from accelsim.workload import Conv2d, Dense, Pool2d, Workload, load_workload


def test_alexnet_to_11_percent_nonzeros_leaves_6_7_m_of_61_m():
    """Han et al. 2015 (Deep Compression, Table 1): AlexNet 61 M -> 6.7 M weights, 9x."""
    alexnet = load_workload("alexnet")
    pruned = prune(0.89)(alexnet)
    assert pruned.params == alexnet.params and abs(alexnet.params - 61.1e6) < 0.05e6
    assert 6.6e6 < pruned.nonzero_params < 6.8e6
    assert 8.8 < alexnet.params / pruned.nonzero_params < 9.2
    assert pruned.macs == alexnet.macs and pruned.effective_macs < 0.12 * alexnet.macs
    # stored sparse, the index overhead keeps the file above 11 % of the dense int8 one
    assert 0.11 * alexnet.model_bytes < pruned.model_bytes < 0.3 * alexnet.model_bytes


def test_nm_sparsity_keeps_n_of_m():
    wl = Workload("t", (64, 8, 8), [Conv2d(name="c", out_channels=32, kernel=3, padding=1)])
    info = prune("2:4")(wl)[0]
    assert info.compression.structure == "nm" and info.nonzero_weights == 32 * 64 * 9 // 2
    assert info.weight_bytes == 32 * 64 * 9 // 2 * (8 + 2) // 8   # auto picks the 2-bit N:M index


def test_sparsity_composes_as_the_larger():
    wl = load_workload("mobilenet_v1")
    twice = (prune(0.5) | prune(0.8))(wl)
    assert twice.nonzero_params == prune(0.8)(wl).nonzero_params
    assert [s.transform for s in twice.lineage] == ["prune", "prune"]


def test_layers_selects_by_glob():
    wl = load_workload("alexnet")
    pruned = prune(0.9, layers="fc*")(wl)
    assert pruned["conv1"].compression.sparsity == 0 and pruned["fc7"].compression.sparsity == 0.9
    assert pruned.lineage[-1].layers == ("fc6", "fc7", "fc8")
    with pytest.raises(AccelsimError, match="pattern 'fc9' matches no layer"):
        prune(0.9, layers="fc9")(wl)


def test_channel_pruning_shrinks_the_next_layer():
    wl = Workload("t", (3, 16, 16), [
        Conv2d(name="c1", out_channels=32, kernel=3, padding=1),
        Conv2d(name="dw", out_channels=32, kernel=3, padding=1, groups=32),
        Conv2d(name="c2", out_channels=64, kernel=1),
        Pool2d(name="gap", kind="avg", global_pool=True),
        Dense(name="fc", out_features=10)])
    small = prune(channels=0.5)(wl)
    assert small["c1"].out_shape[0] == 16
    assert small["dw"].layer.groups == 16 and small["dw"].out_shape[0] == 16   # depthwise follows
    assert small["c2"].in_shapes[0][0] == 16 and small["c2"].out_shape[0] == 32
    assert small["fc"].in_shapes[0][0] == 32 and small["fc"].out_shape[0] == 10  # the output keeps its classes
    # MACs by hand: c1 16*16*16*3*9, dw 16*16*16*9, c2 16*16*32*16, fc 32*10
    assert small.macs == 256 * 16 * 27 + 256 * 16 * 9 + 256 * 32 * 16 + 320


def test_alexnet_channel_pruning():
    small = prune(channels=0.5)(load_workload("alexnet"))
    assert small["conv2"].in_shapes[0][0] == 32 and small["fc7"].in_shapes[0][0] == 2048
    assert small["fc8"].out_shape[0] == 1000


def test_channel_pruning_leaves_residual_paths_alone():
    resnet = load_workload("resnet18")
    small = prune(channels=0.5)(resnet)
    # an inner conv of a basic block shrinks; the one feeding the residual add cannot
    assert small["layer1.0.conv1"].out_shape[0] == 32
    assert small["layer1.0.conv2"].out_shape[0] == 64 and small["layer1.0.conv2"].in_shapes[0][0] == 32
    assert small.macs < resnet.macs and small["fc"].out_shape[0] == 1000


@pytest.mark.parametrize("kwargs,needle", [
    ({"sparsity": 1.5}, "sparsity: got 1.5"),
    ({"sparsity": -0.1}, "sparsity: got -0.1"),
    ({"sparsity": "5:4"}, "0 < N < M"),
    ({"channels": 1.0}, "channels: got 1.0"),
    ({"sparsity": 0.5, "format": "coo"}, "format: got 'coo'"),
    ({}, "exactly one"),
])
def test_bad_prune_arguments(kwargs, needle):
    with pytest.raises(AccelsimError) as err:
        prune(**kwargs)
    assert needle in str(err.value)
