"""Per-layer compression attributes and what they cost in storage.

A :class:`Compression` rides on a layer (``Layer.compression``) so that every
later stage sees it: the weight and activation formats, the sparsity of the
weights with its structure and storage format, and HashedNets buckets. The
transforms in ``accelsim.compress`` set it; YAML workloads may set it too.

Storage accounting (``weight_storage_bits``), per layer, for ``n`` weights of
which ``nnz`` are nonzero, ``b`` bits each, seen as a ``rows x cols`` matrix
(rows = output channels, cols = weights per output channel):

==========  ==============================================================
format      bits
==========  ==============================================================
dense       ``n * b`` (zeros stored)
bitmap      ``n`` (one presence bit per weight) ``+ nnz * b``
csr         ``nnz * (b + ceil(log2 cols)) + (rows + 1) * ceil(log2(nnz + 1))``
            (column index per nonzero, one row pointer per row)
nm          ``nnz * (b + ceil(log2 M))`` (N:M: a position index in its group
            of M per kept weight, as NVIDIA's 2:4 metadata: 2 bits)
hashed      ``K * b`` (K buckets; the hash function needs no index)
==========  ==============================================================

``auto`` picks the smallest of dense, bitmap and csr (and nm for N:M sparsity).
Integer weight formats also store, per output channel, one fp32 scale and an
int32 bias (TFLite's per-channel quantization); float formats store biases in
their own format and no scales.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PRECISION_BITS

FLOAT_FORMATS = ("fp32", "fp16", "bf16")
SPARSE_FORMATS = ("auto", "dense", "bitmap", "csr", "nm")
STRUCTURES = ("dense", "unstructured", "nm")
SCALE_BITS = 32          # per-output-channel fp32 scale of integer formats
INT_BIAS_BITS = 32       # int32 bias of integer formats


def is_float(fmt: str) -> bool:
    return fmt in FLOAT_FORMATS


def format_bits(fmt: str) -> int:
    return PRECISION_BITS[fmt]


def check_format(fmt: object, where: str) -> str:
    """``fmt`` if it is a known numeric format, else a one-line error."""
    if fmt not in PRECISION_BITS:
        raise AccelsimError(f"{where}: got {fmt!r}; allowed formats: {', '.join(PRECISION_BITS)}")
    return str(fmt)


def wider_format(a: str, b: str) -> str:
    """The format a MAC of ``a`` by ``b`` runs in: the one with more bits (float wins a tie)."""
    key_a, key_b = (format_bits(a), is_float(a)), (format_bits(b), is_float(b))
    return a if key_a >= key_b else b


@dataclass(frozen=True)
class Compression:
    """How one layer is compressed. ``None`` formats mean "the layer's precision"."""

    weight_format: str | None = None
    act_format: str | None = None
    sparsity: float = 0.0                 # fraction of the weights that are zero
    structure: str = "dense"              # dense, unstructured or nm
    nm: tuple[int, int] | None = None     # (N kept, of every M) when structure == "nm"
    sparse_format: str = "auto"           # storage of sparse weights (see module doc)
    hash_buckets: int | None = None       # HashedNets: distinct weights actually stored
    hash_ops_per_weight: int = 0          # element ops to reconstruct one virtual weight

    def __post_init__(self):
        for key in ("weight_format", "act_format"):
            value = getattr(self, key)
            if value is not None:
                check_format(value, f"compression.{key}")
        if not 0.0 <= self.sparsity < 1.0:
            raise AccelsimError(f"compression.sparsity: got {self.sparsity!r}; must be in [0, 1)")
        if self.structure not in STRUCTURES:
            raise AccelsimError(f"compression.structure: got {self.structure!r}; allowed: {', '.join(STRUCTURES)}")
        if self.sparse_format not in SPARSE_FORMATS:
            raise AccelsimError(f"compression.sparse_format: got {self.sparse_format!r}; "
                                f"allowed: {', '.join(SPARSE_FORMATS)}")
        if self.nm is not None:
            object.__setattr__(self, "nm", tuple(int(x) for x in self.nm))
            n, m = self.nm
            if not 0 < n < m:
                raise AccelsimError(f"compression.nm: got {n}:{m}; need 0 < N < M")
        if self.structure == "nm" and self.nm is None:
            raise AccelsimError("compression.nm: structure 'nm' needs nm: [N, M]")
        if self.hash_buckets is not None and self.hash_buckets < 1:
            raise AccelsimError(f"compression.hash_buckets: got {self.hash_buckets!r}; must be >= 1")

    @property
    def density(self) -> float:
        return 1.0 - self.sparsity

    @property
    def is_identity(self) -> bool:
        return self == Compression()


DENSE = Compression()


def _index_bits(count: int) -> int:
    return max(1, math.ceil(math.log2(max(count, 2))))


def sparse_storage_bits(n: int, nnz: int, bits: int, rows: int, fmt: str, nm: tuple[int, int] | None = None
                        ) -> dict[str, int]:
    """Storage in bits of ``nnz`` nonzeros of ``n`` weights in each applicable format."""
    cols = max(1, n // max(1, rows))
    sizes = {
        "dense": n * bits,
        "bitmap": n + nnz * bits,
        "csr": nnz * (bits + _index_bits(cols)) + (rows + 1) * _index_bits(nnz + 1),
    }
    if nm is not None:
        sizes["nm"] = nnz * (bits + _index_bits(nm[1]))
    return sizes


def weight_storage_bits(n: int, bits: int, rows: int, c: Compression) -> int:
    """Bits that hold ``n`` weights of ``bits`` bits (``rows`` output channels) under ``c``."""
    if n == 0:
        return 0
    if c.hash_buckets is not None:
        return min(c.hash_buckets, n) * bits
    if c.sparsity == 0.0:
        return n * bits
    nnz = nonzero_count(n, c)
    sizes = sparse_storage_bits(n, nnz, bits, rows, c.sparse_format, c.nm if c.structure == "nm" else None)
    if c.sparse_format == "auto":
        return min(sizes.values())
    if c.sparse_format not in sizes:
        raise AccelsimError(f"compression.sparse_format: 'nm' needs N:M sparsity; this layer is {c.structure}")
    return sizes[c.sparse_format]


def nonzero_count(n: int, c: Compression) -> int:
    """Nonzero weights of ``n`` after ``c`` (HashedNets: the distinct values stored)."""
    if c.hash_buckets is not None:
        return min(c.hash_buckets, round(n * c.density))
    return round(n * c.density)


def aux_storage_bits(out_channels: int, bias_params: int, weight_format: str) -> int:
    """Biases and per-channel scales beside the weights (see module doc)."""
    if is_float(weight_format):
        return bias_params * format_bits(weight_format)
    return bias_params * INT_BIAS_BITS + out_channels * SCALE_BITS


__all__ = ["Compression", "DENSE", "FLOAT_FORMATS", "SPARSE_FORMATS", "aux_storage_bits", "check_format",
           "format_bits", "is_float", "nonzero_count", "sparse_storage_bits", "weight_storage_bits", "wider_format"]
