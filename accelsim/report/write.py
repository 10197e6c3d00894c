"""``write_report``: a result (+ its profile) -> PNG plots and a self-contained ``index.html``."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from accelsim.cost.compression import execution_format
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.hardware.schema import PRECISION_BITS
from accelsim.limits import shown
from accelsim.report import html
from accelsim.report.breakdown import ENERGY_PARTS, layer_breakdowns
from accelsim.report.explain import PARTS, time_budget
from accelsim.report.plots import (energy_figure, latency_figure, roofline_figure, save_png, time_budget_figure,
                                   utilization_figure)
from accelsim.report.roofline import Roofline, roofline, units_in
from accelsim.report.table import _si
from accelsim.sim.result import RunResult
from accelsim.sim.soc_result import SocRunResult

RESULT_KEYS = ("profile", "workload", "fidelity", "latency_ms", "energy_mj", "layers")
LAYER_KEYS = ("name", "op", "unit", "precision", "macs", "compute_cycles", "total_cycles", "latency_ms",
              "energy_mj", "dram_bytes", "utilization")


@dataclass
class ReportFiles:
    """What ``write_report`` wrote, and the rooflines it drew."""

    out_dir: Path
    index_html: Path
    pngs: dict[str, Path] = field(default_factory=dict)
    rooflines: dict[str, Roofline] = field(default_factory=dict)
    above_roof: list[str] = field(default_factory=list)


EMULATED_NOTE = ("* emulated: the unit lacks this format and computes it in a wider one it has "
                 "(JSON: emulated, mapping.runs_as)")


def load_result_json(path: str | Path) -> dict:
    """Read an ``accelsim run --json`` file, checking it has what a report needs."""
    path = Path(path)
    if not path.is_file():
        raise AccelsimError(f"{path}: file not found")
    try:
        data = json.loads(path.read_text(), parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:  # JSONDecodeError, UnicodeDecodeError, a 5000-digit integer
        raise AccelsimError(f"{path}: not valid JSON: {str(err)[:80]}") from None
    check_result(data, str(path))
    return data


def _no_constant(token: str):
    raise json.JSONDecodeError(f"{token} is not a JSON number (results are finite)", token, 0)


def check_result(data: object, where: str) -> None:
    if not isinstance(data, dict):
        raise AccelsimError(f"{where}: expected a result object (accelsim run --json), got {type(data).__name__}")
    missing = [k for k in RESULT_KEYS if k not in data]
    if missing:
        raise AccelsimError(f"{where}: {missing[0]}: missing; a result (accelsim run --json) has "
                            f"{', '.join(RESULT_KEYS)}")
    if not isinstance(data["layers"], list) or not data["layers"]:
        raise AccelsimError(f"{where}: layers: got {shown(data['layers'])}; a non-empty list of layers is required")
    check_types(data, RESULT_TYPES, where)
    for i, layer in enumerate(data["layers"]):
        gone = [k for k in LAYER_KEYS if k not in layer] if isinstance(layer, dict) else list(LAYER_KEYS)
        if gone:
            raise AccelsimError(f"{where}: layers[{i}].{gone[0]}: missing; each layer needs {', '.join(LAYER_KEYS)}")
        check_types(layer, LAYER_TYPES, f"{where}: layers[{i}]")
        if layer["precision"] not in PRECISION_BITS:
            raise AccelsimError(f"{where}: layers[{i}].precision: got {shown(layer['precision'])}; allowed: "
                                f"{', '.join(PRECISION_BITS)}")


_TEXT, _COUNT, _NUMBER = "a string", "a non-negative integer", "a finite number >= 0"
RESULT_TYPES = {"profile": _TEXT, "workload": _TEXT, "fidelity": _TEXT, "unit": _TEXT, "dataflow": _TEXT,
                "latency_ms": _NUMBER, "energy_mj": _NUMBER, "utilization": _NUMBER, "total_cycles": _COUNT,
                "compute_cycles": _COUNT, "stall_cycles": _COUNT, "dram_bytes": _COUNT, "macs": _COUNT,
                "clock_ghz": _NUMBER}
LAYER_TYPES = {"name": _TEXT, "op": _TEXT, "unit": _TEXT, "precision": _TEXT, "macs": _COUNT,
               "compute_cycles": _COUNT, "total_cycles": _COUNT, "latency_ms": _NUMBER, "energy_mj": _NUMBER,
               "dram_bytes": _COUNT, "utilization": _NUMBER}


def _fits(value: object, kind: str) -> bool:
    if kind == _TEXT:
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind == _COUNT:
        return isinstance(value, int) and value >= 0
    return math.isfinite(value) and value >= 0


def check_types(data: dict, types: dict[str, str], where: str) -> None:
    """Each key of ``types`` present in ``data`` has its kind (null allowed only for optional text)."""
    for key, kind in types.items():
        if key not in data or (data[key] is None and key not in RESULT_KEYS and key not in LAYER_KEYS):
            continue
        if not _fits(data[key], kind):
            raise AccelsimError(f"{where}.{key}: got {shown(data[key])}; must be {kind}")


def safe_file_stem(name: str) -> str:
    """``name`` (from an input file: a unit, a layer) as one harmless file-name part: no separators, no '..'."""
    stem = re.sub(r"[^A-Za-z0-9_.+-]", "_", str(name)).strip(".") or "_"
    return stem[:80]


def inside(folder: Path, file_name: str) -> Path:
    """``folder / file_name``, refused unless it resolves inside ``folder``."""
    path = (folder / file_name).resolve()
    if path.parent != folder.resolve():
        raise AccelsimError(f"{file_name!r}: output file would land outside {folder}; refused")
    return folder / file_name


def _check_profile(result: dict, profile: Profile) -> None:
    units = {u.name: u for u in profile.units}
    for layer in result["layers"]:
        u = units.get(layer["unit"])
        if u is None:
            raise AccelsimError(f"result layer {layer['name']!r}: unit {layer['unit']!r} is not in profile "
                                f"{profile.name!r} (units {sorted(units)}); give the profile the result ran on")
        try:
            execution_format(u, layer["precision"], layer["name"])   # native, or emulated as the cost model does
        except AccelsimError:
            raise AccelsimError(f"result layer {layer['name']!r}: precision {layer['precision']!r} is not "
                                f"supported by {profile.name}/{u.name}; give the profile the result ran on") from None


def embedded_profile(data: dict) -> Profile | None:
    """The profile a result recorded in ``inputs.profile.content`` (as run, calibrated), or None."""
    content = ((data.get("inputs") or {}).get("profile") or {}).get("content")
    if not isinstance(content, dict):
        return None
    from accelsim.validation import validate
    try:
        return validate(Profile, content, "result inputs.profile.content")
    except AccelsimError:   # written by another accelsim version whose schema differs: use the named profile
        return None


def write_report(result: dict | RunResult | SocRunResult, out_dir: str | Path, profile: str | Path | Profile | None = None
                 ) -> ReportFiles:
    """Write rooflines (one per unit), breakdowns, utilization and ``index.html`` into ``out_dir``.

    ``profile`` is the profile the result ran on (object, name or path); by
    default the one the result embeds (``inputs.profile.content``), else the one it names.
    """
    data = result.to_dict() if isinstance(result, (RunResult, SocRunResult)) else result
    check_result(data, "result")
    prof = load_profile(profile if profile is not None else embedded_profile(data) or data["profile"])
    _check_profile(data, prof)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AccelsimError(f"{out}: cannot create report folder: {err.strerror}") from None
    files = ReportFiles(out, out / "index.html")
    what = f"{data['workload']} on {prof.name}"
    for unit in units_in(data):
        rf = roofline(data, prof, unit)
        files.rooflines[unit] = rf
        png = inside(out, f"roofline_{safe_file_stem(unit)}.png")  # unit names come from input files
        files.pngs[f"roofline_{unit}"] = save_png(roofline_figure(rf), png)
        files.above_roof += [f"{unit}/{p.layer}" for p in rf.points
                             if p.attained_gops > rf.roof_gops(p.intensity_ops_per_byte, p.precision) * (1 + 1e-9)]
    rows = layer_breakdowns(data, prof)
    files.pngs["latency"] = save_png(latency_figure(rows, f"Per-layer latency of {what}: "
                                                          f"{data['latency_ms']:.3f} ms"), out / "latency.png")
    files.pngs["energy"] = save_png(energy_figure(rows, f"Per-layer energy of {what}: {data['energy_mj']:.3f} mJ"),
                                    out / "energy.png")
    overall = data["utilization"] if "utilization" in data else _mac_weighted_utilization(data["layers"])
    files.pngs["utilization"] = save_png(utilization_figure(rows, overall), out / "utilization.png")
    budget = time_budget(data)
    files.pngs["time_budget"] = save_png(time_budget_figure(budget, f"Where the time goes: {what}, "
                                                                    f"{budget.total_ms:.3f} ms of layers"),
                                         out / "time_budget.png")
    (out / "rooflines.json").write_text(json.dumps({u: rf.to_dict() for u, rf in files.rooflines.items()},
                                                   indent=1) + "\n")
    files.index_html.write_text(_index(data, prof, files, rows, budget))
    return files


def _mac_weighted_utilization(layers: list[dict]) -> float:
    """Utilization of a run over several units/clocks: each layer's utilization weighted by its time."""
    ms = sum(x["latency_ms"] for x in layers)
    return sum(x["utilization"] * x["latency_ms"] for x in layers) / ms if ms else 0.0


