"""Hand a sweep's compression spec (a free-form string) to the compress stage.

Sweep files list compression specs as plain strings (``none``,
``prune:0.5+int8``...). Their grammar belongs to ``accelsim.compress``: when
that package offers ``apply_spec(workload, spec) -> Workload`` it is used
here unchanged; until then only ``none`` (or an empty string) is accepted and
any other spec fails its design points with a clear error, rather than being
silently ignored.
"""
from __future__ import annotations

import importlib

from accelsim.errors import AccelsimError
from accelsim.workload.graph import Workload

NO_COMPRESSION = ("", "none")


def compress_workload(workload: Workload, spec: str) -> Workload:
    """``workload`` rewritten by compression ``spec`` (``none`` leaves it as it is)."""
    if spec.strip().lower() in NO_COMPRESSION:
        return workload
    try:
        compress = importlib.import_module("accelsim.compress")
    except ModuleNotFoundError:
        compress = None
    apply_spec = getattr(compress, "apply_spec", None)
    if apply_spec is None:
        raise AccelsimError(f"compression {spec!r}: no compression transforms are available in this version of "
                            "accelsim (accelsim.compress.apply_spec); allowed: none")
    return apply_spec(workload, spec)
