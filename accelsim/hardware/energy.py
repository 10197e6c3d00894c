"""Energy per operation and per byte: the Horowitz (ISSCC 2014) 45 nm table, scaled by process node.

M. Horowitz, "Computing's energy problem (and what we can do about it)",
ISSCC 2014 (45 nm, 0.9 V): 8-bit add 0.03 pJ, multiply 0.2 pJ; 32-bit int
add 0.1, multiply 3.1; fp16 add 0.4, multiply 1.1; fp32 add 0.9, multiply
3.7; SRAM read of 64 bits: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ; DRAM 1.3-2.6
nJ per 64 bits. A MAC is one multiply plus one add of its format.

Node scaling is first-order CMOS: dynamic energy C*V^2 with capacitance
proportional to the feature size and the nominal supply voltage of each node
(estimate: 0.9 V at 45 nm, 0.9 V at 28 nm, 0.8 V at 16-20 nm, 0.75 V at
10-12 nm, 0.7 V at 7-8 nm). DRAM energy is off-chip and not scaled.

Programmable units (simd, simt) also pay per *instruction*: Horowitz puts a
32-bit add instruction on a 45 nm core at ~70 pJ against 0.1 pJ for the add
itself: instruction cache ~25 pJ, register file ~6 pJ, control the rest
(~39 pJ). A unit's ``instruction_energy`` (filled here when left out, at the
profile's node) splits that into ``issue_pj`` (fetch, decode, control: paid
once per issued instruction, 25 + 39 = 64 pJ at 45 nm) and ``lane_pj``
(register-file operand reads and write: 6 pJ per 32-bit lane the instruction
touches). A SIMD instruction covers the unit's ``lanes``; a SIMT instruction
is issued once per warp / wave of ``lanes_per_issue`` threads (estimate: 32,
an NVIDIA warp; Adreno waves are wider, Mali warps narrower). The cost models
amortise the sum over the MACs one instruction does
(:mod:`accelsim.cost.instruction_energy`). Systolic units have no
instruction stream per MAC; their scratchpads, when a profile gives no
access energy, get the Horowitz SRAM figure of their average buffer size.

Per-operation energies miss most of what a programmable core burns while it
runs (clock tree, out-of-order and pipeline control, cache and TLB activity):
a big Arm core draws 1-2 W at 2-2.8 GHz in AnandTech's SPEC2006 power runs
(Kirin 970 / 980, Snapdragon 835 / 855 reviews), 400-700 pJ per cycle, where
its arithmetic is a few pJ. A unit's ``busy_power_mw`` left out is filled by
kind (estimates, mW = pJ/cycle x GHz): CPU cores 400 pJ per core-cycle at 7 nm
(the low end: SPEC power includes DRAM); DSP / VPU vector cores (in-order
VLIW) 150 pJ per core-cycle at 28 nm (a 12-SHAVE Myriad 2 at 600 MHz: ~1 W,
its published class); GPUs 10 pJ per ALU lane-cycle at 12 nm (a 512-lane Volta
at 1.38 GHz: 7 W, the order of its share of Xavier's 30 W budget). A GPU lane
is the same small design from node to node, so its figure is node-scaled like
a MAC (C V^2 with C ~ feature size); CPU and vector cores grew wider as nodes
shrank, so theirs scale by the supply voltage squared only. Systolic NPU / DLA
arrays have none beyond their per-MAC and scratchpad energies. Leakage left out
(``static_power_mw`` absent) is 10% of the busy power (estimate: leakage is
10-20% of active power in 28-7 nm mobile SoCs at operating temperature).
"""
from __future__ import annotations

import math