def _totals(data: dict, prof: Profile) -> str:
    df = f", dataflow {data['dataflow']}" if data.get("dataflow") else ""
    rows = [["workload", data["workload"]], ["profile / unit", f"{prof.name} / {data.get('unit', '')}"],
            ["fidelity", f"{data['fidelity']}{df}"], ["latency", f"{data['latency_ms']:.4f} ms"],
            ["energy", f"{data['energy_mj']:.4f} mJ"]]
    if "total_cycles" in data:
        rows += [["total cycles", f"{data['total_cycles']:,}"],
                 ["compute / overhead / stall cycles", f"{data.get('compute_cycles', 0):,} / "
                                                       f"{data.get('overhead_cycles', 0):,} / "
                                                       f"{data.get('stall_cycles', 0):,}"]]
    else:   # several units with their own clocks: cycles do not add up, time does
        rows += [["layer time (all units)", f"{sum(x['latency_ms'] for x in data['layers']):.4f} ms"],
                 ["copies between units", f"{len(data.get('copies', []))}, "
                                          f"{sum(c['latency_ms'] for c in data.get('copies', [])):.4f} ms"]]
    util = data["utilization"] if "utilization" in data else _mac_weighted_utilization(data["layers"])
    rows += [["board energy", f"{data.get('board_energy_mj', data['energy_mj']):.4f} mJ"],
             ["average power (SoC + DRAM)", f"{data.get('avg_power_w', 0.0):.3f} W"]]
    rows += [["DRAM traffic", f"{_si(data.get('dram_bytes', 0))}B"], ["MACs", _si(data.get("macs", 0))],
             ["utilization", f"{100 * util:.1f}%" + ("" if "utilization" in data else " (time-weighted over units)")]]
    inputs = data.get("inputs") or {}
    if inputs:
        p = inputs.get("profile") or {}
        cal = p.get("calibration") or {}
        cal_text = f"{Path(cal['file']).name} (sha256 {(cal.get('sha256') or '')[:12]})" if cal.get("file") else None
        rows += [["accelsim", inputs.get("accelsim_version", data.get("accelsim_version", ""))],
                 ["profile sha256", (p.get("sha256") or "")[:16]], ["calibration", cal_text or "none (spec figures)"]]
    return html.table(["quantity", "value"], rows, numeric={1})


