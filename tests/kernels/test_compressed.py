"""Compressed tensor bytes (Eyeriss RLE, NVDLA bitmap) against hand counts and a plain encoder."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.hardware.schema import CompressedMemory
from accelsim.kernels.compressed import compressed_bytes, rle_pairs


def encode_rle(values, run_bits=5):
    """Eyeriss run-length coding written out: emit (run, value) pairs element by element."""
    cap = 2 ** run_bits - 1
    pairs, run = [], 0
    for v in values:
        if v == 0 and run < cap:
            run += 1
            continue
        pairs.append((run, v))         # a nonzero value, or a zero that ends a full run
        run = 0
    if run:
        pairs.append((run - 1, 0))     # trailing zeros: the last one is the pair's value
    return pairs


def test_hand_worked_rle_and_bitmap():
    x = np.array([0, 0, 3, 0, 5] + [0] * 40 + [7], np.int8)     # 46 elements, 3 nonzeros
    # pairs: (2, 3), (1, 5), then 40 zeros before 7: (31, 0) covers 32, (8, 7) -> 4 pairs
    assert rle_pairs(x) == 4 == len(encode_rle(x))
    assert compressed_bytes(x, "rle", 8) == -(-4 * 13 // 8)          # 4 x (5 + 8) bits = 52 -> 7 bytes
    assert compressed_bytes(x, "bitmap", 8) == -(-(46 + 3 * 8) // 8)   # 70 bits -> 9 bytes
    assert rle_pairs(np.zeros(64, np.int8)) == 2                       # two pairs of 32 zeros


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 300), density=st.floats(0.0, 1.0), run_bits=st.integers(1, 6), seed=st.integers(0, 2**31))
def test_rle_pairs_match_a_plain_encoder(n, density, run_bits, seed):
    rng = np.random.default_rng(seed)
    x = (rng.integers(1, 100, n) * (rng.random(n) < density)).astype(np.int8)
    assert rle_pairs(x, run_bits) == len(encode_rle(list(x), run_bits))


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 200), seed=st.integers(0, 2**31))
def test_more_zeros_never_store_more(n, seed):
    """Zeroing more elements never grows either format."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 100, n).astype(np.int8)
    y = x.copy()
    y[rng.random(n) < 0.5] = 0
    for fmt in ("rle", "bitmap"):
        assert compressed_bytes(y, fmt, 8) <= compressed_bytes(x, fmt, 8)


def test_unknown_format_is_an_error():
    with pytest.raises(AccelsimError, match="compressed format"):
        compressed_bytes(np.zeros(4, np.int8), "huffman", 8)


def _npu(cm):
    p = load_profile("generic_npu")
    return p.model_copy(update={"units": [p.unit().model_copy(update={"compressed_memory": cm})]})


def test_pruned_weights_cut_measured_dram_bytes():
    """Bitmap-compressed weights on 80%-pruned layers read fewer DRAM bytes than the same run stored dense;
    each measured layer's JSON carries the stored bytes beside the analytical estimate."""
    comp = accelsim.simulate(_npu(CompressedMemory(format="bitmap", operands="weights")), "tiny_cnn",
                             fidelity="cycle", compress="prune=0.8")
    plain = accelsim.simulate(_npu(None), "tiny_cnn", fidelity="cycle", compress="prune=0.8")
    c, p = ({lr.name: lr for lr in r.layers} for r in (comp, plain))
    mem = c["conv3"].cycle_detail["memory"]
    assert mem["weight_stored_bytes"] < mem["weight_dense_bytes"] and "analytical" in c["conv3"].cycle_detail
    assert c["conv3"].dram_read_bytes <= p["conv3"].dram_read_bytes
    assert sum(lr.dram_bytes for lr in comp.layers) < sum(lr.dram_bytes for lr in plain.layers)


def test_dense_random_int8_does_not_shrink():
    r = accelsim.simulate(_npu(CompressedMemory(format="rle", operands="both")), "tiny_cnn", fidelity="cycle")
    plain = accelsim.simulate(_npu(None), "tiny_cnn", fidelity="cycle")
    assert [lr.dram_bytes for lr in r.layers] == [lr.dram_bytes for lr in plain.layers]
