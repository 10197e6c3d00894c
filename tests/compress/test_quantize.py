"""Quantization: formats per layer, first/last layers, overrides, compute format."""
import pytest

from accelsim.compress import quantize
from accelsim.errors import AccelsimError
from accelsim.workload import load_workload


def test_int8_quantizes_every_layer():
    wl = quantize("int8")(load_workload("mobilenet_v1").with_precision("fp32"))
    assert {i.precision for i in wl} == {"int8"}
    assert {i.weight_format for i in wl if i.weight_params} == {"int8"}


def test_binary_keeps_first_and_last_layers_as_the_papers_do():
    fp32 = load_workload("alexnet").with_precision("fp32")
    wl = quantize("binary")(fp32)
    assert wl["conv1"].precision == wl["fc8"].precision == "fp32"
    assert wl["conv1"].compression.is_identity
    assert wl["conv3"].weight_format == wl["conv3"].act_format == wl["conv3"].precision == "binary"
    assert wl["conv3"].bit_ops == wl["conv3"].macs             # 1 x 1 bit per MAC
    assert "first/last" in wl.lineage[0].note
    edges = quantize("binary", edges="int8")(fp32)
    assert edges["conv1"].precision == "int8"
    same = quantize("binary", edges="same")(fp32)
    assert same["fc8"].weight_format == "binary"


def test_binary_weights_with_int8_activations_compute_in_int8():
    wl = quantize("binary", "int8")(load_workload("alexnet"))
    info = wl["conv3"]
    assert (info.weight_format, info.act_format, info.precision) == ("binary", "int8", "int8")


def test_overrides_win():
    wl = quantize("int4", overrides={"fc*": "int8", "conv2": "fp16"})(load_workload("alexnet"))
    assert wl["fc6"].weight_format == "int8" and wl["conv2"].precision == "fp16"
    assert wl["conv3"].weight_format == "int4"
    with pytest.raises(AccelsimError, match="@nope"):
        quantize("int4", overrides={"nope": "int8"})(load_workload("alexnet"))


@pytest.mark.parametrize("args,needle", [
    (("int3",), "weight format: got 'int3'"),
    (("int8", "float8"), "activation format"),
])
def test_unknown_format(args, needle):
    with pytest.raises(AccelsimError) as err:
        quantize(*args)
    assert needle in str(err.value) and "allowed formats" in str(err.value)
