"""Read a SCALE-Sim ``.cfg`` file (v1, v2 or v3) as an accelsim profile.

SCALE-Sim describes one systolic array: height, width, three SRAMs in kB and a
dataflow; ``InterfaceBandwidth: CALC`` means stall-free (unlimited) DRAM and
``USER`` gives a bandwidth in words per cycle. A SCALE-Sim word is one byte here
(int8). SCALE-Sim gives no clock and no energies: accelsim assumes 1 GHz and the
Horowitz (ISSCC 2014, 45 nm) energies, and says so in the profile's sources.
"""
from __future__ import annotations

import configparser
import math
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile
from accelsim.limits import MAX_COUNT, shown
from accelsim.validation import validate

HOROWITZ = {
    "id": "horowitz2014",
    "title": "M. Horowitz, Computing's energy problem (and what we can do about it), ISSCC 2014",
    "note": "45 nm: int8 mult 0.2 pJ + add 0.03 pJ; 32 KB SRAM read 20 pJ / 64 bit; DRAM 1.3-2.6 nJ / 64 bit",
}
INT8_MAC_PJ = 0.23          # Horowitz: 8-bit multiply 0.2 pJ + 8-bit add 0.03 pJ
SRAM_PJ_PER_BYTE = 20 / 8   # Horowitz: 32 KB SRAM, 20 pJ per 64-bit read
DRAM_PJ_PER_BYTE = 1300 / 8  # Horowitz: DRAM 1.3 nJ per 64-bit access (low end)


def _get(cfg: configparser.ConfigParser, path: Path, section: str, keys: tuple[str, ...], default=None):
    for sec in cfg.sections():
        if sec.strip().lower() == section:
            for key in keys:
                if cfg.has_option(sec, key):
                    return cfg.get(sec, key).split("#")[0].strip()
    if default is not None:
        return default
    raise AccelsimError(f"{path}: [{section}] {keys[0]}: missing; a SCALE-Sim config needs it")


def _positive_int(path: Path, field: str, text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise AccelsimError(f"{path}: {field}: got {shown(text)}; must be a positive integer") from None
    if not (math.isfinite(number) and number == int(number) and 0 < number <= MAX_COUNT):
        raise AccelsimError(f"{path}: {field}: got {shown(text)}; must be a positive integer up to {MAX_COUNT:,}")
    return int(number)


def load_scalesim_cfg(path: Path) -> Profile:
    """Parse a SCALE-Sim config into a one-unit profile (unit ``npu``)."""
    if not path.is_file():
        raise AccelsimError(f"{path}: file not found")
    cfg = configparser.ConfigParser(inline_comment_prefixes=("#", ";"))
    try:
        cfg.read_string(path.read_text())
    except (configparser.Error, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0]
        raise AccelsimError(f"{path}: not a valid SCALE-Sim .cfg file: {first}") from None
    arch = "architecture_presets"
    rows = _positive_int(path, "ArrayHeight", _get(cfg, path, arch, ("arrayheight",)))
    cols = _positive_int(path, "ArrayWidth", _get(cfg, path, arch, ("arraywidth",)))
    sram_kb = {}
    for name in ("ifmap", "filter", "ofmap"):
        key = f"{name}sramsz"
        sram_kb[name] = _positive_int(path, f"{name.capitalize()}SramSzkB",
                                      _get(cfg, path, arch, (key + "kb", key)))
    dataflow = _get(cfg, path, arch, ("dataflow",)).lower()
    if dataflow not in ("os", "ws", "is"):
        raise AccelsimError(f"{path}: Dataflow: got {dataflow!r}; allowed: os, ws, is")
    mode = _get(cfg, path, "run_presets", ("interfacebandwidth",), default="CALC").upper()
    if mode not in ("CALC", "USER"):
        raise AccelsimError(f"{path}: InterfaceBandwidth: got {mode!r}; allowed: CALC, USER")
    bandwidth_gbps = None
    if mode == "USER":
        text = _get(cfg, path, arch, ("bandwidth",), default=None) or _get(cfg, path, "run_presets", ("bandwidth",))
        words_per_cycle = _positive_int(path, "Bandwidth", text.split(",")[0])
        bandwidth_gbps = float(words_per_cycle)  # 1 byte/word at the assumed 1 GHz clock
    run_name = _get(cfg, path, "general", ("run_name",), default=path.stem)
    data = {
        "name": path.stem,
        "description": f"SCALE-Sim config {path.name} (run {run_name}): {rows}x{cols} {dataflow}, {mode} bandwidth",
        "units": [{
            "name": "npu", "kind": "npu", "cost_model": "systolic", "clock_ghz": 1.0,
            "array": {"rows": rows, "cols": cols, "dataflow": dataflow}, "mapping": "scalesim",
            "precisions": {"int8": {"macs_per_cycle": rows * cols, "energy_pj_per_mac": INT8_MAC_PJ,
                                    "source": "horowitz2014"}},
            "sram": {"ifmap_bytes": sram_kb["ifmap"] * 1024, "filter_bytes": sram_kb["filter"] * 1024,
                     "ofmap_bytes": sram_kb["ofmap"] * 1024, "energy_pj_per_byte": SRAM_PJ_PER_BYTE},
            "sources": ["scalesim_cfg", "horowitz2014"],
        }],
        "dram": {"name": "dram", "bandwidth_gbps": bandwidth_gbps, "energy_pj_per_byte": DRAM_PJ_PER_BYTE},
        "sources": [
            {"id": "scalesim_cfg", "title": f"SCALE-Sim configuration file {path.name}",
             "note": "array, SRAM sizes, dataflow and bandwidth as given; clock 1 GHz assumed (SCALE-Sim has none)"},
            HOROWITZ,
        ],
    }
    return validate(Profile, data, str(path))
