"""pandas DataFrames of results (one row per layer, or per sweep point) and short notebook reprs.

pandas and pyarrow are the optional extra ``accelsim[frames]`` (the simulator does not need them; notebooks
and analyses do); they are imported here on first use only, so ``accelsim run`` starts as fast as before.
"""
from __future__ import annotations

import html as _html

from accelsim.errors import AccelsimError

RESULT_TOTALS = ("latency_ms", "energy_mj", "dram_bytes", "macs")


def require_pandas():
    try:
        import pandas
    except ImportError:
        raise AccelsimError("DataFrames need pandas: pip install 'accelsim[frames]'") from None
    return pandas


def layer_bound(layer) -> str:
    """Whether a layer's time went to compute, to waiting for memory or to fixed per-layer overhead.

    A layer's own ``bound`` field wins when its cost model sets one; otherwise the largest of compute cycles,
    stall cycles and (if recorded) ``overhead_cycles`` names it.
    """
    own = getattr(layer, "bound", None) if not isinstance(layer, dict) else layer.get("bound")
    if own:
        return own
    get = layer.get if isinstance(layer, dict) else (lambda k, d=0: getattr(layer, k, d))
    compute = get("compute_cycles", 0) or 0
    overhead = get("overhead_cycles", 0) or 0    # fixed per-layer cost, when the cost model records it
    total = get("total_cycles", None)
    total = compute + (get("stall_cycles", 0) or 0) if total is None else total
    parts = {"compute": compute, "memory": max(0, total - compute - overhead), "overhead": overhead}
    return max(parts, key=parts.get)


def layers_frame(result):
    """One row per layer of a RunResult / SocRunResult: every LayerResult field plus ``bound`` and ``share``."""
    pd = require_pandas()
    rows = []
    for layer in result.layers:
        row = {k: v for k, v in layer.to_dict().items() if k != "cycle_detail"}
        row["bound"] = layer_bound(layer)
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df):
        total = df["latency_ms"].sum()
        df["share"] = df["latency_ms"] / total if total > 0 else 0.0
    df.index.name = "layer_index"
    df.attrs.update({"profile": result.profile, "workload": result.workload, "fidelity": result.fidelity,
                     "unit": result.unit, **{k: getattr(result, k) for k in RESULT_TOTALS}})
    return df


def sweep_frame(table):
    """A sweep's points (``SweepTable``): one row per point, parameters and metrics as columns."""
    pd = require_pandas()
    return pd.DataFrame(table.columns)


def write_parquet(table, path) -> bool:
    """Write a sweep table as parquet; False (nothing written) when pandas or pyarrow is not installed."""
    try:
        import pyarrow  # noqa: F401
        pd = require_pandas()
    except (ImportError, AccelsimError):
        return False
    df = pd.DataFrame(table.columns)
    for name in df.columns:   # mixed None/number/str columns (parameters of failed points) as strings
        if df[name].dtype == object and df[name].map(type).nunique() > 1:
            non_null = df[name].dropna()
            if not non_null.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)).all():
                df[name] = df[name].map(lambda v: None if v is None else str(v))
    df.to_parquet(path, index=False)
    return True


def short_repr(result) -> str:
    """One line: what ran where and the totals (``repr`` of a result)."""
    unit = f"/{result.unit}" if result.unit else ""
    return (f"<{type(result).__name__} {result.workload} on {result.profile}{unit} ({result.fidelity}): "
            f"{result.latency_ms:.4g} ms, {result.energy_mj:.4g} mJ, {len(result.layers)} layers, "
            f"{result.dram_bytes / 1e6:.4g} MB DRAM>")


def html_repr(result, top: int = 5) -> str:
    """A small HTML summary for notebooks: totals and the ``top`` slowest layers."""
    esc = _html.escape
    total = result.latency_ms or 1.0
    slow = sorted(result.layers, key=lambda x: -x.latency_ms)[:top]
    rows = "".join(f"<tr><td>{esc(x.name)}</td><td>{esc(x.op)}</td><td>{esc(x.unit)}</td>"
                   f"<td style='text-align:right'>{x.latency_ms:.4f}</td>"
                   f"<td style='text-align:right'>{100 * x.latency_ms / total:.1f}%</td>"
                   f"<td>{layer_bound(x)}</td></tr>" for x in slow)
    unit = f" / {esc(result.unit)}" if result.unit else ""
    return (f"<div><b>{esc(result.workload)}</b> on <b>{esc(result.profile)}</b>{unit} ({esc(result.fidelity)}): "
            f"<b>{result.latency_ms:.4g} ms</b>, {result.energy_mj:.4g} mJ, {len(result.layers)} layers, "
            f"{result.dram_bytes / 1e6:.4g} MB DRAM, {result.macs / 1e6:.4g} M MACs"
            f"<table><thead><tr><th>slowest layers</th><th>op</th><th>unit</th><th>ms</th><th>share</th>"
            f"<th>bound</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<small>result.to_pandas() has every layer</small></div>")


class ResultViews:
    """``to_pandas()``, a one-line ``repr`` and a notebook ``_repr_html_`` for results with ``layers``
    (mixed into RunResult and SocRunResult, whose dataclasses use ``repr=False`` to keep this one)."""

    def to_pandas(self):
        """One row per layer (every LayerResult field, ``bound``, ``share`` of latency); totals in ``.attrs``."""
        return layers_frame(self)

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        return html_repr(self)
