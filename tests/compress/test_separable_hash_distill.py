"""Depthwise separable convs (1/N + 1/9), HashedNets and distillation students."""
from fractions import Fraction

import pytest

from accelsim.compress import distill, hash_weights, separable
from accelsim.errors import AccelsimError
from accelsim.workload import Conv2d, Workload, load_workload
from accelsim.workload.zoo.mobilenet_v1 import mobilenet_v1


@pytest.mark.parametrize("c,n,stride", [(32, 64, 1), (128, 128, 2), (512, 512, 1)])
def test_separable_3x3_costs_1_over_n_plus_1_over_9(c, n, stride):
    wl = Workload("t", (c, 28, 28), [Conv2d(name="conv", out_channels=n, kernel=3, stride=stride, padding=1)])
    sep = separable()(wl)
    assert [i.name for i in sep] == ["conv.dw", "conv.pw"]
    assert Fraction(sep.macs, wl.macs) == Fraction(1, n) + Fraction(1, 9)
    assert sep["conv.pw"].out_shape == wl[0].out_shape


def test_separable_vgg16_every_converted_layer():
    vgg = load_workload("vgg16")
    sep = separable()(vgg)
    converted = sep.lineage[0].layers
    assert len(converted) == 12                         # all 3 x 3 convs but the RGB one
    for name in converted:
        n = vgg[name].out_shape[0]
        pair = sep[f"{name}.dw"].macs + sep[f"{name}.pw"].macs
        assert Fraction(pair, vgg[name].macs) == Fraction(1, n) + Fraction(1, 9)


def test_hashing_shrinks_storage_not_compute():
    wl = load_workload("alexnet")
    hashed = hash_weights(1 / 8, layers="fc*")(wl)
    assert hashed.macs == hashed.effective_macs == wl.macs
    fc6 = hashed["fc6"]
    assert fc6.compression.hash_buckets == 37748736 // 8 and fc6.weight_bytes == 37748736 // 8
    assert hashed["conv1"].weight_bytes == wl["conv1"].weight_bytes
    assert hashed.model_bytes < 0.3 * wl.model_bytes
    with pytest.raises(AccelsimError, match="ratio: got 2"):
        hash_weights(2)
    with pytest.raises(AccelsimError, match="not fewer than the weights"):
        hash_weights(buckets=10**9)(wl)


def test_distill_width_and_resolution_match_mobilenet_multipliers():
    teacher = load_workload("mobilenet_v1")
    for width, res in ((0.5, 224), (1.0, 160), (0.75, 192)):
        student = distill(width=width, resolution=res)(teacher)
        zoo = mobilenet_v1(resolution=res, width=width)      # MobileNet's own width / resolution multipliers
        assert student.macs == zoo.macs and student.params == zoo.params
        assert student["fc"].out_shape[0] == 1000


def test_distill_depth_drops_repeated_blocks():
    teacher = load_workload("mobilenet_v1")
    student = distill(depth=0.5)(teacher)
    names = [i.name for i in student]
    # the five 512-channel blocks (dw7/pw7 .. dw11/pw11) become three
    assert {"dw10", "pw10", "dw11", "pw11"}.isdisjoint(names) and "pw9" in names
    assert len(student) == len(teacher) - 4
    resnet = distill(depth=0.5)(load_workload("resnet18"))
    assert resnet.macs < load_workload("resnet18").macs


def test_bad_distill():
    with pytest.raises(AccelsimError, match="width: got 1.5"):
        distill(width=1.5)
    with pytest.raises(AccelsimError, match="does not fit|must be"):
        distill(resolution=8)(load_workload("alexnet"))
