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
