"""Reports: terminal tables, rooflines, breakdown plots and a self-contained HTML page.

The plotting half imports matplotlib, which takes a third of a second; it is
loaded on first use so that ``accelsim run`` without ``--report`` starts fast.
"""
from accelsim.report.table import format_table, layer_table, report_text, totals

_PLOTTING = {"ReportFiles", "load_result_json", "write_report"}

__all__ = ["ReportFiles", "format_table", "layer_table", "load_result_json", "report_text", "totals",
           "write_report"]


def __getattr__(name: str):
    if name in _PLOTTING:
        from accelsim.report import write
        return getattr(write, name)
    raise AttributeError(f"module 'accelsim.report' has no attribute {name!r}")
