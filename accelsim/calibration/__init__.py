"""Fit unit efficiency factors to measured latencies and check predictions against them."""
from accelsim.calibration.table import MeasuredRow, read_table

__all__ = ["MeasuredRow", "read_table"]