def _time_section(budget, files: ReportFiles) -> str:
    def ms_cells(g):
        return [f"{g.ms[p]:.4f}" for p in PARTS]

    classes = html.table(["op class", "layers", "ms", "share", "compute ms", "memory ms", "overhead ms", "mJ"],
                         [[g.key, g.layers, f"{g.latency_ms:.4f}", f"{100 * g.share:.1f}%", *ms_cells(g),
                           f"{g.energy_mj:.4f}"] for g in budget.by_op_class])
    top = html.table(["#", "layer", "op class", "unit", "ms", "share", "compute ms", "memory ms", "overhead ms",
                      "bound"],
                     [[i + 1, x.name, x.op_class, x.unit, f"{x.latency_ms:.4f}",
                       f"{100 * x.latency_ms / budget.total_ms:.1f}%" if budget.total_ms else "-", *ms_cells(x),
                       x.bound] for i, x in enumerate(budget.top)], numeric={0, 4, 5, 6, 7, 8})
    return (f"<p><b>{html.esc(budget.sentence())}.</b></p>"
            + html.img_tag(files.pngs["time_budget"], "where the time goes")
            + '<p class="note">compute: the unit busy on MACs or element operations; memory: waiting for DRAM or '
              "on-chip memory beyond the compute time; overhead: fixed per-layer launch / dispatch cost (when the "
              "cost model records it). bound: the largest of the three.</p>"
            + "<h3>By op class</h3>" + classes + f"<h3>The {len(budget.top)} slowest layers</h3>" + top)


