"""Runtimes (software stacks): what a framework really executes (algorithm, formats, fusion, dispatch, threads)."""
from accelsim.runtime.loader import available_runtimes, load_runtime, runtime_factors
from accelsim.runtime.schema import Runtime

__all__ = ["Runtime", "available_runtimes", "load_runtime", "runtime_factors"]
