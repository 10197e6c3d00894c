"""Hand a sweep's compression specs to the compress stage.

Sweep files list compression specs as ``--compress`` strings (``none``,
``prune=0.5,quant=int8``...; the grammar is ``accelsim.compress.spec``'s).
``check_compression`` validates them when the spec is loaded, so a typo is a
one-line error before any point runs; ``compress_workload`` applies one to a
workload with ``accelsim.compress.apply_spec``, exactly as
``accelsim.simulate(..., compress=spec)`` does.
"""
from __future__ import annotations

from accelsim.compress import apply_spec, parse_spec
from accelsim.workload.graph import Workload

NO_COMPRESSION = ("", "none")


def is_uncompressed(spec: str) -> bool:
    return spec.strip().lower() in NO_COMPRESSION


def check_compression(spec: str) -> None:
    """Raise the compress stage's one-line AccelsimError if ``spec`` does not parse."""
    if not is_uncompressed(spec):
        parse_spec(spec)


def compress_workload(workload: Workload, spec: str) -> Workload:
    """``workload`` rewritten by compression ``spec`` (``none`` leaves it as it is)."""
    if is_uncompressed(spec):
        return workload
    return apply_spec(workload, spec)
