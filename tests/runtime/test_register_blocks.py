"""ncnn GEMM register-block slots (leftover rows run latency-bound kernels) and the pre-2023 Winograd plane rule."""
from __future__ import annotations

import pytest

from accelsim.hardware import load_profile
from accelsim.runtime import load_runtime
from accelsim.runtime.algorithms import gemm_slot_ratio, register_block_slots, winograd_priced_macs
from accelsim.runtime.cost import runtime_terms
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2d


def _kernel_loop_slots(n, lanes):
    """The dot loops of ncnn's conv3x3s1_winograd64_pack8to1_fp16sa_neon walked one block at a time: full
    lanes-wide blocks, then 4-wide blocks, then single rows (one accumulator: as long as a full block)."""
    cost, i = 0, 0
    while i + lanes - 1 < n:
        cost, i = cost + lanes, i + lanes
    while i + 3 < n:
        cost, i = cost + 4, i + 4
    while i < n:
        cost, i = cost + lanes, i + 1
    return cost


@pytest.mark.parametrize("lanes", [4, 8])
def test_slots_match_the_kernel_loops(lanes):
    for n in range(1, 300):
        assert register_block_slots(n, lanes) == _kernel_loop_slots(n, lanes)
        assert register_block_slots(n, lanes) >= n


def test_slots_hand_counts():
    # squeezenet_ssd heads: 126 outputs in fp16 = 15 blocks of 8 (120) + one 4-block + 2 singles x 8
    assert register_block_slots(126, 8) == 120 + 4 + 16
    assert register_block_slots(126, 4) == 124 + 8
    assert register_block_slots(84, 8) == 80 + 4
    assert register_block_slots(512, 8) == 512          # wide layers: no loss
    assert register_block_slots(1, 8) == 8              # a 1x1 plane: one tile costs a block
    assert gemm_slot_ratio(64, 3136, 4) == 1.0


def test_winograd_priced_macs_hand_count():
    # fire9_mbox_conf: 512 -> 126 channels, 18x18, F(4,3): 5 x 5 = 25 tiles of 6 x 6
    assert winograd_priced_macs("winograd_f43", 512, 126, 18, 18, 8) == 36 * 512 * (120 + 4 + 16) * (24 + 8)
    assert winograd_priced_macs("winograd_f43", 512, 128, 16, 16, 8) == 36 * 512 * 128 * 16   # no leftovers


def _gemm_cycles(runtime, c_in, c_out, hw, soc="snapdragon855"):
    prof = load_profile(soc, calibrated=False)
    unit = prof.unit("cpu")
    wl = Workload("one", (c_in, hw, hw), [Conv2d(name="c", out_channels=c_out, kernel=3, padding=1)],
                  precision="fp32")
    rt = runtime if not isinstance(runtime, str) else load_runtime(runtime)
    t, algo, detail = runtime_terms(next(iter(wl)), unit, rt, memories=prof.unit_memories(unit), threads=1)
    return t.gemm_cycles, algo, detail["fmt"]


def test_ncnn_narrow_layer_costs_more_per_channel():
    """On an fp16 core (Cortex-A76) 126 output channels cost more than 128 with the slots, less without."""
    c126, algo, fmt = _gemm_cycles("ncnn", 512, 126, 16)
    c128, _, _ = _gemm_cycles("ncnn", 512, 128, 16)
    assert algo == "winograd_f43" and fmt == "fp16"
    assert c126 > c128
    plain = load_runtime("ncnn").model_copy(update={"neon_register_blocks": False, "name": "ncnn-plain"})
    p126, _, _ = _gemm_cycles(plain, 512, 126, 16)
    p128, _, _ = _gemm_cycles(plain, 512, 128, 16)
    assert p126 < p128
    assert c128 == pytest.approx(p128)                  # no leftovers: unchanged


@pytest.mark.parametrize("runtime,hw,expected", [
    ("ncnn-2021", 28, "winograd_f63"),   # padded width 30: not in the F(4,3) set, F(6,3) whatever the channels
    ("ncnn-2021", 14, "winograd_f43"),   # padded 16 (15-18)
    ("ncnn-2021", 7, "winograd_f43"),    # padded 9 (<= 10)
    ("ncnn-2021", 20, "winograd_f43"),   # padded 22
    ("ncnn-2021", 21, "winograd_f63"),   # padded 23
    ("ncnn", 28, "winograd_f43"),        # the 2023 rule: F(6,3) only up to 128 channels
])
def test_winograd_plane_rule(runtime, hw, expected):
    """convolution_arm.cpp before 2023: winograd42 when w <= 10 || (15 <= w <= 18) || w == 21 || w == 22 (and
    the same for h), w the padded input width (output + 2 for a padded 3x3 s1 conv)."""
    assert _gemm_cycles(runtime, 256, 256, hw)[1] == expected