# pJ per MAC at 45 nm (multiply + add of the format)
MAC_PJ_45NM: dict[str, float] = {
    "fp32": 3.7 + 0.9,
    "fp16": 1.1 + 0.4,
    "bf16": 1.1 + 0.4,      # estimate: as fp16 (same multiplier width class)
    "int16": 0.8 + 0.05,    # estimate: multiplier energy ~ bits^2 from int8 (0.2 * 4), add between int8 and int32
    "int8": 0.2 + 0.03,
    "int4": 0.05 + 0.015,   # estimate: multiplier ~ bits^2 from int8 (0.2 / 4), add halved
    "ternary": 0.03,        # estimate: sign-select and 8-bit add, no multiplier
    "binary": 0.01,         # estimate: XNOR + popcount share
}
# (SRAM size in bytes, pJ per byte read) at 45 nm
SRAM_PJ_PER_BYTE_45NM = ((8 * 1024, 10 / 8), (32 * 1024, 20 / 8), (1024 * 1024, 100 / 8))
DRAM_PJ_PER_BYTE = 1300 / 8   # low end of 1.3-2.6 nJ per 64 bits; only when a dram names no generation
# Instruction overhead at 45 nm (Horowitz 2014: 70 pJ instruction = I-cache 25 + register file 6 + control ~39)
ISSUE_PJ_45NM = 25.0 + 39.0          # fetch, decode and control of one issued instruction
LANE_PJ_45NM = 6.0                   # register-file access of one 32-bit lane (two reads, one write)
SIMT_LANES_PER_ISSUE = 32            # estimate: threads sharing one issued instruction (an NVIDIA warp)
# busy power by unit kind, pJ per cycle (per core for simd units, per ALU lane for simt units)
# (pJ, anchor node in nm): scaled to a profile's node (GPUs: node_scale; others: (V(node) / V(anchor))^2)
BUSY_PJ_PER_CYCLE = {"cpu": (400.0, 7), "dsp": (150.0, 28), "vpu": (150.0, 28), "gpu": (10.0, 12)}
LEAKAGE_SHARE = 0.10
_SUPPLY_V = ((7, 0.7), (10, 0.75), (16, 0.8), (28, 0.9), (45, 0.9), (90, 1.0))


def supply_voltage(node_nm: float) -> float:
    """Nominal supply (V) of a node, interpolated in the table above (estimate)."""
    nodes = [n for n, _ in _SUPPLY_V]
    volts = [v for _, v in _SUPPLY_V]
    if node_nm <= nodes[0]:
        return volts[0]
    if node_nm >= nodes[-1]:
        return volts[-1]
    for (n0, v0), (n1, v1) in zip(_SUPPLY_V, _SUPPLY_V[1:]):
        if n0 <= node_nm <= n1:
            return v0 + (v1 - v0) * (node_nm - n0) / (n1 - n0)
    return volts[-1]


def node_scale(node_nm: float | None) -> float:
    """Dynamic-energy factor from 45 nm to ``node_nm``: (L / 45) * (V / 0.9)^2; 1 when unknown."""
    if node_nm is None:
        return 1.0
    return (node_nm / 45.0) * (supply_voltage(node_nm) / 0.9) ** 2


def mac_energy_pj(precision: str, node_nm: float | None = None) -> float:
    """Energy of one MAC in ``precision`` at ``node_nm``."""
    return MAC_PJ_45NM[precision] * node_scale(node_nm)


def sram_energy_pj_per_byte(size_bytes: float, node_nm: float | None = None) -> float:
    """Energy per byte read from an SRAM of ``size_bytes``: log-log interpolation of Horowitz's three sizes."""
    xs = [math.log(s) for s, _ in SRAM_PJ_PER_BYTE_45NM]
    ys = [math.log(e) for _, e in SRAM_PJ_PER_BYTE_45NM]
    x = math.log(max(size_bytes, 1.0))
    if x <= xs[0]:
        y = ys[0]
    else:
        i = 0 if x <= xs[1] else 1  # beyond 1 MB: extend the 32 KB - 1 MB slope
        y = ys[i] + (ys[i + 1] - ys[i]) * (x - xs[i]) / (xs[i + 1] - xs[i])
    return math.exp(y) * node_scale(node_nm)


def scratchpad_energy_pj_per_byte(sram: dict, node_nm: float | None = None) -> float | None:
    """Access energy of a unit's scratchpads: Horowitz SRAM figure of the average buffer's size."""
    sizes = [sram.get(k) for k in ("ifmap_bytes", "filter_bytes", "ofmap_bytes")]
    if not all(isinstance(s, int) and s > 0 for s in sizes):
        return None
    return sram_energy_pj_per_byte(sum(sizes) / 3, node_nm)


def default_instruction_energy(cost_model: str, node_nm: float | None = None) -> dict | None:
    """Per-instruction overhead of a programmable unit at ``node_nm`` (None for systolic units)."""
    if cost_model not in ("simd", "simt"):
        return None
    scale = node_scale(node_nm)
    out = {"issue_pj": round(ISSUE_PJ_45NM * scale, 5), "lane_pj": round(LANE_PJ_45NM * scale, 5)}
    if cost_model == "simt":
        out["lanes_per_issue"] = SIMT_LANES_PER_ISSUE
    return out


