"""Read a SCALE-Sim convolution topology CSV as a workload.

Columns: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
Channels, Num Filter, Strides`` (a trailing comma and extra columns are
allowed). Heights and widths already include padding, and SCALE-Sim rounds the
output size up, so each row becomes an unpadded ``ceil_mode`` convolution on
its own graph input. A row whose name contains ``DP`` is SCALE-Sim's depthwise
convention: C single-channel convolutions of ``Num Filter`` filters each, i.e.
a grouped convolution with ``groups = C``.

GEMM topologies (SCALE-Sim's ``-i gemm`` mode), recognised by their header
``Layer, M, N, K``: each row is an (M x K) by (K x N) product, which SCALE-Sim
runs as a convolution of an M x K ifmap with one channel by N filters of
1 x K (``topology_utils.load_arrays_gemm``: ``[name, M, K, 1, K, 1, N, 1]``);
accelsim builds the same convolution, so cycles match SCALE-Sim's conv path.
"""
from __future__ import annotations

import csv
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.textio import read_text
from accelsim.workload.graph import Workload
from accelsim.workload.layers import Conv2d

FIELDS = ["Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels",
          "Num Filter", "Strides"]
GEMM_FIELDS = ["Layer", "M", "N", "K"]


def _is_gemm(header: list[str]) -> bool:
    cells = [c.strip().upper() for c in header if c.strip()]
    return cells[1:4] == ["M", "N", "K"]


def _gemm_layers(path: Path, rows) -> tuple[dict, list]:
    inputs, layers = {}, []
    for lineno, row in rows:
        cells = [c.strip() for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        if len(cells) < 4:
            raise AccelsimError(f"{path}: line {lineno}: got {len(cells)} fields; a SCALE-Sim GEMM row needs 4: "
                                f"{', '.join(GEMM_FIELDS)}")
        name, nums = cells[0], []
        for field, text in zip(GEMM_FIELDS[1:], cells[1:4]):
            try:
                value = int(text)
            except ValueError:
                value = 0
            if value <= 0:
                raise AccelsimError(f"{path}: line {lineno}: {field}: got {text!r}; must be a positive integer")
            nums.append(value)
        m, n, k = nums
        inputs[f"{name}:ifmap"] = (1, m, k)
        layers.append(Conv2d(name=name, inputs=(f"{name}:ifmap",), out_channels=n, kernel=(1, k), ceil_mode=True))
    return inputs, layers


def load_scalesim_csv(path: Path, precision: str = "int8") -> Workload:
    lines = read_text(path, "SCALE-Sim topology CSV").splitlines()
    rows = [(n, r) for n, r in enumerate(csv.reader(lines), start=1) if any(c.strip() for c in r)]
    if not rows:
        raise AccelsimError(f"{path}: empty topology CSV")
    if _is_gemm(rows[0][1]):
        inputs, layers = _gemm_layers(path, rows[1:])
        if not layers:
            raise AccelsimError(f"{path}: no layers after the header row")
        return Workload(path.stem, inputs, layers, precision=precision,
                        description=f"SCALE-Sim GEMM topology {path.name}")
    inputs, layers = {}, []
    for lineno, row in rows[1:]:  # first row is the header
        cells = [c.strip() for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        if len(cells) < len(FIELDS):
            raise AccelsimError(f"{path}: line {lineno}: got {len(cells)} fields; a SCALE-Sim conv row needs "
                                f"{len(FIELDS)}: {', '.join(FIELDS)}")
        name = cells[0]
        nums = []
        for field, text in zip(FIELDS[1:], cells[1:len(FIELDS)]):
            try:
                value = int(text)
            except ValueError:
                raise AccelsimError(f"{path}: line {lineno}: {field}: got {text!r}; must be a positive integer") from None
            if value <= 0:
                raise AccelsimError(f"{path}: line {lineno}: {field}: got {value}; must be a positive integer")
            nums.append(value)
        h, w, r, s, c, k, stride = nums
        if r > h or s > w:
            raise AccelsimError(f"{path}: line {lineno}: filter {r}x{s} is larger than the ifmap {h}x{w}")
        depthwise = "DP" in name
        inputs[f"{name}:ifmap"] = (c, h, w)
        layers.append(Conv2d(name=name, inputs=(f"{name}:ifmap",), out_channels=c * k if depthwise else k,
                             kernel=(r, s), stride=stride, groups=c if depthwise else 1, ceil_mode=True))
    if not layers:
        raise AccelsimError(f"{path}: no layers after the header row")
    return Workload(path.stem, inputs, layers, precision=precision, description=f"SCALE-Sim topology {path.name}")