def _soc_sections(data: dict, budget) -> list[tuple[str, str]]:
    """Mapping, copies and per-unit time and utilization of a run partitioned over several units."""
    from accelsim.report.soc import mapping_runs
    mapping = data.get("mapping") or {x["name"]: x["unit"] for x in data["layers"]}
    runs = html.table(["first layer", "last layer", "layers", "unit"],
                      [[a, b, n, u] for a, b, n, u in mapping_runs(mapping)], numeric={2})
    end_to_end = data["latency_ms"]
    per_unit = html.table(["unit", "layers", "busy ms", "busy share of end-to-end", "utilization while busy", "mJ"],
                          [[g.key, g.layers, f"{g.latency_ms:.4f}",
                            f"{100 * g.latency_ms / end_to_end:.1f}%" if end_to_end else "-",
                            f"{100 * _mac_weighted_utilization([x for x in data['layers'] if x['unit'] == g.key]):.1f}%",
                            f"{g.energy_mj:.4f}"] for g in budget.by_unit])
    copies = data.get("copies") or []
    copy_table = html.table(["tensor", "from", "to", "via", "bytes", "ms", "mJ"],
                            [[c["tensor"], c["src"], c["dst"], c["via"], f"{c['moved_bytes']:,}",
                              f"{c['latency_ms']:.4f}", f"{c['energy_mj']:.4f}"] for c in copies], numeric={4, 5, 6}) \
        if copies else "<p>No tensor crosses between units.</p>"
    bound = ""
    if data.get("latency_bound_ms") is not None:
        bound = (f" within {data['latency_bound_ms']:g} ms"
                 + ("" if data.get("bound_met", True) else " (not met: the fastest mapping is shown)"))
    head = (f"<p>Partitioned for {html.esc(data.get('objective', 'latency'))}{html.esc(bound)}"
            f"{'' if data.get('exact', True) else ' (approximate search)'}: consecutive layers on one unit "
            "are one row.</p>")
    return [("Mapping", head + runs), ("Units", per_unit), (f"Copies between units ({len(copies)})", copy_table)]


def _compression_section(block: dict) -> str:
    from accelsim.report.compression import ROWS
    rows = []
    for label, key, fmt in ROWS:
        b, a, r = block["before"].get(key), block["after"].get(key), block.get("ratio", {}).get(key)
        rows.append([label, "-" if b is None else fmt.format(b), "-" if a is None else fmt.format(a),
                     "-" if r is None else f"{r:.3f}x"])
    steps = "; ".join(f"{s.get('spec', '')} ({len(s.get('layers', []))} layers)" for s in block.get("lineage", []))
    return (f"<p>Compression <code>{html.esc(block.get('spec', ''))}</code>: {html.esc(steps)}. The rest of this "
            "report is the compressed run.</p>" + html.table(["", "before", "after", "after/before"], rows))


