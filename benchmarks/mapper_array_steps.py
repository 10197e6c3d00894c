"""Does a bigger MAC array ever make a network slower? SCALE-Sim's mapping against the auto mapper.

    python benchmarks/mapper_array_steps.py   # prints the counts, writes benchmarks/results/mapper_array_steps.json

Every systolic unit of every profile (calibrated), square arrays 8x8 .. 512x512 (every precision's MACs per
cycle scaled with the PE count), eight zoo networks in int8 (fp16 where a unit lacks int8): a "step" is one
doubling of the array side, and it "gets slower" when the network's analytical latency rises. Also records
generic_npu MobileNet-V2 int8 latencies, the Kirin 980 NPU ResNet-50 DRAM bytes against the compulsory
count, the time the mapper takes per network, and how many systolic unit x network pairs run ternary or
binary slower than int8.
"""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import accelsim  # noqa: E402
from accelsim.hardware import load_profile  # noqa: E402
from accelsim.workload import load_workload  # noqa: E402

NETWORKS = ["mobilenet_v1", "mobilenet_v2", "resnet18", "resnet50", "squeezenet1_1", "shufflenet_v2", "alexnet",
            "tiny_yolo_v2"]
SIDES = [8, 16, 32, 64, 128, 256, 512]
PROFILES = ["generic_npu", "kirin970", "kirin980", "kirin990", "exynos9820", "exynos990", "myriadx",
            "jetson_agx_xavier", "jetson_xavier_nx", "jetson_agx_orin", "jetson_orin_nx"]


def resized(profile, unit, side: int):
    """The profile with ``unit``'s array at side x side, every precision's rate scaled with the PEs."""
    scale = side * side / unit.pe_count
    u = unit.model_copy(update={
        "array": unit.array.model_copy(update={"rows": side, "cols": side}),
        "precisions": {k: v.model_copy(update={"macs_per_cycle": v.macs_per_cycle * scale,
                                               "vector_macs_per_cycle": v.vector_macs_per_cycle and
                                               v.vector_macs_per_cycle * scale})
                       for k, v in unit.precisions.items()}})
    return profile.model_copy(update={"units": [u], "default_unit": u.name})


def systolic_units():
    """(profile name, profile, unit, base format) of every systolic unit: int8, or fp16 where it lacks int8."""
    for name in PROFILES:
        prof = load_profile(name)
        for unit in prof.units:
            if unit.cost_model == "systolic":
                yield name, prof, unit, "int8" if "int8" in unit.precisions else "fp16"


def steps() -> dict:
    counts = {m: {"steps": 0, "slower": 0, "examples": []} for m in ("scalesim", "auto")}
    for name, prof, unit, prec in systolic_units():
        for net in NETWORKS:
            wl = load_workload(net).with_precision(prec)
            for mapping in counts:
                lat = [accelsim.simulate(resized(prof, unit, s), wl, mapping=mapping).latency_ms for s in SIDES]
                for a, b, (ms_a, ms_b) in zip(SIDES, SIDES[1:], zip(lat, lat[1:])):
                    counts[mapping]["steps"] += 1
                    if ms_b > ms_a * (1 + 1e-9):
                        counts[mapping]["slower"] += 1
                        if len(counts[mapping]["examples"]) < 8:
                            counts[mapping]["examples"].append(f"{name}/{unit.name} {net} {a}->{b}: "
                                                               f"{ms_a:.3f} -> {ms_b:.3f} ms")
    return counts


def figures() -> dict:
    out = {}
    npu = load_profile("generic_npu")
    for mapping in ("scalesim", "auto"):
        out[f"generic_npu_mobilenet_v2_int8_ms_{mapping}"] = {
            s: round(accelsim.simulate(resized(npu, npu.unit(), s), "mobilenet_v2", precision="int8",
                                       mapping=mapping).latency_ms, 3) for s in (32, 64, 256)}
    wl = load_workload("resnet50").with_precision("int8")
    last = wl.infos[-1]
    compulsory = wl.model_bytes + sum(math.prod(s) for s in wl.inputs.values()) + last.ofmap_elems
    out["kirin980_npu_resnet50_int8_compulsory_mb"] = compulsory / 1e6
    for mapping in ("scalesim", "auto"):
        t = time.perf_counter()
        r = accelsim.simulate("kirin980", wl, unit="npu", mapping=mapping)
        out[f"kirin980_npu_resnet50_int8_{mapping}"] = {
            "dram_mb": r.dram_bytes / 1e6, "x_compulsory": r.dram_bytes / compulsory, "latency_ms": r.latency_ms,
            "energy_mj": r.energy_mj, "simulate_ms": (time.perf_counter() - t) * 1e3}
    return out




def low_bit_pairs() -> dict:
    """Systolic unit x network x {ternary, binary}: runs slower than the unit's int8 (fp16 where it lacks int8)."""
    counts = {m: {"pairs": 0, "slower": 0} for m in ("scalesim", "auto")}
    for _, prof, unit, base_fmt in systolic_units():
        for net in NETWORKS:
            wl = load_workload(net)
            for mapping in counts:
                base = accelsim.simulate(prof, wl.with_precision(base_fmt), unit=unit.name,
                                         mapping=mapping).latency_ms
                for fmt in ("ternary", "binary"):
                    ms = accelsim.simulate(prof, wl.with_precision(fmt), unit=unit.name,
                                           mapping=mapping).latency_ms
                    counts[mapping]["pairs"] += 1
                    counts[mapping]["slower"] += ms > base * (1 + 1e-9)
    return counts


if __name__ == "__main__":
    result = {"figures": figures(), "array_steps": steps(), "low_bit_pairs": low_bit_pairs()}
    print(json.dumps(result, indent=1))
    path = ROOT / "benchmarks" / "results" / "mapper_array_steps.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
