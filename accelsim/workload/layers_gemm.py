"""Matrix-product layers of transformers: a token-wise linear layer, a batched product of two
activations and a whole multi-head attention block.

Tensors keep accelsim's (C, H, W) view; a layer names the view axis that holds
its features. Each layer reports ``op_class = "fc"`` (priced like fully
connected layers) and ``gemm_dims`` (groups, M, N, K) for array models.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layer_checks import positive
from accelsim.workload.layers import Layer, Shape, register_layer


@register_layer
@dataclass(frozen=True, kw_only=True)
class Linear(Layer):
    """``y = x W (+ b)`` applied to every token: the view axis ``axis`` (0, 1 or 2) holds the
    ``in_features`` and becomes ``out_features``; the other axes are tokens."""

    op: ClassVar[str] = "linear"
    op_class: ClassVar[str] = "fc"
    out_features: int
    axis: int = 1
    bias: bool = True

    def __post_init__(self):
        positive(self, "out_features")
        if self.axis not in (0, 1, 2):
            raise AccelsimError(f"layer {self.name!r}: axis: got {self.axis!r}; allowed: 0, 1, 2")

    def out_shape(self, ins: list[Shape]) -> Shape:
        out = list(self._one_input(ins))
        out[self.axis] = self.out_features
        return tuple(out)  # type: ignore[return-value]

    def macs(self, ins: list[Shape], out: Shape) -> int:
        return math.prod(ins[0]) * self.out_features

    def params(self, ins: list[Shape]) -> int:
        return ins[0][self.axis] * self.out_features + self.bias_params(ins)

    def bias_params(self, ins: list[Shape]) -> int:
        return self.out_features if self.bias else 0

    def gemm_dims(self, ins: list[Shape], out: Shape) -> tuple[int, int, int, int]:
        k = ins[0][self.axis]
        return (1, math.prod(ins[0]) // k, self.out_features, k)


@register_layer
@dataclass(frozen=True, kw_only=True)
class MatMul(Layer):
    """``batch`` products of two activations, (M x K) by (K x N) (attention scores, attention times values).

    The second input may hold one matrix shared by every batch. The output is
    ``shape`` (the importer's view of the M x N result).
    """

    op: ClassVar[str] = "matmul"
    op_class: ClassVar[str] = "fc"
    batch: int = 1
    m: int
    k: int
    n: int
    shape: tuple[int, int, int]

    def __post_init__(self):
        positive(self, "batch", "m", "k", "n")

    def out_shape(self, ins: list[Shape]) -> Shape:
        if len(ins) != 2:
            raise AccelsimError(f"layer {self.name!r} (matmul): takes 2 inputs, got {len(ins)}")
        a, b = (math.prod(s) for s in ins)
        shape = tuple(int(x) for x in self.shape)
        if a != self.batch * self.m * self.k or b not in (self.batch * self.k * self.n, self.k * self.n) or \
                len(shape) != 3 or math.prod(shape) != self.batch * self.m * self.n:
            raise AccelsimError(f"layer {self.name!r} (matmul): inputs {[list(s) for s in ins]} and shape "
                                f"{list(shape)} do not fit {self.batch} x ({self.m} x {self.k}) @ ({self.k} x "
                                f"{self.n})")
        return shape  # type: ignore[return-value]

    def macs(self, ins: list[Shape], out: Shape) -> int:
        return self.batch * self.m * self.k * self.n

    def gemm_dims(self, ins: list[Shape], out: Shape) -> tuple[int, int, int, int]:
        return (self.batch, self.m, self.n, self.k)


@register_layer
@dataclass(frozen=True, kw_only=True)
class Attention(Layer):
    """Multi-head attention (ncnn ``MultiHeadAttention``, PyTorch ``nn.MultiheadAttention``) as one layer.

    Inputs: queries (S_q tokens of ``embed_dim``), optionally keys and values
    (S_k tokens of ``kdim`` / ``vdim``); the view axis 1 holds the features.
    MACs: the four projections (S_q*E*E twice, S_k*kdim*E, S_k*vdim*E) plus
    scores and weighted sum (2 * S_q*S_k*E); element operations: softmax (5)
    and scaling (1) of the ``heads`` x S_q x S_k scores. Parameters: four
    weight matrices and four biases of E.
    """

    op: ClassVar[str] = "attention"
    op_class: ClassVar[str] = "fc"
    embed_dim: int
    heads: int = 1
    kdim: int | None = None
    vdim: int | None = None

    def __post_init__(self):
        positive(self, "embed_dim", "heads")
        if self.embed_dim % self.heads:
            raise AccelsimError(f"layer {self.name!r}: embed_dim {self.embed_dim} is not a multiple of heads "
                                f"{self.heads}")

    def _dims(self, ins: list[Shape]) -> tuple[int, int, int, int]:
        if not 1 <= len(ins) <= 3:
            raise AccelsimError(f"layer {self.name!r} (attention): takes 1 to 3 inputs, got {len(ins)}")
        q, k, v = ins[0], ins[min(1, len(ins) - 1)], ins[len(ins) - 1]   # self-attention: q = k = v
        kdim, vdim = self.kdim or self.embed_dim, self.vdim or self.embed_dim
        if q[1] != self.embed_dim or k[1] != kdim or v[1] != vdim or k[0] != v[0]:
            raise AccelsimError(f"layer {self.name!r} (attention): inputs {[list(s) for s in ins]} do not hold "
                                f"tokens of {self.embed_dim} / {kdim} / {vdim} features on axis 1")
        return math.prod(q) // q[1], math.prod(k) // k[1], kdim, vdim

    def out_shape(self, ins: list[Shape]) -> Shape:
        self._dims(ins)
        return ins[0]

    def macs(self, ins: list[Shape], out: Shape) -> int:
        sq, sk, kdim, vdim = self._dims(ins)
        e = self.embed_dim
        return 2 * sq * e * e + sk * (kdim + vdim) * e + 2 * sq * sk * e

    def params(self, ins: list[Shape]) -> int:
        _, _, kdim, vdim = self._dims(ins)
        e = self.embed_dim
        return 2 * e * e + (kdim + vdim) * e + 4 * e

    def bias_params(self, ins: list[Shape]) -> int:
        return 4 * self.embed_dim

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        sq, sk, _, _ = self._dims(ins)
        return 6 * self.heads * sq * sk

    def gemm_dims(self, ins: list[Shape], out: Shape) -> tuple[int, int, int, int]:
        """One GEMM of the same MACs: M = S_q tokens, N = E, K = MACs / (S_q * E) rounded up."""
        sq = self._dims(ins)[0]
        return (1, sq, self.embed_dim, -(-self.macs(ins, out) // (sq * self.embed_dim)))


__all__ = ["Attention", "Linear", "MatMul"]
