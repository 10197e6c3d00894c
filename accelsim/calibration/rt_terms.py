"""Each measured row as factor-free per-layer terms under its runtime (the runtime calibration's model).

Per layer (fused layers left out): GEMM cycles and vector cycles at
efficiency 1, their spec efficiencies, the op class, memory-bound cycles
(slowest on-chip level or DRAM) and dispatch cycles. With combined factors
``f`` (:func:`accelsim.runtime.cost.combined_factors`) the analytical fidelity
gives exactly (up to rounding to whole cycles)

    cycles = max((gemm / cap(prior_g f[class] f[int8]^int8) + vector / cap(prior_v f[elementwise]))
                 f[threads]^log2(threads), memory) + dispatch f[overhead]

(or the max of the two terms, not their sum, on a unit the runtime launches asynchronously),

so the fit evaluates every row with array arithmetic.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accelsim.calibration.frameworks import runtime_for
from accelsim.calibration.table import MeasuredRow
from accelsim.calibration.terms import resolve_row
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile
from accelsim.runtime import load_runtime
from accelsim.runtime.cost import FACTOR_CLASSES, runtime_terms
from accelsim.runtime.fusion import fused_layers
from accelsim.sim.memory import transfer_cycles

CLASS_INDEX = {c: i for i, c in enumerate(FACTOR_CLASSES)}


@dataclass
class RtRow:
    row: MeasuredRow
    runtime: str
    cores: str | None
    note: str
    key: str
    group: str
    core_key: str = ""
    factor_runtime: str = ""     # the runtime whose fitted factors the row uses (its own unless a build variant)

    @property
    def fit_runtime(self) -> str:
        return self.factor_runtime or self.runtime


@dataclass
class RtTerms:
    rows: list[RtRow]
    clock_ghz: np.ndarray
    gemm: np.ndarray
    gemm_cls: np.ndarray
    vector: np.ndarray
    prior_g: np.ndarray
    prior_v: np.ndarray
    memory: np.ndarray
    overhead: np.ndarray
    int8: np.ndarray
    layer_row: np.ndarray
    row_start: np.ndarray
    log2_threads: np.ndarray
    skipped: list[tuple[MeasuredRow, str]] = field(default_factory=list)
    async_layer: np.ndarray | None = None   # per layer: launches queued ahead (cycles = max(work, dispatch))

    @property
    def measured_ms(self) -> np.ndarray:
        return np.array([r.row.latency_ms for r in self.rows])

    def subset(self, keep: np.ndarray) -> "RtTerms":
        """The terms of the rows where ``keep`` is true."""
        idx = np.flatnonzero(keep)
        lmask = np.isin(self.layer_row, idx)
        remap = np.full(len(self.rows), -1)
        remap[idx] = np.arange(idx.size)
        lr = remap[self.layer_row[lmask]]
        return RtTerms([self.rows[i] for i in idx], self.clock_ghz[idx], self.gemm[lmask], self.gemm_cls[lmask],
                       self.vector[lmask], self.prior_g[lmask], self.prior_v[lmask], self.memory[lmask],
                       self.overhead[lmask], self.int8[lmask], lr, np.searchsorted(lr, np.arange(idx.size)),
                       self.log2_threads[idx], self.skipped,
                       None if self.async_layer is None else self.async_layer[lmask])


def row_setup(row: MeasuredRow, profiles: dict[str, Profile], models: Path | None):
    """(profile, unit, workload, runtime name, cores, note) of a row, or an AccelsimError."""
    prof, unit, wl = resolve_row(row, profiles, models=models, time_share=True)
    runtime, note = runtime_for(row.extra.get("framework", ""), unit)
    cores = row.extra.get("cores") or None
    if unit.kind != "cpu":
        cores = None
    return prof, unit, wl, runtime, cores, note


def build_rt_terms(rows: list[MeasuredRow], models: Path | None = None) -> RtTerms:
    """Factor-free terms of every row that resolves; the others are listed in ``skipped`` with the reason."""
    profiles: dict[str, Profile] = {}
    kept, skipped, clocks = [], [], []
    cols: dict[str, list] = {k: [] for k in ("gemm", "cls", "vector", "pg", "pv", "memory", "overhead", "int8",
                                             "async", "row")}
    log2_threads = []
    for row in rows:
        try:
            prof, unit, wl, rt_name, cores, note = row_setup(row, profiles, models)
            rt = load_runtime(rt_name)
            if rt.relative_to is not None:
                raise AccelsimError(f"runtime {rt_name!r} is priced relative to {rt.relative_to.runtime!r} with its "
                                    f"own fitted figures (accelsim.calibration.stack_fit); its rows are not fitted")
            fused = fused_layers(wl, rt)
            mems = prof.unit_memories(unit)
            per_layer = []
            key = group = None
            ck = ""
            frt = rt_name
            lt = 0.0
            for info in wl:
                if info.name in fused:
                    continue
                t, _, detail = runtime_terms(info, unit, rt, memories=mems, threads=row.threads, cores=cores,
                                             profile=prof)
                mem = detail["mem"]
                dram = math.ceil(transfer_cycles(mem.dram_read_bytes + mem.dram_write_bytes, prof.dram,
                                                 unit.clock_ghz))
                per_layer.append((t.gemm_cycles, CLASS_INDEX[t.gemm_class], t.vector_cycles, t.prior_gemm,
                                  t.prior_vector, max(t.memory_cycles, dram), t.overhead_cycles, t.int8,
                                  t.async_dispatch))
                key, group, lt, ck, frt = t.key, t.group, t.log2_threads, t.core_key, t.runtime
        except AccelsimError as err:
            skipped.append((row, str(err)))
            continue
        i = len(kept)
        for vals in per_layer:
            for k, v in zip(("gemm", "cls", "vector", "pg", "pv", "memory", "overhead", "int8", "async"), vals):
                cols[k].append(v)
            cols["row"].append(i)
        kept.append(RtRow(row, rt_name, cores, note, key or f"{frt}/{unit.group}", group or unit.group,
                          ck, frt))
        clocks.append(unit.clock_ghz)
        log2_threads.append(lt)
    lr = np.array(cols["row"], dtype=np.int64)
    return RtTerms(kept, np.array(clocks, float), np.array(cols["gemm"], float), np.array(cols["cls"], np.int64),
                   np.array(cols["vector"], float), np.array(cols["pg"], float), np.array(cols["pv"], float),
                   np.array(cols["memory"], float), np.array(cols["overhead"], float), np.array(cols["int8"], bool),
                   lr, np.searchsorted(lr, np.arange(len(kept))), np.array(log2_threads, float), skipped,
                   np.array(cols["async"], bool))