def _index(data: dict, prof: Profile, files: ReportFiles, rows, budget) -> str:
    totals = _totals(data, prof)
    sections = [("", f"<p>{html.esc(prof.description)}</p>"), ("Totals", totals)]
    if data.get("compression"):
        sections.append(("Compression: before and after", _compression_section(data["compression"])))
    sections.append(("Where the time goes", _time_section(budget, files)))
    if "mapping" in data or "copies" in data:
        sections += _soc_sections(data, budget)
    for unit, rf in files.rooflines.items():
        bounds = html.table(["roof", "value"], [[f"{c.precision} compute ceiling" + (f" ({c.via})" if c.via else ""),
                                                 f"{c.peak_gops:,.1f} GOP/s"] for c in rf.ceilings]
                            + [[f"{c.precision} vector ceiling (depthwise, element-wise)", f"{c.peak_gops:,.1f} GOP/s"]
                               for c in rf.vector_ceilings]
                            + [[f"{s.level} bandwidth slope" + (f" ({s.cores} cores)" if s.cores > 1 else ""),
                                f"{s.bandwidth_gbps:g} GB/s"] for s in rf.slopes]
                            + [[f"{name} bandwidth", "unlimited (no slope)"] for name in rf.unlimited_levels],
                            numeric={1})
        notes = ""
        if rf.skipped:
            notes += f'<p class="note">Not on the plot: {html.esc(", ".join(rf.skipped))}.</p>'
        bad = [x for x in files.above_roof if x.startswith(f"{unit}/")]
        if bad:
            notes += (f'<p class="note"><b>Warning:</b> {len(bad)} layer(s) above the roof ({html.esc(", ".join(bad))})'
                      ": the profile given is probably not the one this result ran on.</p>")
        sections.append((f"Roofline: {unit}", html.img_tag(files.pngs[f"roofline_{unit}"], f"roofline {unit}")
                         + '<p class="note">Each point is a layer at its DRAM operational intensity, coloured by op '
                         "class; the five slowest layers are numbered; 1 MAC = 2 ops."
                         + (f" Peaks count the run's {rf.threads} thread(s)." if rf.threads else "")
                         + "</p>" + bounds + notes))
    sections.append(("Latency per layer", html.img_tag(files.pngs["latency"], "latency per layer")))
    sections.append(("Energy per layer", html.img_tag(files.pngs["energy"], "energy per layer")
                     + '<p class="note">Compute: MACs, instructions and the unit\'s busy power; sram: on-chip '
                     "memory; DRAM: reads and writes at the DRAM generation's energies; static: leakage, SoC "
                     "always-on and DRAM background power over the layer's time.</p>"))
    sections.append(("Utilization per layer", html.img_tag(files.pngs["utilization"], "utilization per layer")))
    headers = ["layer", "op", "unit", "prec", "MACs", "compute cyc", "overhead cyc", "stall cyc", "total cyc", "ms",
               "mJ"] + [f"{p} mJ" for p in ENERGY_PARTS] + ["DRAM B", "util", "bound"]
    table_rows = [[lr["name"], lr.get("op_class") or lr["op"], lr["unit"],
                   lr["precision"] + ("*" if lr.get("emulated") else ""), _si(lr["macs"]),
                   f"{lr['compute_cycles']:,}", f"{lr.get('overhead_cycles', 0):,}", f"{lr['stall_cycles']:,}",
                   f"{lr['total_cycles']:,}", f"{lr['latency_ms']:.4f}", f"{lr['energy_mj']:.4f}"]
                  + [f"{b.energy_mj[p]:.4f}" for p in ENERGY_PARTS]
                  + [_si(lr["dram_bytes"]), f"{100 * lr['utilization']:.1f}%", t.bound]
                  for lr, b, t in zip(data["layers"], rows, budget.layers)]
    sections.append(("Layers", html.table(headers, table_rows, numeric=set(range(4, len(headers) - 1)))
                     + (f'<p class="note">{EMULATED_NOTE}</p>' if any(lr.get("emulated") for lr in data["layers"])
                        else "")))
    return html.page(f"accelsim report: {data['workload']} on {prof.name}", sections)