def default_busy_power_mw(unit: dict, node_nm: float | None = None) -> float:
    """Busy power of a raw unit mapping by its kind (0 for systolic arrays and unknown shapes)."""
    pj, anchor = BUSY_PJ_PER_CYCLE.get(unit.get("kind"), (0.0, 16))
    if node_nm is not None and unit.get("cost_model") == "simt":
        pj *= node_scale(node_nm) / node_scale(anchor)
    elif node_nm is not None:
        pj *= (supply_voltage(node_nm) / supply_voltage(anchor)) ** 2
    clock = unit.get("clock_ghz")
    if unit.get("cost_model") == "systolic" or not isinstance(clock, (int, float)) or clock <= 0:
        return 0.0
    if unit.get("cost_model") == "simt":
        lanes = unit.get("lanes")
        return pj * lanes * clock if isinstance(lanes, int) and lanes > 0 else 0.0
    return pj * clock                       # per core


def _fill_unit(unit: dict, node: float | None) -> dict:
    unit = dict(unit)
    if "busy_power_mw" not in unit:
        unit["busy_power_mw"] = round(default_busy_power_mw(unit, node), 3)
    if "static_power_mw" not in unit and isinstance(unit["busy_power_mw"], (int, float)):
        cores = unit.get("cores") if unit.get("cost_model") == "simd" and isinstance(unit.get("cores"), int) else 1
        clusters = unit.get("clusters")
        if unit.get("cost_model") == "simd" and isinstance(clusters, list):
            cores = sum(c.get("count", 1) for c in clusters if isinstance(c, dict))
        unit["static_power_mw"] = round(LEAKAGE_SHARE * unit["busy_power_mw"] * cores, 3)
    if isinstance(unit.get("precisions"), dict):
        precs = {}
        for name, spec in unit["precisions"].items():
            if isinstance(spec, dict) and spec.get("energy_pj_per_mac") is None and name in MAC_PJ_45NM:
                spec = {**spec, "energy_pj_per_mac": round(mac_energy_pj(name, node), 5)}
            precs[name] = spec
        unit["precisions"] = precs
    default = default_instruction_energy(unit.get("cost_model"), node)
    given = unit.get("instruction_energy")
    if default is not None and (given is None or isinstance(given, dict)):
        # fields a profile gives win; the rest are the documented defaults
        unit["instruction_energy"] = {**default, **{k: v for k, v in (given or {}).items() if v is not None}}
    sram = unit.get("sram")
    if isinstance(sram, dict) and sram.get("energy_pj_per_byte") is None:
        pj = scratchpad_energy_pj_per_byte(sram, node)
        if pj is not None:
            unit["sram"] = {**sram, "energy_pj_per_byte": round(pj, 5)}
    return unit


def fill_energies(data):
    """Fill missing MAC, instruction, scratchpad and memory-level energies of a raw profile (before validation).

    Best effort: on a malformed profile (wrong types, values out of range) the data is returned unfilled and the
    schema's own validation names the field that is wrong.
    """
    if not isinstance(data, dict):
        return data
    try:
        return _fill_energies(data)
    except (TypeError, ValueError, ArithmeticError, KeyError, AttributeError):
        return data


def _fill_energies(data: dict) -> dict:
    node = data.get("process_nm")
    node = node if isinstance(node, (int, float)) and node > 0 else None
    data = dict(data)
    units = data.get("units")
    if isinstance(units, list):
        data["units"] = [_fill_unit(u, node) if isinstance(u, dict) else u for u in units]
    mems = data.get("memories")
    if isinstance(mems, list):
        filled = []
        for m in mems:
            if isinstance(m, dict) and m.get("energy_pj_per_byte") is None and isinstance(m.get("size_bytes"), int):
                m = {**m, "energy_pj_per_byte": round(sram_energy_pj_per_byte(m["size_bytes"], node), 5)}
            filled.append(m)
        data["memories"] = filled
    dram = data.get("dram")
    if isinstance(dram, dict):
        from accelsim.hardware.dram import fill_dram
        dram = data["dram"] = fill_dram(dram)
    if isinstance(dram, dict) and dram.get("energy_pj_per_byte") is None:
        data["dram"] = {**dram, "energy_pj_per_byte": DRAM_PJ_PER_BYTE}
    return data
