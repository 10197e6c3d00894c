"""The sweep's results on disk: one SQLite file (stdlib ``sqlite3``) in the output folder.

Each finished point (result or error) is committed as soon as its chunk
returns, so an interrupted sweep loses at most the chunks in flight, and a
rerun skips every key already stored. ``runs`` records each invocation, and
every point keeps the ``run_id`` that computed it.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from accelsim.dse.evaluate import METRICS, PointResult
from accelsim.dse.space import DesignPoint
from accelsim.errors import AccelsimError

DB_NAME = "sweep.db"
POINT_COLUMNS = ("key", "idx", "workload", "compression", "precision", "params", "status", "error") + METRICS + (
    "method", "run_id", "finished_at")
INTEGER_METRICS = ("total_cycles", "compute_cycles", "stall_cycles", "dram_bytes", "macs", "pe_count", "sram_bytes")
METRIC_COLUMNS = ", ".join(f"{m} {'INTEGER' if m in INTEGER_METRICS else 'REAL'}" for m in METRICS)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY, idx INTEGER, workload TEXT, compression TEXT, precision TEXT, params TEXT,
    status TEXT NOT NULL, error TEXT, {METRIC_COLUMNS}, method TEXT, run_id TEXT, finished_at REAL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at REAL, finished_at REAL, backend TEXT, spec TEXT,
    n_points INTEGER, n_done_before INTEGER, n_computed INTEGER, n_failed INTEGER, status TEXT);
"""


class SweepStore:
    """Open (or create) ``DIR/sweep.db``."""

    def __init__(self, out_dir: str | Path):
        self.path = Path(out_dir) / DB_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.DatabaseError) as err:
            raise AccelsimError(f"{self.path}: cannot open the sweep database: {err}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SweepStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def finished_keys(self, include_errors: bool = True) -> set[str]:
        query = "SELECT key FROM points" + ("" if include_errors else " WHERE status = 'ok'")
        return {row[0] for row in self.db.execute(query)}

    def write(self, points: dict[str, DesignPoint], results: list[PointResult], run_id: str) -> None:
        """Commit a chunk of finished points at once."""
        now = time.time()
        blank = (None,) * len(METRICS)
        rows = []
        for r in results:
            p = points[r.key]
            rows.append((r.key, p.index, p.workload_label, p.compression, p.precision, p.params_json, r.status,
                         r.error) + (r.values if r.values is not None else blank) + (r.method, run_id, now))
        marks = ", ".join("?" * len(POINT_COLUMNS))
        with self.db:
            self.db.executemany(f"INSERT OR REPLACE INTO points ({', '.join(POINT_COLUMNS)}) VALUES ({marks})", rows)

    def start_run(self, run_id: str, backend: str, spec_json: str, n_points: int, n_done_before: int) -> None:
        with self.db:
            self.db.execute("INSERT INTO runs (run_id, started_at, backend, spec, n_points, n_done_before, "
                            "n_computed, n_failed, status) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 'running')",
                            (run_id, time.time(), backend, spec_json, n_points, n_done_before))

    def end_run(self, run_id: str, n_computed: int, n_failed: int, status: str) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished_at = ?, n_computed = ?, n_failed = ?, status = ? "
                            "WHERE run_id = ?", (time.time(), n_computed, n_failed, status, run_id))

    def results(self) -> dict[str, tuple]:
        """key -> (status, error, metrics..., method, run_id) of every stored point."""
        cur = self.db.execute(f"SELECT key, status, error, {', '.join(METRICS)}, method, run_id FROM points")
        return {row[0]: row[1:] for row in cur}

    def rows(self) -> list[dict]:
        """Every stored point as a dict (``params`` decoded), in sweep order."""
        cur = self.db.execute(f"SELECT {', '.join(POINT_COLUMNS)} FROM points ORDER BY idx")
        out = []
        for row in cur:
            d = dict(zip(POINT_COLUMNS, row))
            d["params"] = json.loads(d["params"]) if d["params"] else {}
            out.append(d)
        return out
