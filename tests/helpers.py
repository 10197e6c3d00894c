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
