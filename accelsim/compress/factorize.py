"""Low-rank factorization: k x k convs into k x 1 + 1 x k, SVD for 1 x 1 and fully connected.

- A standard ``kh x kw`` convolution (``kh, kw > 1``) of C -> N channels
  becomes a ``kh x 1`` convolution C -> r (vertical stride and padding)
  followed by a ``1 x kw`` convolution r -> N (horizontal stride and padding):
  Jaderberg, Vedaldi & Zisserman 2014, scheme 2. MACs:
  ``E * W * r * C * kh + E * F * N * r * kw`` (W the input width, which the
  vertical convolution keeps), against ``E * F * N * C * kh * kw`` for an
  E x F output. Its rank is at most ``min(C * kh, N * kw)``.
- A 1 x 1 convolution or fully connected layer W (N x C) becomes
  ``U (N x r) V (r x C)``: two layers C -> r -> N (Denton et al. 2014), MACs
  ``E * F * r * (C + N)``; rank at most ``min(C, N)``.

The rank is given (``rank``), a fraction of the layer's full rank (``ratio``),
or the smallest rank that keeps a share ``energy`` of the squared singular
values. accelsim has shapes, not trained weights, so ``energy`` uses a model
spectrum: trained layers' eigenvalue densities have power-law tails
``p(lambda) ~ lambda^-alpha`` with alpha mostly between 2 and 4 (Martin &
Mahoney, JMLR 22(165), 2021), so the i-th largest squared singular value goes
as ``i^(-1 / (alpha - 1))``. ``alpha`` defaults to 3 (the middle of that range,
an estimate); with it, keeping 90 % of the energy needs 81 % of the rank.

A layer is factorized only where it saves MACs at that rank; others are left
alone and the lineage lists the ones changed. A rank larger than every
selected layer's full rank is an error.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from accelsim.compress.base import Transform, as_patterns, fmt_number, layers_spec, rebuilt, select_layers
from accelsim.compress.graph_edit import explicit_layers, replace_layers
from accelsim.errors import AccelsimError
from accelsim.workload.compression import DENSE
from accelsim.workload.graph import LayerInfo, Workload
from accelsim.workload.layers import Conv2d, Dense

DEFAULT_ALPHA = 3.0


def spectral_rank(full_rank: int, energy: float, alpha: float = DEFAULT_ALPHA) -> int:
    """Smallest r whose top-r squared singular values hold ``energy`` of the model spectrum."""
    lam = np.arange(1, full_rank + 1, dtype=np.float64) ** (-1.0 / (alpha - 1.0))
    share = np.cumsum(lam) / lam.sum()
    return int(np.searchsorted(share, energy - 1e-12) + 1)


def full_rank(info: LayerInfo) -> int:
    """Largest useful rank of the layer's factorization."""
    layer, c = info.layer, info.in_shapes[0][0]
    if isinstance(layer, Dense):
        return min(math.prod(info.in_shapes[0]), layer.out_features)
    kh, kw = layer.kernel
    if kh > 1 and kw > 1:
        return min(c * kh, layer.out_channels * kw)
    return min(c * kh * kw, layer.out_channels)


def factorized_macs(info: LayerInfo, rank: int) -> int:
    """MACs of the layer factorized at ``rank`` (the closed forms of the module doc)."""
    layer = info.layer
    if isinstance(layer, Dense):
        return rank * (math.prod(info.in_shapes[0]) + layer.out_features)
    c, _, w = info.in_shapes[0]
    n, e, f = info.out_shape
    kh, kw = layer.kernel
    if kh > 1 and kw > 1:
        return e * w * rank * c * kh + e * f * n * rank * kw
    return e * f * rank * (c * kh * kw + n)


def _eligible(info: LayerInfo) -> bool:
    layer = info.layer
    return isinstance(layer, Dense) or (isinstance(layer, Conv2d) and layer.groups == 1)


