"""A sweep's points and results as columns (spec order): for CSV files, Pareto fronts and notebooks."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.dse.evaluate import METRICS
from accelsim.dse.space import DesignPoint

POINT_FIELDS = ("key", "workload", "compression", "precision")
RESULT_FIELDS = ("status", "error") + METRICS + ("method", "run_id")


class SweepTable:
    """Columns ``key, workload, compression, precision, <parameters>, status, error, <metrics>, method, run_id``.

    Parameter and metric columns are lists of plain Python values (``None``
    where a point failed); ``numeric(name)`` gives a float array (NaN there).
    """

    def __init__(self, columns: dict[str, list], param_keys: list[str]):
        self.columns = columns
        self.param_keys = list(param_keys)

    @classmethod
    def build(cls, points: list[DesignPoint], stored: dict[str, tuple], param_keys: list[str]) -> "SweepTable":
        """The points that have a stored result (``stored``: key -> RESULT_FIELDS values), in spec order."""
        have = [p for p in points if p.key in stored]
        cols: dict[str, list] = {"key": [p.key for p in have], "workload": [p.workload_label for p in have],
                                 "compression": [p.compression for p in have],
                                 "precision": [p.precision for p in have]}
        for k in param_keys:
            cols[k] = [p.overrides.get(k) for p in have]
        results = list(zip(*(stored[p.key] for p in have))) or [[] for _ in RESULT_FIELDS]
        for name, values in zip(RESULT_FIELDS, results):
            cols[name] = list(values)
        return cls(cols, param_keys)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def numeric(self, name: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in self.columns[name]], dtype=np.float64)

    def ok(self) -> np.ndarray:
        return np.array([s == "ok" for s in self.columns["status"]], dtype=bool)

    def take(self, indices) -> "SweepTable":
        idx = [int(i) for i in indices]
        return SweepTable({k: [v[i] for i in idx] for k, v in self.columns.items()}, self.param_keys)

    def rows(self) -> list[dict[str, Any]]:
        names = self.names
        return [dict(zip(names, values)) for values in zip(*self.columns.values())]

    def to_pandas(self):
        """One row per point (needs pandas: ``accelsim[frames]``)."""
        from accelsim.frames import sweep_frame
        return sweep_frame(self)

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(self.names)
            w.writerows(zip(*self.columns.values()))
        return path
