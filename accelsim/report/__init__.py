"""Reports: terminal tables (plots and HTML build on the same result objects)."""
from accelsim.report.table import format_table, layer_table, report_text, totals

__all__ = ["format_table", "layer_table", "report_text", "totals"]
