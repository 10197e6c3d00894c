"""Storage accounting of compressed layers: formats, sparse indices, hashing, scales and biases."""
import math

import pytest

from accelsim.errors import AccelsimError
from accelsim.workload import Conv2d, Dense, Workload, load_workload
from accelsim.workload.compression import Compression, sparse_storage_bits, weight_storage_bits


def _fc(compression=None, precision="fp32", bias=False):
    return Workload("t", (100, 1, 1), [Dense(name="fc", out_features=40, bias=bias, compression=compression)],
                    precision=precision)[0]


def test_binary_weights_take_one_32nd_of_fp32_in_binarized_layers():
    from accelsim.compress import quantize
    fp32 = load_workload("alexnet").with_precision("fp32")
    binary = quantize("binary")(fp32)
    binarized = [i for i in binary if i.weight_params and i.weight_format == "binary"]
    assert [i.name for i in binarized] == ["conv2", "conv3", "conv4", "conv5", "fc6", "fc7"]  # first/last kept
    for before, after in zip((fp32[i.name] for i in binarized), binarized):
        assert before.weight_bytes == 4 * before.weight_params
        assert after.weight_bytes * 32 == before.weight_bytes   # every weight count here is a multiple of 8
    assert binary["conv1"].weight_bytes == fp32["conv1"].weight_bytes


def test_sparse_formats_by_hand():
    # 40 x 100 weights, 1000 nonzeros (75 % sparse), int8
    sizes = sparse_storage_bits(4000, 1000, 8, 40, "auto", nm=None)
    assert sizes["dense"] == 32000
    assert sizes["bitmap"] == 4000 + 8000
    assert sizes["csr"] == 1000 * (8 + 7) + 41 * 10      # 7-bit column index (100 cols), 10-bit row pointers
    c = Compression(sparsity=0.75, structure="unstructured", sparse_format="auto")
    assert weight_storage_bits(4000, 8, 40, c) == min(sizes.values()) == 12000
    nm = Compression(sparsity=0.5, structure="nm", nm=(2, 4), sparse_format="nm")
    assert weight_storage_bits(4000, 8, 40, nm) == 2000 * (8 + 2)   # NVIDIA's 2-bit index per kept weight


def test_index_overhead_makes_mild_sparsity_not_pay():
    mild = _fc(Compression(sparsity=0.05, structure="unstructured", sparse_format="csr"), precision="int8")
    dense = _fc(precision="int8")
    assert mild.weight_bytes > dense.weight_bytes               # CSR of 95 % nonzeros is larger than dense
    auto = _fc(Compression(sparsity=0.05, structure="unstructured"), precision="int8")
    assert auto.weight_bytes == dense.weight_bytes              # so "auto" keeps it dense
    assert mild.nonzero_params == 3800 and mild.params == 4000


def test_hashed_storage_and_work():
    info = _fc(Compression(hash_buckets=500, hash_ops_per_weight=6))
    assert info.weight_bytes == 500 * 4
    assert info.nonzero_params == 500
    assert info.effective_macs == info.macs == 4000


def test_integer_formats_store_int32_bias_and_channel_scales():
    f = _fc(precision="fp32", bias=True)
    i8 = _fc(precision="int8", bias=True)
    assert f.model_bytes == 4 * f.params
    assert i8.model_bytes == 4000 + 40 * 4 + 40 * 4


def test_effective_macs_and_bit_ops():
    info = _fc(Compression(weight_format="int4", act_format="int8", sparsity=0.5, structure="unstructured"))
    assert info.effective_macs == 2000
    assert info.bit_ops == 2000 * 4 * 8


@pytest.mark.parametrize("kwargs,needle", [
    ({"sparsity": 1.5}, "sparsity: got 1.5"),
    ({"weight_format": "int3"}, "weight_format: got 'int3'"),
    ({"structure": "blocky"}, "structure"),
    ({"nm": (4, 2), "structure": "nm"}, "0 < N < M"),
    ({"hash_buckets": 0}, "hash_buckets"),
])
def test_bad_compression_is_one_line_error(kwargs, needle):
    with pytest.raises(AccelsimError) as err:
        Compression(**kwargs)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_yaml_workload_can_carry_compression(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("name: w\ninput: [8, 8, 8]\nlayers:\n"
                    "  - {name: c, op: conv, out_channels: 16, kernel: 3, padding: 1,\n"
                    "     compression: {weight_format: int4, sparsity: 0.5, structure: unstructured}}\n")
    info = load_workload(str(path))[0]
    assert info.weight_format == "int4" and info.nonzero_weights == 16 * 8 * 9 // 2
    assert info.weight_bytes == math.ceil(min(1152 * 4, 1152 + 576 * 4,
                                              576 * (4 + 7) + 17 * 10) / 8)


def test_uncompressed_layers_unchanged():
    wl = Workload("t", (3, 8, 8), [Conv2d(name="c", out_channels=4, kernel=3)])
    info = wl[0]
    assert info.compression == Compression() and info.weight_format == info.act_format == "int8"
    assert info.nonzero_params == info.params and info.effective_macs == info.macs
    assert "compression" not in info.to_dict()
