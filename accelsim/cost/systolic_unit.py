"""Price one layer on a systolic unit (a MAC array with three scratchpads)."""
from __future__ import annotations

import math

from accelsim.cost.base import LayerCost
from accelsim.cost.gemm import gemm_of
from accelsim.cost.opclass import op_class
from accelsim.cost.precision import precision_spec
from accelsim.cost.systolic import dram_traffic, fold_counts, gemm_cycles, sram_accesses
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Unit
from accelsim.workload.graph import LayerInfo


def cost_systolic(info: LayerInfo, unit: Unit, dataflow: str | None = None) -> LayerCost:
    """Cycles, scratchpad and DRAM traffic of ``info`` on systolic ``unit``."""
    array = unit.array
    df = dataflow or array.dataflow
    if df not in ("os", "ws", "is"):
        raise AccelsimError(f"dataflow: got {df!r}; allowed: os, ws, is")
    spec = precision_spec(unit, info.precision, info.name)
    bpe = info.bytes_per_elem
    weights_b = info.params * bpe
    ifmap_b, ofmap_b = info.ifmap_elems * bpe, info.ofmap_elems * bpe
    sram = unit.sram
    share = 0.5 if sram is None or sram.double_buffered else 1.0
    cap_i, cap_f, cap_o = ((sram.ifmap_bytes * share, sram.filter_bytes * share, sram.ofmap_bytes * share)
                           if sram else (0, 0, 0))
    g = gemm_of(info)
    cls = op_class(info)
    eff = unit.efficiency.of(cls)  # 1.0 unless the profile (or its calibration) says otherwise
    if cls == "depthwise" and spec.vector_macs_per_cycle:
        # The NPU's vector unit, not its array, runs depthwise layers (e.g. Da Vinci's vector unit).
        compute = math.ceil(info.macs / spec.vector_macs_per_cycle / eff)
        n_tiles = max(1, math.ceil(info.ofmap_elems / max(1, unit.non_mac_lanes * 64)))
        sram_reads, sram_writes = ifmap_b + weights_b, ofmap_b
        dr, dw = math.ceil(ifmap_b + weights_b), math.ceil(ofmap_b)
        energy = info.macs * spec.energy_pj_per_mac
    elif g is not None:
        # Precisions slower (or faster) than one MAC per PE per cycle scale the array time.
        base = int(gemm_cycles(g.m, g.n, g.kw, array.rows, array.cols, df, g.groups))
        compute = math.ceil(base * unit.pe_count / spec.macs_per_cycle / eff)
        fr, fc, _ = fold_counts(g.m, g.n, g.kw, array.rows, array.cols, df)
        n_tiles = int(fr * fc) * g.groups
        ri, rf, wo = sram_accesses(g.m, g.n, g.kw, array.rows, array.cols, df, g.groups)
        sram_reads, sram_writes = (int(ri) + int(rf)) * bpe, int(wo) * bpe
        dr, dw = dram_traffic(ifmap_b, weights_b, ofmap_b, int(fr), int(fc), df, cap_i, cap_f, cap_o)
        energy = info.macs * spec.energy_pj_per_mac
    else:
        # Pooling, add, concat: element operations on the array's vector lanes.
        # A view (reshape, channel slice) relabels memory: no work, no traffic.
        lanes = unit.non_mac_lanes
        compute = math.ceil(info.elem_ops / lanes / eff)
        n_tiles = max(1, math.ceil(info.ofmap_elems / max(1, lanes * 64)))
        view = bool(getattr(info.layer, "is_view", False))
        sram_reads, sram_writes = (0, 0) if view else (ifmap_b, ofmap_b)
        dr, dw = (0, 0) if view else (math.ceil(ifmap_b), math.ceil(ofmap_b))
        energy = info.elem_ops * spec.energy_pj_per_mac
    sram_pj = (sram.energy_pj_per_byte if sram else 0.0) * (sram_reads + sram_writes)
    return LayerCost(name=info.name, op=info.op, unit=unit.name, precision=info.precision, macs=info.macs,
                     compute_cycles=int(compute), n_tiles=max(1, n_tiles), dram_read_bytes=int(dr),
                     dram_write_bytes=int(dw), sram_read_bytes=int(math.ceil(sram_reads)),
                     sram_write_bytes=int(math.ceil(sram_writes)), compute_energy_pj=float(energy),
                     sram_energy_pj=float(sram_pj), peak_macs_per_cycle=spec.macs_per_cycle, op_class=cls,
                     efficiency=eff, overhead_cycles=math.ceil(unit.layer_overhead_us * 1e3 * unit.clock_ghz))
