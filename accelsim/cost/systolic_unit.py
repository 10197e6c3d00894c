"""Price one layer on a systolic unit (a MAC array with three scratchpads)."""
from __future__ import annotations

import math

from accelsim.cost.base import LayerCost
from accelsim.cost.compression import plan_layer, structured_fraction
from accelsim.cost.gemm import gemm_of
from accelsim.cost.opclass import op_class
from accelsim.cost.systolic import cycles_per_fold, dram_traffic, fold_counts, gemm_cycles, sram_accesses
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Unit
from accelsim.workload.graph import LayerInfo


def cost_systolic(info: LayerInfo, unit: Unit, dataflow: str | None = None) -> LayerCost:
    """Cycles, scratchpad and DRAM traffic of ``info`` on systolic ``unit``."""
    array = unit.array
    df = dataflow or array.dataflow
    if df not in ("os", "ws", "is"):
        raise AccelsimError(f"dataflow: got {df!r}; allowed: os, ws, is")
    plan = plan_layer(info, unit, dataflow=df)  # format, emulation, zero skipping (accelsim/cost/compression.py)
    spec = plan.spec
    bpe = info.act_bytes_per_elem
    weights_b = info.model_bytes    # compressed weights, biases and scales as stored
    ifmap_b, ofmap_b = info.ifmap_elems * bpe, info.ofmap_elems * bpe
    sram = unit.sram
    share = 0.5 if sram is None or sram.double_buffered else 1.0
    cap_i, cap_f, cap_o = ((sram.ifmap_bytes * share, sram.filter_bytes * share, sram.ofmap_bytes * share)
                           if sram else (0, 0, 0))
    g = gemm_of(info)
    compress_cycles = 0
    cls = op_class(info)
    eff = unit.efficiency.of(cls)  # 1.0 unless the profile (or its calibration) says otherwise
    if cls == "depthwise" and spec.vector_macs_per_cycle:
        # The NPU's vector unit, not its array, runs depthwise layers (e.g. Da Vinci's vector unit).
        compute = math.ceil(info.macs / spec.vector_macs_per_cycle / eff) + plan.overhead_cycles(unit)
        n_tiles = max(1, math.ceil(info.ofmap_elems / max(1, unit.non_mac_lanes * 64)))
        sram_reads, sram_writes = ifmap_b + weights_b, ofmap_b
        dr, dw = math.ceil(ifmap_b + weights_b), math.ceil(ofmap_b)
        energy = (info.macs + plan.overhead_ops) * plan.energy_pj_per_mac
    elif g is not None:
        # Precisions slower (or faster) than one MAC per PE per cycle scale the array time.
        nm = structured_fraction(info, unit)   # N:M sparse arrays read n of every m weights
        kw = g.kw if nm == 1.0 else math.ceil(g.kw * nm)
        base = int(gemm_cycles(g.m, g.n, kw, array.rows, array.cols, df, g.groups))
        fr, fc, t = fold_counts(g.m, g.n, kw, array.rows, array.cols, df)
        n_tiles = int(fr * fc) * g.groups
        ri, rf, wo = sram_accesses(g.m, g.n, kw, array.rows, array.cols, df, g.groups)
        dense_weights_b = info.weight_params * plan.weight_word_bits / 8
        fetches = 1 if dense_weights_b <= cap_f else {"os": int(fr), "ws": 1, "is": int(fc)}[df]
        plan = plan_layer(info, unit, weight_fetches=fetches, dataflow=df)
        if plan.stream_fraction < 1.0:  # zero skipping shortens each fold's stream, not its fill and drain
            t_kept = math.ceil(int(t) * plan.stream_fraction)
            base = g.groups * (int(fr * fc) * int(cycles_per_fold(t_kept, array.rows, array.cols, df)) - 1)
        # unpack / decode / hash work on the vector lanes is pipelined with the array (cost/compression.py)
        compute = max(math.ceil(base * unit.pe_count / plan.macs_per_cycle / eff), plan.overhead_cycles(unit))
        compress_cycles = plan.overhead_cycles(unit)
        sram_reads = int(ri) * bpe + int(rf) * plan.weight_word_bits / 8
        sram_writes = int(wo) * bpe
        dr, dw = dram_traffic(ifmap_b, weights_b, ofmap_b, int(fr), int(fc), df, cap_i, cap_f, cap_o)
        energy = (info.macs * min(plan.mac_fraction, nm) + plan.overhead_ops) * plan.energy_pj_per_mac
    else:
        # Pooling, add, concat: element operations on the array's vector lanes.
        # A view (reshape, channel slice) relabels memory: no work, no traffic.
        lanes = unit.non_mac_lanes
        compute = math.ceil(info.elem_ops / lanes / eff) + plan.overhead_cycles(unit)
        n_tiles = max(1, math.ceil(info.ofmap_elems / max(1, lanes * 64)))
        view = bool(getattr(info.layer, "is_view", False))
        sram_reads, sram_writes = (0, 0) if view else (ifmap_b, ofmap_b)
        dr, dw = (0, 0) if view else (math.ceil(ifmap_b), math.ceil(ofmap_b))
        energy = (info.elem_ops + plan.overhead_ops) * plan.energy_pj_per_mac
    sram_pj = (sram.energy_pj_per_byte if sram else 0.0) * (sram_reads + sram_writes)
    return LayerCost(name=info.name, op=info.op, unit=unit.name, precision=info.precision, macs=info.macs,
                     compute_cycles=int(compute), n_tiles=max(1, n_tiles), dram_read_bytes=int(dr),
                     dram_write_bytes=int(dw), sram_read_bytes=int(math.ceil(sram_reads)),
                     sram_write_bytes=int(math.ceil(sram_writes)), compute_energy_pj=float(energy),
                     sram_energy_pj=float(sram_pj), peak_macs_per_cycle=plan.macs_per_cycle, op_class=cls,
                     efficiency=eff, overhead_cycles=math.ceil(unit.layer_overhead_us * 1e3 * unit.clock_ghz),
                     compress_cycles=compress_cycles)
