"""Registry of built-in networks: ``@zoo_model`` adds a builder under its name."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from accelsim.workload.graph import Workload


@dataclass(frozen=True)
class ZooEntry:
    name: str
    builder: Callable[..., Workload]
    description: str


ZOO: dict[str, ZooEntry] = {}


def zoo_model(name: str, description: str):
    """Decorator: register ``builder(**options) -> Workload`` as zoo network ``name``."""

    def deco(fn: Callable[..., Workload]) -> Callable[..., Workload]:
        ZOO[name] = ZooEntry(name, fn, description)
        return fn

    return deco
