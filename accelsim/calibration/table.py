"""Read a table of measured latencies (CSV: ``id, soc, unit, model, input, precision, threads, latency_ms``).

The ncnn benchmark table's format works too: no ``input`` column (the model
fixes its own), ``avg_ms`` (used where present, over ``latency_ms``) and a
``cores`` column (big, little, all). Other columns (metric, framework,
source...) are kept in ``extra``. A table
that cannot be read, lacks a column or has a non-numeric latency is an
AccelsimError naming file, line and field; an unknown soc, unit or model is
not an error here: the row is reported and skipped when it is simulated.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.limits import MAX_COUNT, shown
from accelsim.textio import read_text
from accelsim.paths import builtin_dir

COLUMNS = ("id", "soc", "unit", "model", "input", "precision", "threads", "latency_ms")
OPTIONAL = ("input",)                   # absent: each model's own input size
MEASURED = ("avg_ms", "latency_ms")     # the first present is the measurement
DEFAULT_TABLE = builtin_dir("hw_profiles") / "device_latency_calibration.csv"


@dataclass(frozen=True)
class MeasuredRow:
    id: str
    soc: str
    unit: str
    model: str
    input: int | None
    precision: str
    threads: int | None
    latency_ms: float
    extra: dict

    def to_dict(self) -> dict:
        return {"id": self.id, "soc": self.soc, "unit": self.unit, "model": self.model, "input": self.input,
                "precision": self.precision, "threads": self.threads, "latency_ms": self.latency_ms}


def _number(path: Path, line: int, field: str, text: str, kind, allow_empty: bool = False):
    if allow_empty and text == "":
        return None
    try:
        value = kind(text)
    except ValueError:
        raise AccelsimError(f"{path}: line {line}: {field}: got {text!r}; must be a positive "
                            f"{'integer' if kind is int else 'number'}") from None
    if not 0 < value <= (MAX_COUNT if kind is int else 1e12):  # also refuses inf and nan (accelsim.limits)
        raise AccelsimError(f"{path}: line {line}: {field}: got {shown(text)}; must be positive and finite"
                            + (f", at most {MAX_COUNT:,}" if kind is int else ""))
    return value


def read_table(path: str | Path) -> list[MeasuredRow]:
    """The rows of a measurement table; a malformed table is a one-line AccelsimError."""
    path = Path(path)
    lines = read_text(path, "CSV table", missing="table file not found").splitlines()
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    measured = next((c for c in MEASURED if c in header), "latency_ms")
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL and c not in MEASURED]
    if measured not in header:
        missing.append("latency_ms")
    if missing:
        raise AccelsimError(f"{path}: header: missing column(s) {', '.join(missing)}; a table needs "
                            f"{', '.join(COLUMNS)}")
    rows, seen = [], set()
    for line, raw in enumerate(reader, start=2):
        cells = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in raw.items()}
        if not any(cells.values()):
            continue
        if None in raw:
            raise AccelsimError(f"{path}: line {line}: more fields than the header's {len(header)}")
        rid = cells["id"]
        if not rid or rid in seen:
            raise AccelsimError(f"{path}: line {line}: id: got {rid!r}; each row needs a unique id")
        seen.add(rid)
        for key in ("soc", "unit", "model", "precision"):
            if not cells[key]:
                raise AccelsimError(f"{path}: line {line}: {key}: empty; every row needs one")
        rows.append(MeasuredRow(
            id=rid, soc=cells["soc"], unit=cells["unit"], model=cells["model"],
            input=_number(path, line, "input", cells.get("input", ""), int, allow_empty="input" not in header),
            precision=cells["precision"],
            threads=_number(path, line, "threads", cells["threads"], int, allow_empty=True),
            latency_ms=_number(path, line, measured, cells[measured], float),
            extra={k: v for k, v in cells.items() if k not in COLUMNS}))
    if not rows:
        raise AccelsimError(f"{path}: no measurement rows after the header")
    return rows
