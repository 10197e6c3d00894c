"""Reports: terminal tables, rooflines, breakdown plots and a self-contained HTML page."""
from accelsim.report.table import format_table, layer_table, report_text, totals
from accelsim.report.write import ReportFiles, load_result_json, write_report

__all__ = ["ReportFiles", "format_table", "layer_table", "load_result_json", "report_text", "totals",
           "write_report"]
