"""Simulation: analytical roll-up and the SimPy event engine."""
from accelsim.sim.analytical import run_analytical
from accelsim.sim.engine import run_event
from accelsim.sim.result import LayerResult, RunResult

__all__ = ["LayerResult", "RunResult", "run_analytical", "run_event"]
