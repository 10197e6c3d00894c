"""Design-space exploration: sweep specs, vectorized evaluation, resumable storage, backends, Pareto fronts.

Names are imported on first use, so ``accelsim`` commands that do not sweep start fast.
"""
from importlib import import_module

_EXPORTS = {
    "DesignArrays": "batch", "LayerTable": "batch", "evaluate_batch": "batch",
    "pareto_mask": "pareto", "pareto_rows": "pareto", "apply_overrides": "profile_fields",
    "SweepOutcome": "runner", "run_sweep": "runner", "DesignPoint": "space", "design_points": "space",
    "SweepSpec": "spec", "load_spec": "spec",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"accelsim.dse.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'accelsim.dse' has no attribute {name!r}")
