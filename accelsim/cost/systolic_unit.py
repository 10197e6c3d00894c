"""Price one layer on a systolic unit (a MAC array with three scratchpads)."""
from __future__ import annotations

import dataclasses
import math

from accelsim.cost.base import LayerCost
from accelsim.cost.compression import plan_layer, stream_fractions_by_lanes, structured_fraction
from accelsim.cost.gemm import gemm_of
from accelsim.cost.opclass import op_class
from accelsim.cost.systolic import (cycles_per_fold, dram_traffic, dram_traffic_parts, fold_counts, gemm_cycles,
                                    sram_accesses)
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Unit
from accelsim.map import MAPPINGS, best_mapping
from accelsim.map.array_mapping import out_block_bytes
from accelsim.map.traffic import loop_order_traffic, resident_shares
from accelsim.workload.graph import LayerInfo


def resolve_mapping(unit: Unit, mapping: str | None) -> str:
    """The mapping a systolic unit uses: the explicit choice, else the unit's own (schema field ``mapping``)."""
    chosen = mapping or unit.mapping
    if chosen not in MAPPINGS:
        raise AccelsimError(f"mapping: got {chosen!r}; allowed: {', '.join(MAPPINGS)}")
    return chosen


def cost_systolic(info: LayerInfo, unit: Unit, dataflow: str | None = None, mapping: str | None = None,
                  dram_bytes_per_cycle: float | None = None, residency: tuple[float, bool] | None = None,
                  dram_pj_per_byte: float | None = None) -> LayerCost:
    """Cycles, scratchpad and DRAM traffic of ``info`` on systolic ``unit``.

    ``mapping``: 'scalesim' (SCALE-Sim v3's mapping, cycle-exact) or 'auto'
    (the fastest legal mapping, accelsim/map/array_mapping.py); default: the unit's.
    ``dram_bytes_per_cycle`` lets the auto mapper weigh DRAM refetches against cycles;
    ``residency`` (share of input bytes kept on chip, output kept on chip) is the
    memory plan's for this layer (accelsim/map/memory_plan.py; auto mapping only);
    ``dram_pj_per_byte`` lets it break ties in time on data-movement energy.
    """
    auto = resolve_mapping(unit, mapping) == "auto"
    if auto:
        plan = plan_layer(info, unit, dataflow=dataflow or unit.array.dataflow)
        if plan.emulation and plan.overhead_ops:
            return _packed_or_unpacked(info, unit, dataflow, dram_bytes_per_cycle, plan.format, residency,
                                       dram_pj_per_byte)
    return _price(info, unit, dataflow, auto, dram_bytes_per_cycle, residency if auto else None, dram_pj_per_byte)


def _price(info: LayerInfo, unit: Unit, dataflow: str | None, auto: bool, dram_bytes_per_cycle: float | None,
           residency: tuple[float, bool] | None = None, dram_pj: float | None = None) -> LayerCost:
    array = unit.array
    df = dataflow or array.dataflow
    if df not in ("os", "ws", "is"):
        raise AccelsimError(f"dataflow: got {df!r}; allowed: os, ws, is")
    chosen = None
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
        parts = (ifmap_b, weights_b, 0.0, ofmap_b)
        energy = (info.macs + plan.overhead_ops) * plan.energy_pj_per_mac
    elif g is not None:
        # Precisions slower (or faster) than one MAC per PE per cycle scale the array time.
        nm = structured_fraction(info, unit)   # N:M sparse arrays read n of every m weights
        if nm != 1.0:
            g = dataclasses.replace(g, kw=math.ceil(g.kw * nm))
        if auto:
            chosen = _auto_mapping(info, unit, g, dataflow, plan, eff, (cap_i, cap_f, cap_o),
                                   (ifmap_b, weights_b, ofmap_b), dram_bytes_per_cycle, residency, dram_pj)
            df = chosen.dataflow
        base = int(gemm_cycles(g.m, g.n, g.kw, array.rows, array.cols, df, g.groups))
        fr, fc, t = fold_counts(g.m, g.n, g.kw, array.rows, array.cols, df)
        n_tiles = int(fr * fc) * g.groups
        tile_r, tile_c = array.rows, array.cols
        if chosen is not None:
            base, fr, fc, n_tiles = chosen.cycles, chosen.row_folds, chosen.col_folds, chosen.folds
            tile_r, tile_c = chosen.tile_rows, chosen.tile_cols  # per-group tiles give the same fold counts
        ri, rf, wo = sram_accesses(g.m, g.n, g.kw, tile_r, tile_c, df, g.groups)
        dense_weights_b = info.weight_params * plan.weight_word_bits / 8
        fetches = 1 if dense_weights_b <= cap_f else {"os": int(fr), "ws": 1, "is": int(fc)}[df]
        plan = plan_layer(info, unit, weight_fetches=fetches, dataflow=df)
        if plan.stream_fraction < 1.0 and chosen is None:  # zero skipping shortens each fold's stream, not its fill and drain
            t_kept = math.ceil(int(t) * plan.stream_fraction)
            base = g.groups * (int(fr * fc) * int(cycles_per_fold(t_kept, array.rows, array.cols, df)) - 1)
        # unpack / decode / hash work on the vector lanes is pipelined with the array (cost/compression.py)
        compute = max(math.ceil(base * unit.pe_count / plan.macs_per_cycle / eff), plan.overhead_cycles(unit))
        compress_cycles = plan.overhead_cycles(unit)
        sram_reads = int(ri) * bpe + int(rf) * plan.weight_word_bits / 8
        sram_writes = int(wo) * bpe
        dr, dw = dram_traffic(ifmap_b, weights_b, ofmap_b, int(fr), int(fc), df, cap_i, cap_f, cap_o)
        parts = dram_traffic_parts(ifmap_b, weights_b, ofmap_b, int(fr), int(fc), df, cap_i, cap_f, cap_o)
        if chosen is not None:  # the mapping's loop order (accelsim/map/traffic.py)
            block = out_block_bytes(ofmap_b, g.m, g.n, g.groups, chosen.used_rows, chosen.used_cols, df)
            parts = loop_order_traffic(ifmap_b, weights_b, ofmap_b, int(fr), int(fc), df, cap_i, cap_f, cap_o,
                                       residency, block)[:4]
            dr, dw = math.ceil(float(parts[0] + parts[1] + parts[2])), math.ceil(float(parts[3]))
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
        parts = (dr, 0.0, 0.0, dw)
        energy = (info.elem_ops + plan.overhead_ops) * plan.energy_pj_per_mac
    if residency is not None and chosen is None:  # layers the mapper does not tile: inputs / output on chip
        in_dram, out_dram = resident_shares(residency)
        parts = (parts[0] * in_dram, parts[1], parts[2] * out_dram, parts[3] * out_dram)
        dr, dw = math.ceil(float(parts[0] + parts[1] + parts[2])), math.ceil(float(parts[3]))
    sram_pj = (sram.energy_pj_per_byte if sram else 0.0) * (sram_reads + sram_writes)
    return LayerCost(name=info.name, op=info.op, unit=unit.name, precision=info.precision, macs=info.macs,
                     compute_cycles=int(compute), n_tiles=max(1, n_tiles), dram_read_bytes=int(dr),
                     dram_write_bytes=int(dw), sram_read_bytes=int(math.ceil(sram_reads)),
                     sram_write_bytes=int(math.ceil(sram_writes)), compute_energy_pj=float(energy),
                     sram_energy_pj=float(sram_pj), peak_macs_per_cycle=plan.macs_per_cycle, op_class=cls,
                     efficiency=eff, overhead_cycles=math.ceil(unit.layer_overhead_us * 1e3 * unit.clock_ghz),
                     compress_cycles=compress_cycles, mapping=chosen.to_dict() if chosen is not None else None,
                     emulated=bool(plan.emulation), effective_macs=_effective_macs(info, plan),
                     dram_parts=dict(zip(("ifmap_read", "weight_read", "psum_read", "ofmap_write"),
                                         (float(x) for x in parts))))


