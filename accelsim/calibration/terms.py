"""The calibration model: each measured row as per-layer terms the fitted factors act on.

A row simulated from spec alone gives, per layer: the compute cycles at
efficiency 1 (``ideal``), the spec efficiency (``prior``), whether it is
depthwise, its memory-bound cycles (slowest of on-chip levels and DRAM) and
its fixed overhead. With unit factors (efficiency ``e``, depthwise ``w``,
overhead ``o``) the analytical fidelity gives exactly

    cycles = max(ideal / min(1, prior * e * w^[depthwise]), memory) + overhead * o

summed over layers and divided by the clock: the same number ``accelsim run``
prints once the factors are applied to the profile. Everything is arrays, so
a fit evaluates all rows in microseconds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from accelsim.calibration.table import MeasuredRow
from accelsim.cost import cost_layer
from accelsim.map.memory_plan import residency_for_unit
from accelsim.errors import AccelsimError
from accelsim.hardware import Profile, load_profile
from accelsim.sim.memory import transfer_cycles
from accelsim.workload import ZOO, load_workload


@dataclass
class RowTerms:
    """Per-layer arrays of every usable row, concatenated; ``row_start`` indexes each row's first layer."""

    rows: list[MeasuredRow]
    units: list[str]                    # "soc/unit" of each row
    groups: list[str]                   # calibration group of each row's unit
    clock_ghz: np.ndarray
    ideal: np.ndarray
    prior: np.ndarray
    depthwise: np.ndarray
    memory: np.ndarray
    overhead: np.ndarray
    row_start: np.ndarray
    layer_row: np.ndarray
    skipped: list[tuple[MeasuredRow, str]] = field(default_factory=list)

    @property
    def measured_ms(self) -> np.ndarray:
        return np.array([r.latency_ms for r in self.rows])


def resolve_row(row: MeasuredRow, profiles: dict[str, Profile], models=None, time_share: bool = False):
    """(profile, unit, workload) of a row, or an AccelsimError saying what is unknown.

    ``models``: a folder where ``<model>.param`` (ncnn) is looked up before the zoo; ``time_share``:
    more threads than cores is allowed (a runtime time-shares them).
    """
    if row.soc not in profiles:
        try:
            profiles[row.soc] = load_profile(row.soc, calibrated=False)
        except AccelsimError:
            raise AccelsimError(f"unknown soc {row.soc!r} (not a profile)") from None
    prof = profiles[row.soc]
    unit = next((u for u in prof.units if u.name == row.unit), None)
    if unit is None:
        raise AccelsimError(f"unknown unit {row.unit!r} in {row.soc} (units: {', '.join(u.name for u in prof.units)})")
    param = Path(models) / f"{row.model}.param" if models is not None else None
    if param is not None and param.is_file():
        wl = _model_file(str(param))
    elif row.model not in ZOO:
        where = f"{param} nor " if param is not None else ""
        raise AccelsimError(f"unknown model {row.model!r} (not {where}a zoo network)")
    else:
        try:
            wl = load_workload(row.model, **({"resolution": row.input} if row.input else {}))
        except (AccelsimError, TypeError) as err:
            raise AccelsimError(f"model {row.model!r} at input {row.input}: {err}") from None
    if row.precision not in unit.precisions:
        raise AccelsimError(f"unit {row.soc}/{row.unit} does not run {row.precision!r} "
                            f"(it runs {', '.join(unit.precisions)})")
    # with a runtime (time_share), a GPU row's threads are the CPU threads feeding it: not an error
    if row.threads is not None and not time_share and (unit.cost_model != "simd" or row.threads > unit.core_count):
        raise AccelsimError(f"threads {row.threads} do not fit unit {row.soc}/{row.unit}")
    return prof, unit, wl.with_precision(row.precision)


@lru_cache(maxsize=64)
def _model_file(path: str):
    try:
        return load_workload(path)
    except (AccelsimError, TypeError) as err:
        raise AccelsimError(f"model file {path}: {err}") from None


def build_terms(rows: list[MeasuredRow]) -> RowTerms:
    """Spec-only per-layer terms of every row that resolves; the others are listed in ``skipped``."""
    profiles: dict[str, Profile] = {}
    kept, skipped, units, groups, clocks = [], [], [], [], []
    cols: dict[str, list] = {k: [] for k in ("ideal", "prior", "depthwise", "memory", "overhead", "layer_row")}
    for row in rows:
        try:
            prof, unit, wl = resolve_row(row, profiles)
        except AccelsimError as err:
            skipped.append((row, str(err)))
            continue
        i = len(kept)
        kept_on_chip = residency_for_unit(wl, unit, None) or [None] * len(wl)   # as simulate: the memory plan
        for info, r in zip(wl, kept_on_chip):
            c = cost_layer(info, unit, profile=prof, threads=row.threads, residency=r)
            dram = math.ceil(transfer_cycles(c.dram_bytes, prof.dram, unit.clock_ghz))
            cols["ideal"].append(c.compute_cycles * c.efficiency)
            cols["prior"].append(c.efficiency)
            cols["depthwise"].append(c.op_class == "depthwise")
            cols["memory"].append(max(c.memory_cycles, dram))
            cols["overhead"].append(c.overhead_cycles)
            cols["layer_row"].append(i)
        kept.append(row)
        units.append(f"{row.soc}/{row.unit}")
        groups.append(unit.group)
        clocks.append(unit.clock_ghz)
    layer_row = np.array(cols["layer_row"], dtype=np.int64)
    starts = np.searchsorted(layer_row, np.arange(len(kept))) if kept else np.zeros(0, dtype=np.int64)
    return RowTerms(rows=kept, units=units, groups=groups, clock_ghz=np.array(clocks, dtype=float),
                    ideal=np.array(cols["ideal"], dtype=float), prior=np.array(cols["prior"], dtype=float),
                    depthwise=np.array(cols["depthwise"], dtype=bool), memory=np.array(cols["memory"], dtype=float),
                    overhead=np.array(cols["overhead"], dtype=float), row_start=starts, layer_row=layer_row,
                    skipped=skipped)


def predict_ms(terms: RowTerms, eff: np.ndarray, dw: np.ndarray, ovh: np.ndarray) -> np.ndarray:
    """Predicted latency of each row given per-row factors (efficiency, depthwise, overhead)."""
    lr = terms.layer_row
    scale = eff[lr] * np.where(terms.depthwise, dw[lr], 1.0)
    e = np.minimum(1.0, terms.prior * scale)
    cycles = np.maximum(terms.ideal / e, terms.memory) + terms.overhead * ovh[lr]
    return np.add.reduceat(cycles, terms.row_start) / (terms.clock_ghz * 1e6)
