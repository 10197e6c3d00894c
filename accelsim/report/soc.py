"""Terminal reports of partitioned runs and stream simulations."""
from __future__ import annotations

from accelsim.report.table import _si, format_table
from accelsim.sim.soc_result import SocRunResult
from accelsim.sim.stream_result import StreamsResult


def mapping_runs(mapping: dict[str, str]) -> list[tuple[str, str, int, str]]:
    """Consecutive layers on one unit as (first layer, last layer, count, unit)."""
    runs: list[list] = []
    for name, unit in mapping.items():
        if runs and runs[-1][3] == unit:
            runs[-1][1] = name
            runs[-1][2] += 1
        else:
            runs.append([name, name, 1, unit])
    return [tuple(r) for r in runs]  # type: ignore[misc]


def mapping_text(mapping: dict[str, str], indent: str = "  ") -> str:
    lines = []
    for first, last, count, unit in mapping_runs(mapping):
        span = first if count == 1 else f"{first} .. {last} ({count} layers)"
        lines.append(f"{indent}{span} -> {unit}")
    return "\n".join(lines)


def soc_run_text(result: SocRunResult) -> str:
    headers = ["layer", "op", "unit", "prec", "MACs", "total cyc", "ms", "mJ", "DRAM B", "util"]
    rows = [[x.name, x.op, x.unit, x.precision, _si(x.macs), f"{x.total_cycles:,}", f"{x.latency_ms:.4f}",
             f"{x.energy_mj:.4f}", _si(x.dram_bytes), f"{100 * x.utilization:.1f}%"] for x in result.layers]
    table = format_table(headers, rows, right=set(range(4, len(headers))))
    copies = sum(c.latency_ms for c in result.copies)
    bound = ""
    if result.latency_bound_ms is not None:
        bound = f" within {result.latency_bound_ms:g} ms" + ("" if result.bound_met else " (not met: fastest mapping)")
    per_unit = ", ".join(f"{u} {ms:.3f} ms" for u, ms in result.unit_ms().items())
    return (f"{table}\n\n{result.workload} on {result.profile}, partitioned for {result.objective}{bound} "
            f"({result.fidelity}{'' if result.exact else ', approximate DP'})\n"
            f"mapping:\n{mapping_text(result.mapping)}\n"
            f"  latency       {result.latency_ms:.3f} ms (units: {per_unit}; {len(result.copies)} copies "
            f"{copies:.3f} ms)\n"
            f"  energy        {result.energy_mj:.3f} mJ\n"
            f"  DRAM traffic  {_si(result.dram_bytes)}B\n"
            f"  MACs          {_si(result.macs)}")


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def streams_text(result: StreamsResult) -> str:
    headers = ["stream", "network", "fps", "frames", "done", "dropped", "missed", "achieved fps", "p50 ms",
               "p95 ms", "p99 ms", "mJ/frame"]
    rows = []
    for s in result.streams:
        net = s.workload + (f" + {s.tracker} (every {s.keyframe_interval}, {s.keyframe_mode})" if s.tracker else "")
        rows.append([s.name, net, f"{s.fps:g}", s.frames, s.completed, s.dropped_frames, s.deadline_misses,
                     f"{s.achieved_fps:.2f}", _ms(s.latency_ms.p50), _ms(s.latency_ms.p95), _ms(s.latency_ms.p99),
                     _ms(s.energy_mj_per_frame)])
    out = [format_table(headers, rows, right=set(range(2, len(headers))))]
    for s in result.streams:
        if s.keyframes:
            k = s.keyframes
            out.append(f"{s.name}: {s.workload} on keyframes: {k.launched} runs, {k.skipped} skipped, "
                       f"{k.deadline_misses} late (p95 {_ms(k.latency_ms.p95)} ms, due in "
                       f"{s.keyframe_interval} frames)")
    util = ", ".join(f"{u} {100 * v:.1f}%" for u, v in result.utilization.items())
    out.append(f"\n{result.profile}, {result.seconds:g} s of stream ({result.granularity} granularity, simulated "
               f"until {result.simulated_ms:.1f} ms)")
    out.append(f"  utilization   {util}; DRAM {100 * result.dram_utilization:.1f}%")
    for s in result.streams:
        out.append(f"mapping of {s.name} ({s.workload}):\n{mapping_text(s.mapping)}")
        if s.tracker_mapping:
            out.append(f"mapping of {s.name}'s tracker ({s.tracker}):\n{mapping_text(s.tracker_mapping)}")
    return "\n".join(out)