@dataclass(frozen=True)
class Factorize(Transform):
    name: ClassVar[str] = "factorize"
    rank: int | None = None
    ratio: float | None = None
    energy: float | None = None
    alpha: float = DEFAULT_ALPHA
    layers: tuple[str, ...] | None = None

    def __post_init__(self):
        given = [k for k in ("rank", "ratio", "energy") if getattr(self, k) is not None]
        if len(given) != 1:
            raise AccelsimError("factorize: give exactly one of rank:R, ratio:FRACTION or energy:FRACTION; "
                                f"got {', '.join(given) or 'none'}")
        if self.rank is not None and (not isinstance(self.rank, int) or self.rank < 1):
            raise AccelsimError(f"factorize: rank: got {self.rank!r}; must be an integer >= 1")
        for key in ("ratio", "energy"):
            v = getattr(self, key)
            if v is not None and not (isinstance(v, (int, float)) and 0.0 < v <= 1.0):
                raise AccelsimError(f"factorize: {key}: got {v!r}; must be a fraction in (0, 1]")
        if not (isinstance(self.alpha, (int, float)) and self.alpha > 1.0):
            raise AccelsimError(f"factorize: alpha: got {self.alpha!r}; the spectrum exponent must be > 1")

    def rank_for(self, info: LayerInfo) -> int:
        full = full_rank(info)
        if self.rank is not None:
            return self.rank
        if self.ratio is not None:
            return max(1, math.ceil(self.ratio * full))
        return spectral_rank(full, self.energy, self.alpha)

    def rewrite(self, wl: Workload):
        chosen = select_layers(wl, self.layers, _eligible)
        if self.rank is not None and chosen:
            largest = max(chosen, key=full_rank)
            if self.rank > full_rank(largest):
                raise AccelsimError(f"rank: got {self.rank}; larger than every layer it would factorize "
                                    f"(largest full rank {full_rank(largest)}, layer {largest.name!r})")
        replacements, changed = {}, []
        for info in chosen:
            r = self.rank_for(info)
            if r > full_rank(info) or factorized_macs(info, r) >= info.macs:
                continue
            replacements[info.name] = _factor_layers(info, r)
            changed.append(info.name)
        layers = replace_layers(explicit_layers(wl), replacements)
        kept = len(chosen) - len(changed)
        note = f"{kept} selected layers kept (no MAC saving at their rank)" if kept else ""
        return rebuilt(wl, layers), changed, note

    def spec(self) -> str:
        if self.rank is not None:
            head = f"factorize=rank:{self.rank}"
        elif self.ratio is not None:
            head = f"factorize=ratio:{fmt_number(self.ratio)}"
        else:
            head = f"factorize=energy:{fmt_number(self.energy)}"
            if self.alpha != DEFAULT_ALPHA:
                head += f",alpha:{fmt_number(self.alpha)}"
        return head + layers_spec(self.layers)


def _carry(layer, base):
    """Formats carry over to the factors; sparsity and hashing belonged to the replaced weights."""
    comp = layer.compression
    keep = None if comp is None else replace(DENSE, weight_format=comp.weight_format, act_format=comp.act_format)
    return replace(base, precision=layer.precision, compression=None if keep == DENSE else keep)


def _factor_layers(info: LayerInfo, r: int) -> list:
    layer, name = info.layer, info.name
    if isinstance(layer, Dense):
        a = Dense(name=f"{name}.a", inputs=layer.inputs, out_features=r, bias=False)
        b = Dense(name=f"{name}.b", inputs=(a.name,), out_features=layer.out_features, bias=layer.bias)
        return [_carry(layer, a), _carry(layer, b)]
    kh, kw = layer.kernel
    sh, sw = layer.stride
    dh, dw = layer.dilation
    pt, pl, pb, pr = layer.padding
    common = dict(ceil_mode=layer.ceil_mode)
    if kh > 1 and kw > 1:
        v = Conv2d(name=f"{name}.v", inputs=layer.inputs, out_channels=r, kernel=(kh, 1), stride=(sh, 1),
                   padding=(pt, 0, pb, 0), dilation=(dh, 1), bias=False, **common)
        h = Conv2d(name=f"{name}.h", inputs=(v.name,), out_channels=layer.out_channels, kernel=(1, kw),
                   stride=(1, sw), padding=(0, pl, 0, pr), dilation=(1, dw), bias=layer.bias, **common)
        return [_carry(layer, v), _carry(layer, h)]
    a = replace(layer, name=f"{name}.a", out_channels=r, bias=False, compression=None)
    b = Conv2d(name=f"{name}.b", inputs=(a.name,), out_channels=layer.out_channels, kernel=1, bias=layer.bias)
    return [_carry(layer, a), _carry(layer, b)]


def factorize(rank: int | None = None, *, ratio: float | None = None, energy: float | None = None,
              alpha: float = DEFAULT_ALPHA, layers: str | list[str] | None = None) -> Factorize:
    """Low-rank factorization by ``rank``, ``ratio`` of full rank or kept ``energy``; see the module doc."""
    return Factorize(rank=rank, ratio=ratio, energy=energy, alpha=alpha, layers=as_patterns(layers))
