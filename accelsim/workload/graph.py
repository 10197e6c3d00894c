"""A workload: layers in topological order, with shapes, MACs and parameters inferred."""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PRECISION_BITS
from accelsim.workload.layers import Layer, Shape


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

    def to_dict(self) -> dict:
        return {"name": self.name, "op": self.op, "inputs": [list(s) for s in self.in_shapes],
                "output": list(self.out_shape), "macs": self.macs, "params": self.params,
                "elem_ops": self.elem_ops, "precision": self.precision}


class Workload:
    """A network: named graph inputs, layers in order, a default numeric format."""

    def __init__(self, name: str, inputs: dict[str, Shape] | Shape, layers: list[Layer], *,
                 precision: str = "int8", description: str = "", weights: dict | None = None):
        if precision not in PRECISION_BITS:
            raise AccelsimError(f"workload {name!r}: precision: got {precision!r}; "
                                f"allowed: {', '.join(PRECISION_BITS)}")
        if not isinstance(inputs, dict):
            inputs = {"input": tuple(inputs)}  # type: ignore[assignment]
        self.name = name
        self.description = description
        self.precision = precision
        self.inputs: dict[str, Shape] = {k: tuple(int(x) for x in v) for k, v in inputs.items()}  # type: ignore
        self.layers = list(layers)
        # real tensors where a source had them (ONNX initializers): {layer name: {"weight": array, "bias": array}}
        self.weights: dict = dict(weights or {})
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
            out = layer.out_shape(ins)
            prec = layer.precision or self.precision
            if prec not in PRECISION_BITS:
                raise AccelsimError(f"workload {self.name!r}: layer {layer.name!r}: precision: got {prec!r}; "
                                    f"allowed: {', '.join(PRECISION_BITS)}")
            infos.append(LayerInfo(layer, tuple(ins), out, layer.macs(ins, out), layer.params(ins),
                                   layer.elem_ops(ins, out), prec))
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

    def with_precision(self, precision: str) -> "Workload":
        """The same network with every layer (without its own format) in ``precision``."""
        return Workload(self.name, self.inputs, self.layers, precision=precision, description=self.description,
                        weights=self.weights)

    def to_dict(self) -> dict:
        return {"name": self.name, "inputs": {k: list(v) for k, v in self.inputs.items()},
                "precision": self.precision, "macs": self.macs, "params": self.params,
                "layers": [i.to_dict() for i in self.infos]}

    def __repr__(self) -> str:
        return f"Workload({self.name!r}, {len(self)} layers, {self.macs / 1e6:.1f} M MACs, {self.params / 1e6:.2f} M params)"
