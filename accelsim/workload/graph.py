"""A workload: layers in topological order, with shapes, MACs and parameters inferred."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PRECISION_BITS
from accelsim.workload.compression import (DENSE, Compression, aux_storage_bits, format_bits, nonzero_count,
                                           weight_storage_bits)
from accelsim.limits import shown
from accelsim.workload.layers import Layer, Shape
from accelsim.workload.limits_check import check_counts, check_layer_count, check_layer_fields, check_shape


@dataclass(frozen=True)
class LayerInfo:
    """One layer with everything shape inference derived for it."""

    layer: Layer
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    macs: int
    params: int
    elem_ops: int
    precision: str

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def op(self) -> str:
        return self.layer.op

    @property
    def ifmap_elems(self) -> int:
        return sum(math.prod(s) for s in self.in_shapes)

    @property
    def ofmap_elems(self) -> int:
        return math.prod(self.out_shape)

    @property
    def bytes_per_elem(self) -> float:
        return PRECISION_BITS[self.precision] / 8

    # --- compression (see accelsim/workload/compression.py); ``params`` stays "as defined" ---
    @property
    def compression(self) -> Compression:
        return self.layer.compression or DENSE

    @property
    def weight_format(self) -> str:
        return self.compression.weight_format or self.precision

    @property
    def act_format(self) -> str:
        return self.compression.act_format or self.precision

    @property
    def act_bytes_per_elem(self) -> float:
        return format_bits(self.act_format) / 8

    @property
    def bias_params(self) -> int:
        return self.layer.bias_params(list(self.in_shapes))

    @property
    def weight_params(self) -> int:
        return self.params - self.bias_params

    @property
    def nonzero_weights(self) -> int:
        return nonzero_count(self.weight_params, self.compression)

    @property
    def nonzero_params(self) -> int:
        """Distinct nonzero values stored: nonzero weights (or hash buckets) plus biases."""
        return self.nonzero_weights + self.bias_params

    @property
    def weight_bytes(self) -> int:
        """Storage of the weights in their format, sparse index overhead included."""
        bits = weight_storage_bits(self.weight_params, format_bits(self.weight_format), self.out_shape[0],
                                   self.compression)
        return math.ceil(bits / 8)

    @property
    def model_bytes(self) -> int:
        """Weights plus biases and quantization scales: what the layer adds to the model file."""
        if self.params == 0:
            return 0
        aux = aux_storage_bits(self.out_shape[0] if self.weight_params else 0, self.bias_params, self.weight_format)
        return self.weight_bytes + math.ceil(aux / 8)

    @property
    def effective_macs(self) -> int:
        """MACs with a nonzero weight (hashing shares weights but computes every MAC)."""
        if self.weight_params == 0 or self.compression.hash_buckets is not None:
            return self.macs
        return round(self.macs * self.compression.density)

    @property
    def bit_ops(self) -> int:
        """Effective MACs times weight bits times activation bits (BOPs)."""
        return self.effective_macs * format_bits(self.weight_format) * format_bits(self.act_format)

    def to_dict(self) -> dict:
        d = {"name": self.name, "op": self.op, "inputs": [list(s) for s in self.in_shapes],
             "output": list(self.out_shape), "macs": self.macs, "params": self.params,
             "elem_ops": self.elem_ops, "precision": self.precision}
        if not self.compression.is_identity:
            d.update(weight_format=self.weight_format, act_format=self.act_format,
                     nonzero_params=self.nonzero_params, model_bytes=self.model_bytes,
                     effective_macs=self.effective_macs, compression=dataclasses.asdict(self.compression))
        return d


class Workload:
    """A network: named graph inputs, layers in order, a default numeric format."""

    def __init__(self, name: str, inputs: dict[str, Shape] | Shape, layers: list[Layer], *,
                 precision: str = "int8", description: str = "", weights: dict | None = None,
                 lineage: tuple = ()):
        if precision not in PRECISION_BITS:
            raise AccelsimError(f"workload {name!r}: precision: got {precision!r}; "
                                f"allowed: {', '.join(PRECISION_BITS)}")
        if not isinstance(inputs, dict):
            inputs = {"input": tuple(inputs)}  # type: ignore[assignment]
        self.name = name
        self.description = description
        self.precision = precision
        for key, shape in inputs.items():
            check_shape(f"workload {shown(name)}: input {shown(key)}", shape)
        self.inputs: dict[str, Shape] = {k: tuple(int(x) for x in v) for k, v in inputs.items()}  # type: ignore
        self.layers = list(layers)
        check_layer_count(f"workload {shown(name)}", len(self.layers))
        # real tensors where a source had them (ONNX initializers): {layer name: {"weight": array, "bias": array}}
        self.weights: dict = dict(weights or {})
        self.lineage = tuple(lineage)  # compression steps that produced this workload (accelsim.compress)
        self.infos = self._infer()

    def _infer(self) -> list[LayerInfo]:
        shapes: dict[str, Shape] = dict(self.inputs)
        infos: list[LayerInfo] = []
        prev = next(iter(self.inputs)) if self.inputs else None
        for layer in self.layers:
            if layer.name in shapes:
                raise AccelsimError(f"workload {self.name!r}: layer name {layer.name!r} is used twice")
            srcs = layer.inputs or ((prev,) if prev else ())
            missing = [s for s in srcs if s not in shapes]
            if missing or not srcs:
                raise AccelsimError(f"workload {self.name!r}: layer {layer.name!r} reads {missing or 'nothing'}; "
                                    "inputs must name earlier layers or graph inputs")
            ins = [shapes[s] for s in srcs]
            check_layer_fields(self.name, layer)
            out = layer.out_shape(ins)
            at = f"workload {shown(self.name)}: layer {shown(layer.name)}"
            check_shape(f"{at}: output shape", tuple(out))
            prec = layer.precision or self.precision
            if prec not in PRECISION_BITS:
                raise AccelsimError(f"workload {self.name!r}: layer {layer.name!r}: precision: got {prec!r}; "
                                    f"allowed: {', '.join(PRECISION_BITS)}")
            info = LayerInfo(layer, tuple(ins), out, layer.macs(ins, out), layer.params(ins),
                             layer.elem_ops(ins, out), prec)
            check_counts(at, info.macs, info.params, info.elem_ops)
            infos.append(info)
            shapes[layer.name] = out
            prev = layer.name
        return infos

    def __iter__(self):
        return iter(self.infos)

    def __len__(self) -> int:
        return len(self.infos)

    def __getitem__(self, key: int | str) -> LayerInfo:
        if isinstance(key, int):
            return self.infos[key]
        for info in self.infos:
            if info.name == key:
                return info
        raise KeyError(key)

    @property
    def macs(self) -> int:
        return sum(i.macs for i in self.infos)

    @property
    def params(self) -> int:
        return sum(i.params for i in self.infos)

    @property
    def nonzero_params(self) -> int:
        return sum(i.nonzero_params for i in self.infos)

    @property
    def model_bytes(self) -> int:
        return sum(i.model_bytes for i in self.infos)

    @property
    def effective_macs(self) -> int:
        return sum(i.effective_macs for i in self.infos)

    @property
    def bit_ops(self) -> int:
        return sum(i.bit_ops for i in self.infos)

    def with_precision(self, precision: str) -> "Workload":
        """The same network with every layer (without its own format) in ``precision``."""
        return Workload(self.name, self.inputs, self.layers, precision=precision, description=self.description,
                        weights=self.weights, lineage=self.lineage)

    def to_dict(self) -> dict:
        d = {"name": self.name, "inputs": {k: list(v) for k, v in self.inputs.items()},
             "precision": self.precision, "macs": self.macs, "params": self.params,
             "layers": [i.to_dict() for i in self.infos]}
        if self.lineage:
            d["lineage"] = [step.to_dict() for step in self.lineage]
        return d

    def __repr__(self) -> str:
        return f"Workload({self.name!r}, {len(self)} layers, {self.macs / 1e6:.1f} M MACs, {self.params / 1e6:.2f} M params)"
