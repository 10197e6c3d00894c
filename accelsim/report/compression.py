"""The before/after table of a compressed run (``accelsim run --compress``)."""
from __future__ import annotations

from accelsim.report.table import format_table

ROWS = [("params", "params", "{:,}"), ("nonzero params", "nonzero_params", "{:,}"),
        ("model bytes", "model_bytes", "{:,}"), ("MACs", "macs", "{:,}"),
        ("effective MACs", "effective_macs", "{:,}"), ("bit-operations", "bit_ops", "{:,}"),
        ("DRAM bytes", "dram_bytes", "{:,}"), ("latency ms", "latency_ms", "{:.4f}"),
        ("energy mJ", "energy_mj", "{:.4f}")]


def compression_text(summary) -> str:
    """``summary`` (a CompressionSummary) as a table: figure, before, after, after/before."""
    ratios = summary.ratios()
    rows = []
    for label, key, fmt in ROWS:
        b, a = getattr(summary.before, key), getattr(summary.after, key)
        r = ratios[key]
        rows.append([label, fmt.format(b), fmt.format(a), "-" if r is None else f"{r:.3f}x"])
    steps = "; ".join(f"{s.spec} ({len(s.layers)} layers{', ' + s.note if s.note else ''})"
                      for s in summary.lineage)
    return (f"compression {summary.spec}: {steps}\n"
            + format_table(["", "before", "after", "after/before"], rows))
