"""Reports: terminal tables, rooflines, breakdown plots and a self-contained HTML page.

The plotting half imports matplotlib, which takes a third of a second; it is
loaded on first use so that ``accelsim run`` without ``--report`` starts fast.
"""
from accelsim.report.table import format_table, layer_table, report_text, totals

_PLOTTING = {"ReportFiles", "load_result_json", "write_report"}
# public pieces of the report for notebooks and scripts: name -> module (imported on first use)
# (``unit_roofline`` is ``accelsim.report.roofline.roofline``: the bare name would be the submodule)
_LAZY = {"unit_roofline": ("roofline", "roofline"), "Roofline": ("roofline", "Roofline"),
         "roofline_figure": ("plots", "roofline_figure"), "save_png": ("plots", "save_png"),
         "time_budget_figure": ("plots", "time_budget_figure"), "layer_breakdowns": ("breakdown", "layer_breakdowns"),
         "time_budget": ("explain", "time_budget")}

__all__ = ["ReportFiles", "format_table", "layer_table", "load_result_json", "report_text", "totals",
           "write_report", *_LAZY]


def __getattr__(name: str):
    if name in _PLOTTING:
        from accelsim.report import write
        return getattr(write, name)
    if name in _LAZY:
        from importlib import import_module
        module, attr = _LAZY[name]
        return getattr(import_module(f"accelsim.report.{module}"), attr)
    raise AttributeError(f"module 'accelsim.report' has no attribute {name!r}")