def _effective_macs(info: LayerInfo, plan) -> int:
    """MACs the unit executes: zero skipping leaves out the skipped ones."""
    return int(round(info.macs * plan.mac_fraction)) if info.macs else 0


def _auto_mapping(info, unit, g, dataflow, plan, eff, caps, operand_bytes, bytes_per_cycle, residency,
                  dram_pj: float | None = None):
    """The fastest mapping of ``g`` on the unit's array against its DRAM rate (accelsim/map)."""
    array = unit.array
    dataflows = (dataflow,) if dataflow else tuple(dict.fromkeys([array.dataflow, *(array.dataflows or ())]))
    scale = unit.pe_count / plan.macs_per_cycle / eff
    energy = {}
    if dram_pj is not None and unit.sram is not None:   # ties in time go to the mapping moving data cheapest
        energy = dict(pj_per_byte=(float(dram_pj), float(unit.sram.energy_pj_per_byte)),
                      word_bytes=(float(info.act_bytes_per_elem), plan.weight_word_bits / 8))
    lanes = stream_fractions_by_lanes(info, unit, dataflows)   # zero skipping by the lanes a mapping uses
    return best_mapping(g.m, g.n, g.kw, g.groups, array.rows, array.cols, dataflows, stream_by_lanes=lanes,
                        stream_fraction=plan.stream_fraction, compute_scale=scale, operand_bytes=operand_bytes,
                        capacities=caps, bytes_per_cycle=bytes_per_cycle, residency=residency, **energy)


def _packed_or_unpacked(info: LayerInfo, unit: Unit, dataflow, bytes_per_cycle, fmt: str, residency,
                        dram_pj: float | None = None) -> LayerCost:
    """An emulated format, priced both ways a compiler can run it: packed in memory and unpacked on the vector
    lanes at every weight fetch, or stored already unpacked in ``fmt`` (no unpacking, wider tensors).
    The faster one is kept (never slower than running the layer in ``fmt``); both are flagged emulated."""
    comp = info.compression
    unpacked_comp = dataclasses.replace(
        comp, weight_format=None if comp.weight_format not in (None, fmt) and comp.weight_format not in
        unit.precisions else comp.weight_format,
        act_format=None if comp.act_format not in (None, fmt) and comp.act_format not in unit.precisions
        else comp.act_format)
    unpacked_info = dataclasses.replace(info, layer=dataclasses.replace(info.layer, compression=unpacked_comp),
                                        precision=fmt)
    options = [_price(unpacked_info, unit, dataflow, True, bytes_per_cycle, residency, dram_pj),
               _price(info, unit, dataflow, True, bytes_per_cycle, residency, dram_pj)]

    def time(c: LayerCost) -> tuple:
        transfer = c.dram_bytes / bytes_per_cycle if bytes_per_cycle else 0.0
        return max(c.compute_cycles, transfer), c.compute_cycles, c.dram_bytes

    best = min(options, key=time)
    stored = "unpacked" if best is options[0] else "packed"
    record = dict(best.mapping or {}, stored=stored, runs_as=fmt)
    return dataclasses.replace(best, name=info.name, precision=info.precision, emulated=True, mapping=record)
