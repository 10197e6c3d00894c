"""Small builders shared by tests."""
from __future__ import annotations

import configparser
from pathlib import Path


def write_scalesim_cfg(path: Path, rows: int, cols: int, dataflow: str, bandwidth: int | None = None,
                       sram_kb: int = 64) -> Path:
    """A SCALE-Sim v3 config file as SCALE-Sim's own examples write it."""
    cfg = configparser.ConfigParser()
    cfg.optionxform = str
    cfg["general"] = {"run_name": path.stem}
    cfg["architecture_presets"] = {
        "ArrayHeight": str(rows), "ArrayWidth": str(cols), "IfmapSramSzkB": str(sram_kb),
        "FilterSramSzkB": str(sram_kb), "OfmapSramSzkB": str(sram_kb), "IfmapOffset": "0",
        "FilterOffset": "10000000", "OfmapOffset": "20000000", "Bandwidth": str(bandwidth or 10),
        "Dataflow": dataflow, "MemoryBanks": "1", "ReadRequestBuffer": "512", "WriteRequestBuffer": "512"}
    cfg["run_presets"] = {"InterfaceBandwidth": "USER" if bandwidth else "CALC", "UseRamulatorTrace": "False"}
    with path.open("w") as f:
        cfg.write(f)
    return path


def load_scalesim_profile(name, **kwargs):
    """A profile whose systolic units use SCALE-Sim's mapping: for tests whose oracle is SCALE-Sim's formula
    (the batch evaluator, the kernels' folds), now that profile units map with the auto mapper by default."""
    from accelsim.hardware import load_profile
    prof = load_profile(name, **kwargs)
    units = [u.model_copy(update={"mapping": "scalesim"}) if u.cost_model == "systolic" else u for u in prof.units]
    return prof.model_copy(update={"units": units})


def write_scalesim_profile(path: Path, name: str = "generic_npu") -> Path:
    """``name`` (uncalibrated) written to ``path`` with SCALE-Sim's mapping on its systolic units: a sweep over it
    takes the vectorized batch path (which follows SCALE-Sim's mapping)."""
    import yaml
    data = load_scalesim_profile(name, calibrated=False).model_dump(exclude_none=True)
    path.write_text(yaml.safe_dump(data))
    return path


# A hand-worked ncnn int8 chain: conv a (int8, requantizes: 8=102) -> split -> conv b (int8 input, 8=2 with
# ReLU: dequantizes, float activation pass) and conv c (int8, 8=2, no activation) -> concat -> fc d (float
# input: quantizes)
NCNN_INT8_CHAIN = """7767517
7 9
Input          in  0 1 x 0=8 1=8 2=4
Convolution    a   1 1 x ya 0=8 1=1 6=32 8=102 9=1
Split          s   1 2 ya y1 y2
Convolution    b   1 1 y1 yb 0=8 1=1 6=64 8=2 9=1
Convolution    c   1 1 y2 yc 0=8 1=1 6=64 8=2
Concat         k   2 1 yb yc yk
InnerProduct   d   1 1 yk yd 0=10 2=10240 8=2
"""
