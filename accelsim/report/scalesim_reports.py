"""SCALE-Sim's three per-layer reports, in its CSV format, from ``accelsim.sim.scalesim_memory`` results.

``write_scalesim_reports(layers, out_dir)`` writes COMPUTE_REPORT.csv,
BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv with SCALE-Sim's headers
and column order (words and cycles), so they diff against SCALE-Sim's own
output. Definitions follow SCALE-Sim: SRAM bandwidths are accesses over the
layer's total cycles; DRAM bandwidths are accesses over the interface's own
active window (first to last DRAM cycle, inclusive). SRAM start / stop cycles
are the first and last demand cycles (reads are served one cycle after the
request). For a depthwise row, the DRAM windows are those of one channel's run.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.sim.scalesim_memory import LayerMemory

COMPUTE_HEADER = ["LayerID", "Total Cycles", "Stall Cycles", "Overall Util %", "Mapping Efficiency %",
                  "Compute Util %"]
BANDWIDTH_HEADER = ["LayerID", "Avg IFMAP SRAM BW", "Avg FILTER SRAM BW", "Avg OFMAP SRAM BW", "Avg IFMAP DRAM BW",
                    "Avg FILTER DRAM BW", "Avg OFMAP DRAM BW"]
ACCESS_HEADER = ["LayerID", "SRAM IFMAP Start Cycle", "SRAM IFMAP Stop Cycle", "SRAM IFMAP Reads",
                 "SRAM Filter Start Cycle", "SRAM Filter Stop Cycle", "SRAM Filter Reads",
                 "SRAM OFMAP Start Cycle", "SRAM OFMAP Stop Cycle", "SRAM OFMAP Writes",
                 "DRAM IFMAP Start Cycle", "DRAM IFMAP Stop Cycle", "DRAM IFMAP Reads",
                 "DRAM Filter Start Cycle", "DRAM Filter Stop Cycle", "DRAM Filter Reads",
                 "DRAM OFMAP Start Cycle", "DRAM OFMAP Stop Cycle", "DRAM OFMAP Writes"]
FILES = ("COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv")


def _per_window(count: int, window: tuple[int, int]) -> float:
    span = window[1] - window[0] + 1
    return count / span if span > 0 and count else 0.0


def compute_rows(layers: list[LayerMemory]) -> list[list]:
    return [[i, lm.total_cycles, lm.stall_cycles,
             100 * lm.compute_utilization * lm.compute_cycles / max(1, lm.total_cycles),
             100 * lm.mapping_efficiency, 100 * lm.compute_utilization] for i, lm in enumerate(layers)]


def bandwidth_rows(layers: list[LayerMemory]) -> list[list]:
    rows = []
    for i, lm in enumerate(layers):
        total = max(1, lm.total_cycles)
        rows.append([i, lm.ifmap_sram_reads / total, lm.filter_sram_reads / total, lm.ofmap_sram_writes / total,
                     _per_window(lm.ifmap_dram_reads, lm.ifmap_dram_cycles),
                     _per_window(lm.filter_dram_reads, lm.filter_dram_cycles),
                     _per_window(lm.ofmap_dram_writes, lm.ofmap_dram_cycles)])
    return rows


def access_rows(layers: list[LayerMemory]) -> list[list]:
    rows = []
    for i, lm in enumerate(layers):
        last = lm.total_cycles
        rows.append([i, 1, last, lm.ifmap_sram_reads, 1, last, lm.filter_sram_reads, 0, last - 1,
                     lm.ofmap_sram_writes, *lm.ifmap_dram_cycles, lm.ifmap_dram_reads, *lm.filter_dram_cycles,
                     lm.filter_dram_reads, *lm.ofmap_dram_cycles, lm.ofmap_dram_writes])
    return rows


def _cell(x) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="") as f:
        # SCALE-Sim writes ", "-separated cells with a trailing comma on every line
        f.write(", ".join(header) + ",\n")
        for row in rows:
            f.write(", ".join(_cell(x) for x in row) + ",\n")
    os.replace(tmp, path)


def write_scalesim_reports(layers: list[LayerMemory], out_dir: str | Path) -> list[Path]:
    """Write the three reports into ``out_dir`` (created); returns their paths."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / name for name in FILES]
        for path, header, rows in zip(paths, (COMPUTE_HEADER, BANDWIDTH_HEADER, ACCESS_HEADER),
                                      (compute_rows(layers), bandwidth_rows(layers), access_rows(layers))):
            _write_csv(path, header, rows)
    except OSError as err:
        raise AccelsimError(f"--scalesim-reports {out_dir}: cannot write: {err.strerror or err}") from None
    return paths


def read_report(path: str | Path) -> list[dict]:
    """A SCALE-Sim report CSV (its own or ours) as dicts, trailing empty column dropped."""
    with open(path, newline="") as f:
        rows = [[c.strip() for c in r] for r in csv.reader(f)]
    header = [h for h in rows[0] if h]
    return [dict(zip(header, r)) for r in rows[1:] if any(r)]
