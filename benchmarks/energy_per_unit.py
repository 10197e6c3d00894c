"""Energy per inference of every unit of a few chips (the README's "cheapest -> dearest" table).

    python benchmarks/energy_per_unit.py        # prints the markdown rows

Each entry is ``accelsim.simulate(profile, network, unit=U, precision=int8 | fp16 where U lacks int8)``
(analytical fidelity, calibrated profiles): ``energy_mj`` (SoC + DRAM) and, in brackets, the unit's own
energy, ``energy_mj`` minus the SoC's always-on and DRAM background power over the run.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import accelsim  # noqa: E402
from accelsim.cost.power import system_static_mw  # noqa: E402
from accelsim.hardware import load_profile  # noqa: E402
from accelsim.workload import load_workload  # noqa: E402

ROWS = [("snapdragon855", "mobilenet_v2"), ("snapdragon855", "resnet50"), ("kirin980", "mobilenet_v2"),
        ("kirin980", "resnet50"), ("exynos990", "resnet50"), ("jetson_agx_xavier", "mobilenet_v2"),
        ("jetson_agx_xavier", "resnet50"), ("jetson_nano", "resnet50"), ("myriadx", "resnet50"),
        ("raspberrypi5", "mobilenet_v2"), ("raspberrypi5", "resnet50")]
NAMES = {"mobilenet_v2": "MobileNet-V2", "resnet50": "ResNet-50"}
KINDS = ("cpu", "gpu", "npu", "dla", "dsp", "vpu")


def row(chip: str, net: str) -> str:
    prof = load_profile(chip)
    out = []
    for u in prof.units:
        if u.kind not in KINDS:
            continue
        prec = "int8" if "int8" in u.precisions else "fp16"
        r = accelsim.simulate(prof, load_workload(net).with_precision(prec), unit=u.name)
        own = r.energy_mj - system_static_mw(prof) * r.latency_ms * 1e-3
        out.append((r.energy_mj, f"{u.name}{'' if prec == 'int8' else ' fp16'} {r.energy_mj:.3g} ({own:.3g})"))
    return f"| {chip} | {NAMES[net]} | " + " · ".join(s for _, s in sorted(out)) + " |"


if __name__ == "__main__":
    for chip, net in ROWS:
        print(row(chip, net))
