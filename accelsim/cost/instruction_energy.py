"""Instruction overhead energy of programmable units (simd, simt), per MAC or element operation.

Horowitz's 45 nm figures make an instruction ~700x the 0.1 pJ add it carries
(accelsim/hardware/energy.py), so a CPU, DSP or GPU pays for fetching,
decoding and feeding instructions far more than for arithmetic; what saves it
is how many operations one instruction does:

- a SIMD instruction works on the unit's ``lanes`` 32-bit lanes and is issued
  once per vector: per lane it costs ``lane_pj + issue_pj / lanes``;
- a SIMT instruction is issued once per warp / wave of ``lanes_per_issue``
  threads, each thread one 32-bit lane: ``lane_pj + issue_pj / lanes_per_issue``;
- a 32-bit lane does ``32 / bits`` operations of a narrower format (dot-product
  and packed instructions: NEON SDOT, HVX vrmpy, half2, dp4a), times the
  emulation's speed-up (XNOR-popcount binary MACs);
- a matrix engine (tensor cores, Hexagon's tensor accelerator) that reaches
  ``macs_per_cycle`` where the vector datapath reaches ``vector_macs_per_cycle``
  does that many times more MACs per instruction (estimate: its instructions
  move whole tiles; it is used for dense and 1x1 convolutions and fully
  connected layers, as in the cost models' rates).

Loads, address arithmetic and loop control are not counted (their data
movement is the caches' energy), so this is a lower bound on a core's
instruction energy.
"""
from __future__ import annotations

from accelsim.cost.compression import ExecutionPlan
from accelsim.hardware.schema import PRECISION_BITS, Unit


def instruction_pj_per_op(unit: Unit, plan: ExecutionPlan, matrix: bool) -> float:
    """Instruction overhead (pJ) of one MAC (``matrix``: on the format's MAC rate) or element operation."""
    ie = unit.instruction_energy
    if ie is None or unit.cost_model not in ("simd", "simt"):
        return 0.0
    issue_width = ie.lanes_per_issue if unit.cost_model == "simt" else unit.lanes
    per_lane_pj = ie.lane_pj + ie.issue_pj / max(1, issue_width or 1)
    ops_per_lane = max(1.0, 32 / PRECISION_BITS[plan.format])
    native = unit.precisions.get(plan.format)
    if native is not None:
        ops_per_lane *= max(1.0, plan.spec.macs_per_cycle / native.macs_per_cycle)   # emulation speed-up
    if matrix:
        ops_per_lane *= max(1.0, plan.spec.macs_per_cycle / plan.spec.vector_rate)
    return per_lane_pj / ops_per_lane
