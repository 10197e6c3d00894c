"""Transforms: ``Workload -> Workload`` rewrites that record themselves in the lineage.

A transform is a frozen dataclass; calling it (or ``.apply``) on a workload
returns a new workload whose ``lineage`` ends with a :class:`LineageStep`
naming the transform, its parameters and the layers it changed. Transforms
compose with ``|`` (``prune(0.7) | quantize("int8")``) or :func:`compose`,
applied left to right.
"""
from __future__ import annotations

import dataclasses
import fnmatch
from dataclasses import dataclass
from typing import ClassVar, Iterable

from accelsim.errors import AccelsimError
from accelsim.workload.compression import DENSE, Compression
from accelsim.workload.graph import LayerInfo, Workload
from accelsim.workload.layers import Layer


@dataclass(frozen=True)
class LineageStep:
    """One transform applied to a workload."""

    transform: str
    spec: str
    params: tuple[tuple[str, object], ...]
    layers: tuple[str, ...]          # layers it changed, added or removed
    note: str = ""

    def to_dict(self) -> dict:
        d = {"transform": self.transform, "spec": self.spec, "params": dict(self.params),
             "layers": list(self.layers)}
        if self.note:
            d["note"] = self.note
        return d


class Transform:
    """Base of the transforms; subclasses are frozen dataclasses with a ``name``."""

    name: ClassVar[str] = "transform"

    def rewrite(self, wl: Workload) -> tuple[Workload, list[str], str]:
        """The rewritten workload (lineage not yet extended), the layers changed and a note."""
        raise NotImplementedError

    def spec(self) -> str:
        """This transform in the ``--compress`` grammar (accelsim/compress/spec.py)."""
        raise NotImplementedError

    def params(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def apply(self, wl: Workload) -> Workload:
        try:
            new, changed, note = self.rewrite(wl)
        except AccelsimError as err:
            raise AccelsimError(f"compress {self.spec()!r} on {wl.name}: {err}") from None
        step = LineageStep(self.name, self.spec(), tuple(self.params().items()), tuple(changed), note)
        return Workload(new.name, new.inputs, new.layers, precision=new.precision, description=new.description,
                        weights=new.weights, lineage=wl.lineage + (step,))

    def __call__(self, wl: Workload) -> Workload:
        return self.apply(wl)

    def __or__(self, other: "Transform") -> "Pipeline":
        return compose([self, other])


@dataclass(frozen=True)
class Pipeline(Transform):
    """Transforms applied left to right."""

    name: ClassVar[str] = "pipeline"
    steps: tuple[Transform, ...] = ()

    def apply(self, wl: Workload) -> Workload:
        for step in self.steps:
            wl = step.apply(wl)
        return wl

    def spec(self) -> str:
        return ",".join(s.spec() for s in self.steps) or "none"

    def __or__(self, other: Transform) -> "Pipeline":
        return compose([self, other])

    def __len__(self) -> int:
        return len(self.steps)


def compose(transforms: Iterable[Transform]) -> Pipeline:
    """One pipeline of ``transforms`` (nested pipelines are flattened)."""
    steps: list[Transform] = []
    for t in transforms:
        if isinstance(t, Pipeline):
            steps.extend(t.steps)
        elif isinstance(t, Transform):
            steps.append(t)
        else:
            raise AccelsimError(f"compose: got {t!r}; expected accelsim.compress transforms")
    return Pipeline(tuple(steps))


# --- helpers shared by the transforms ---

def weighted(info: LayerInfo) -> bool:
    """A layer with weights (conv, fully connected, ...)."""
    return info.weight_params > 0


def select_layers(wl: Workload, patterns: tuple[str, ...] | None, eligible) -> list[LayerInfo]:
    """Eligible layers whose names match one of the glob ``patterns`` (all eligible ones if None).

    A pattern that matches no layer of the workload is an error: it is a typo.
    """
    if patterns is None:
        return [i for i in wl if eligible(i)]
    names = [i.name for i in wl]
    for pat in patterns:
        if not fnmatch.filter(names, pat):
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise AccelsimError(f"layers: pattern {pat!r} matches no layer; layers are {shown}")
    return [i for i in wl if eligible(i) and any(fnmatch.fnmatchcase(i.name, p) for p in patterns)]


def with_compression(layer: Layer, **changes) -> Layer:
    """``layer`` with its compression attributes updated."""
    comp = dataclasses.replace(layer.compression or DENSE, **changes)
    return dataclasses.replace(layer, compression=None if comp == Compression() else comp)


def rebuilt(wl: Workload, layers: list[Layer], inputs: dict | None = None) -> Workload:
    """``wl`` with new layers; real weight tensors (ONNX) stay only on layers the transform left untouched."""
    old = {layer.name: layer for layer in wl.layers}
    same = {layer.name for layer in layers if old.get(layer.name) is not None
            and dataclasses.replace(old[layer.name], inputs=()) == dataclasses.replace(layer, inputs=())}
    if inputs is not None and inputs != wl.inputs:
        same = set()
    weights = {name: w for name, w in getattr(wl, "weights", {}).items() if name in same}
    return Workload(wl.name, inputs if inputs is not None else wl.inputs, layers, precision=wl.precision,
                    description=wl.description, weights=weights, lineage=wl.lineage)


def fmt_number(x: float) -> str:
    return f"{x:g}"


def layers_spec(patterns: tuple[str, ...] | None) -> str:
    return f",layers:{'|'.join(patterns)}" if patterns else ""


def as_patterns(layers: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if layers is None:
        return None
    if isinstance(layers, str):
        layers = layers.split("|")
    pats = tuple(p.strip() for p in layers if p.strip())
    if not pats:
        raise AccelsimError("layers: got an empty pattern list; give layer names or globs, e.g. conv*|fc6")
    return pats
