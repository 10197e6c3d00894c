"""The sweep's results on disk: one SQLite file (stdlib ``sqlite3``) in the output folder.

Each finished point (result or error) is committed as soon as its chunk
returns, so an interrupted sweep loses at most the chunks in flight, and a
rerun skips every key already stored. ``runs`` records each invocation, and
every point keeps the ``run_id`` that computed it.

Several sweeps may share one folder: before computing a chunk a run claims
its points (``claims``, in one ``BEGIN IMMEDIATE`` transaction), skipping
points already stored or claimed by another live run, so no point is computed
twice. A run that died (SIGKILL, power loss) is found by its released
``RunLock``: its status becomes ``killed`` and its claims are free again.
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
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, run_id TEXT NOT NULL, claimed_at REAL);
"""
RUN_STATUSES = ("running", "finished", "interrupted", "failed", "killed")
SQL_BATCH = 500          # keys per IN (...) query, well under SQLite's variable limit


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
            self._check_tables()
        except (OSError, sqlite3.DatabaseError) as err:
            raise AccelsimError(f"{self.path}: cannot open the sweep database: {err}") from None

    def _check_tables(self) -> None:
        """Refuse a database whose tables are not a sweep's (a foreign file, another program's ``points``)."""
        want = {"points": set(POINT_COLUMNS), "runs": {"run_id", "status", "n_computed"},
                "claims": {"key", "run_id"}}
        for table, columns in want.items():
            have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            missing = sorted(columns - have)
            if missing:
                raise AccelsimError(f"{self.path}: table {table!r} is not a sweep table (no column "
                                    f"{missing[0]!r}); give --out a new folder")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SweepStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _in_batches(self, query: str, keys: list[str], *args) -> list[tuple]:
        rows = []
        for i in range(0, len(keys), SQL_BATCH):
            part = keys[i:i + SQL_BATCH]
            rows += self.db.execute(query.format(marks=", ".join("?" * len(part))), (*args, *part)).fetchall()
        return rows

    def claim(self, run_id: str, keys: list[str], alive, include_errors: bool = True) -> set[str]:
        """Claim for ``run_id`` the ``keys`` that are neither stored nor claimed by another live run.

        ``alive(run_id) -> bool`` tells live runs from dead ones. Returns the keys claimed.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            status = "" if include_errors else " AND status = 'ok'"
            stored = {r[0] for r in self._in_batches(f"SELECT key FROM points WHERE key IN ({{marks}}){status}",
                                                     keys)}
            held = self._in_batches("SELECT key, run_id FROM claims WHERE run_id != ? AND key IN ({marks})",
                                    keys, run_id)
            live = {rid: alive(rid) for rid in {r[1] for r in held}}
            taken = stored | {k for k, rid in held if live[rid]}
            mine = [k for k in keys if k not in taken]
            now = time.time()
            self.db.executemany("INSERT OR REPLACE INTO claims (key, run_id, claimed_at) VALUES (?, ?, ?)",
                                [(k, run_id, now) for k in mine])
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:   # a Ctrl-C may land after COMMIT went through
                self.db.execute("ROLLBACK")
            raise
        return set(mine)

    def claimed_by_others(self, run_id: str, keys: list[str]) -> dict[str, str]:
        """key -> run_id of the ``keys`` another run has claimed."""
        return dict(self._in_batches("SELECT key, run_id FROM claims WHERE run_id != ? AND key IN ({marks})",
                                     keys, run_id))

    def release_claims(self, run_id: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM claims WHERE run_id = ?", (run_id,))

    def mark_dead_runs(self, alive) -> list[str]:
        """Runs recorded as ``running`` whose process is gone become ``killed``; their claims are freed."""
        running = [r[0] for r in self.db.execute("SELECT run_id FROM runs WHERE status = 'running'")]
        dead = [rid for rid in running if not alive(rid)]
        with self.db:
            for rid in dead:
                self.db.execute("UPDATE runs SET status = 'killed' WHERE run_id = ? AND status = 'running'", (rid,))
                self.db.execute("DELETE FROM claims WHERE run_id = ?", (rid,))
        return dead

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
        insert = f"INSERT OR REPLACE INTO points ({', '.join(POINT_COLUMNS)}) VALUES ({marks})"
        try:
            with self.db:
                self.db.executemany(insert, rows)
        except (OverflowError, sqlite3.InterfaceError):     # some value SQLite cannot hold: row by row
            with self.db:
                for row in rows:
                    try:
                        self.db.execute(insert, row)
                    except (OverflowError, sqlite3.InterfaceError) as err:
                        self.db.execute(insert, row[:6] + ("error", f"result not storable: {err}") + blank
                                        + row[-3:])
        with self.db:
            self.db.executemany("DELETE FROM claims WHERE key = ? AND run_id = ?", [(r.key, run_id) for r in results])

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
