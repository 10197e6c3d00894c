"""Plain-text per-layer tables and totals for the terminal."""
from __future__ import annotations

from accelsim.sim.result import RunResult


def _si(x: float) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.2f}{suffix}"
    return f"{x:.0f}"


def format_table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """Columns padded to their widest cell; columns in ``right`` right-aligned."""
    right = right if right is not None else set(range(1, len(headers)))
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule] + [line(r) for r in rows])


def layer_table(result: RunResult) -> str:
    headers = ["layer", "op", "prec", "MACs", "compute cyc", "overhead cyc", "stall cyc", "total cyc", "bound", "ms",
               "mJ", "DRAM B", "util"]
    rows = [[lr.name, lr.op, lr.precision + ("*" if lr.emulated else ""), _si(lr.macs), f"{lr.compute_cycles:,}",
             f"{lr.overhead_cycles:,}",
             f"{lr.stall_cycles:,}", f"{lr.total_cycles:,}", lr.bound, f"{lr.latency_ms:.4f}", f"{lr.energy_mj:.4f}",
             _si(lr.dram_bytes), f"{100 * lr.utilization:.1f}%"] for lr in result.layers]
    return format_table(headers, rows, right=set(range(3, len(headers))))


def _parts(result: RunResult) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in result.energy_parts_mj().items())


def _link_line(result: RunResult) -> str:
    """The host link's share of the latency, when the run has one (accelsim/sim/host_link.py)."""
    link = getattr(result, "host_link", None)
    if link is None:
        return ""
    return (f"  host link     {link.link}: {link.transfer_ms:.3f} ms of it (upload {_si(link.upload_bytes)}B, "
            f"download {_si(link.download_bytes)}B), {link.energy_mj:.3f} mJ waiting\n")


def totals(result: RunResult) -> str:
    df = f", dataflow {result.dataflow}" if result.dataflow else ""
    th = f", {result.threads} thread{'s' if result.threads != 1 else ''}" if result.threads else ""
    mode = f" (power mode {result.power_mode})" if result.power_mode else ""
    cal = (f"  calibrated    fitted factors from {result.calibration}\n" if result.calibration
           else "  calibrated    no (spec figures alone)\n")
    if getattr(result, "runtime", None):
        cal += f"  runtime       {result.runtime}\n"
    return (f"{result.workload} on {result.profile}/{result.unit} ({result.fidelity}{df}{th}, "
            f"{result.clock_ghz:g} GHz)\n" + cal +
            f"  total cycles  {result.total_cycles:,} (compute {result.compute_cycles:,}, "
            f"overhead {result.overhead_cycles:,}, stall {result.stall_cycles:,})\n"
            f"  latency       {result.latency_ms:.3f} ms\n" + _link_line(result) +
            f"  energy        {result.energy_mj:.3f} mJ (SoC + DRAM; {_parts(result)}), "
            f"avg {result.avg_power_w:.2f} W\n"
            f"  board energy  {result.board_energy_mj:.3f} mJ{mode}\n"
            f"  DRAM traffic  {_si(result.dram_bytes)}B\n"
            f"  MACs          {_si(result.macs)}\n"
            f"  utilization   {100 * result.utilization:.1f}%")


def cycle_notes(result: RunResult) -> str:
    """Cycle fidelity: which layers the kernels measured and which kept the analytical count."""
    details = [(lr.name, lr.cycle_detail) for lr in result.layers if lr.cycle_detail]
    if not details:
        return ""
    measured = [n for n, d in details if d.get("source") == "kernel"]
    lines = [f"  kernels measured {len(measured)} layer(s); the others use analytical cycles"]
    reasons: dict[str, list[str]] = {}
    for name, d in details:
        if d.get("source") != "kernel":
            reasons.setdefault(d.get("reason", "?"), []).append(name)
    for reason, names in reasons.items():
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        lines.append(f"  analytical: {shown} ({reason})")
    return "\n" + "\n".join(lines)


def emulation_notes(result: RunResult) -> str:
    """Name the layers whose format the unit lacks and computes in a wider one."""
    emulated = [lr for lr in result.layers if getattr(lr, "emulated", False)]
    if not emulated:
        return ""
    formats = sorted({lr.precision for lr in emulated})
    runs = sorted({(lr.mapping or {}).get("runs_as", "") for lr in emulated} - {""})
    how = f" in {', '.join(runs)}" if runs else " in a wider format"
    return (f"\n  * emulated     {len(emulated)} layer(s) in {', '.join(formats)}: the unit lacks the format "
            f"and computes it{how}")


def report_text(result: RunResult) -> str:
    return layer_table(result) + "\n\n" + totals(result) + cycle_notes(result) + emulation_notes(result)
