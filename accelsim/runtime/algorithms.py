"""Convolution algorithms and their real arithmetic: direct, im2col + GEMM, Winograd F(m, 3).

Winograd F(m x m, 3 x 3) (Lavin & Gray, CVPR 2016) computes each m x m output
tile of one (input channel, output channel) pair with a = m + 2 squared
element-wise multiplications instead of 9 m^2: the layer becomes a^2 batched
GEMMs of (tiles x C_in) by (C_in x C_out). Its extra work is the transforms,
counted here from the transform matrices themselves: the input transform
B^T d B of an a x a tile costs 2 a nnz(B^T) operations per input channel and
tile, the output transform A^T M A costs (a + m) nnz(A^T) per output channel
and tile; the kernel transform is done once at load time (ncnn, TVM) and
costs nothing per inference. Its memory cost: the transformed input and
output (a^2 values per tile) are what the GEMMs read and write.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# non-zeros of B^T (a x a) and A^T (m x a) of the standard Winograd matrices (Lavin & Gray 2016, wincnn;
# ncnn's src/layer/arm/convolution_3x3_winograd.h uses the same points 0, +-1, +-2, +-1/2, (F(6,3)) +-1/4.. )
WINOGRAD = {"winograd_f23": (2, 8, 6), "winograd_f43": (4, 22, 18), "winograd_f63": (6, 44, 38)}


@dataclass(frozen=True)
class AlgorithmWork:
    """What one convolution costs under an algorithm."""

    gemm_macs: int            # multiply-accumulates at the GEMM (matrix) rate
    vector_ops: int           # transform / packing work at the vector rate
    ifmap_elems: int          # elements the GEMM reads (transformed or im2col-expanded input)
    ofmap_elems: int          # elements the GEMM writes (transformed output before the output transform)


def winograd_tiles(out_h: int, out_w: int, m: int) -> int:
    return math.ceil(out_h / m) * math.ceil(out_w / m)


def winograd_work(algorithm: str, c_in: int, c_out: int, out_h: int, out_w: int) -> AlgorithmWork:
    """Work of a 3x3 stride-1 convolution (groups 1) with Winograd F(m, 3)."""
    m, nnz_bt, nnz_at = WINOGRAD[algorithm]
    a = m + 2
    tiles = winograd_tiles(out_h, out_w, m)
    gemm = tiles * a * a * c_in * c_out
    vector = tiles * c_in * 2 * a * nnz_bt + tiles * c_out * (a + m) * nnz_at
    return AlgorithmWork(gemm, vector, tiles * a * a * c_in, tiles * a * a * c_out)


def register_block_slots(n: int, lanes: int) -> int:
    """GEMM rows (output channels or Winograd tiles) as ncnn's NEON Winograd kernels spend them: whole
    ``lanes``-wide groups (8 fp16 / 4 fp32 lanes of a 128-bit register) cost their size, a leftover group of 4
    runs a 4-wide kernel and costs 4, and each leftover single row runs a one-accumulator kernel whose chain of
    dependent FMAs (latency-bound, not throughput-bound) takes as long as a whole group.

    Source: ncnn src/layer/arm/convolution_3x3_pack8to1_fp16s.h, conv3x3s1_winograd64_pack8to1_fp16sa_neon:
    the dot loops take 8 output channels x 8 / 4 / 1 tiles; the 1-tile kernel and the kernel of each output
    channel left over (``outch`` not a multiple of 8) accumulate into one register (``v30``), 8 FMAs per step
    in one dependency chain. Charging a leftover 4-group as a whole fp16 group (the ``.4h`` kernel) was
    measured and fitted worse (benchmarks/results/lono_ruled_out.md)."""
    return lanes * (n // lanes) + 4 * ((n % lanes) // 4) + lanes * (n % 4)


def winograd_priced_macs(algorithm: str, c_in: int, c_out: int, out_h: int, out_w: int, lanes: int) -> int:
    """Winograd GEMM MACs with output channels and tiles counted in register-block slots
    (:func:`register_block_slots`): what the GEMM costs at the kernel's full-block rate."""
    m = WINOGRAD[algorithm][0]
    a = m + 2
    tiles = winograd_tiles(out_h, out_w, m)
    return a * a * c_in * register_block_slots(c_out, lanes) * register_block_slots(tiles, lanes)


def gemm_slot_ratio(m_rows: int, n_cols: int, lanes: int) -> float:
    """Register-block slots over useful rows x columns of an (m_rows x K) by (K x n_cols) GEMM (>= 1)."""
    return register_block_slots(m_rows, lanes) * register_block_slots(n_cols, lanes) / (m_rows * n_cols)


def im2col_work(macs: int, c_in_per_group: int, kh: int, kw: int, out_elems_per_channel: int, groups: int,
                ifmap_elems: int, ofmap_elems: int) -> AlgorithmWork:
    """im2col + GEMM: the same MACs; the input is expanded to K*K*C_in columns per output pixel (one copy each)."""
    cols = kh * kw * c_in_per_group * groups * out_elems_per_channel
    return AlgorithmWork(macs, cols, max(ifmap_elems, cols), ofmap_elems)


def direct_work(macs: int, ifmap_elems: int, ofmap_elems: int) -> AlgorithmWork:
    return AlgorithmWork(macs, 0, ifmap_elems, ofmap_elems)
