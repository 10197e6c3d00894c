"""DataFrames of results and sweeps, and the short reprs."""
import csv

import pandas as pd
import pytest

import accelsim
from accelsim.dse.runner import run_sweep
from accelsim.dse.spec import SweepSpec
from accelsim.frames import layer_bound


def test_run_result_to_pandas_has_one_row_per_layer_and_its_totals():
    r = accelsim.simulate("generic_npu", "mobilenet_v1", fidelity="event")
    df = r.to_pandas()
    assert len(df) == len(r.layers) == 29     # MobileNet-V1: 1 + 13 x (depthwise + pointwise) convs, pool, fc
    assert list(df["name"]) == [x.name for x in r.layers]
    for col in ("op", "unit", "macs", "compute_cycles", "stall_cycles", "latency_ms", "energy_mj", "dram_bytes",
                "utilization", "bound", "share"):
        assert col in df.columns, col
    assert df["latency_ms"].sum() == pytest.approx(r.latency_ms, rel=1e-12)
    assert df["macs"].sum() == pytest.approx(569e6, rel=0.002)   # Howard et al. 2017, Table 1: 569 M mult-adds
    assert df["share"].sum() == pytest.approx(1.0)
    assert df.attrs["latency_ms"] == r.latency_ms and df.attrs["profile"] == "generic_npu"


def test_bound_names_the_largest_of_compute_stall_and_overhead():
    assert layer_bound({"compute_cycles": 10, "stall_cycles": 30}) == "memory"
    assert layer_bound({"compute_cycles": 10, "stall_cycles": 3}) == "compute"
    assert layer_bound({"compute_cycles": 10, "stall_cycles": 14, "overhead_cycles": 11}) == "overhead"
    assert layer_bound({"compute_cycles": 10, "stall_cycles": 14, "overhead_cycles": 6}) == "compute"   # 8 memory
    assert layer_bound({"compute_cycles": 10, "stall_cycles": 14, "total_cycles": 24, "overhead_cycles": 11}) == "overhead"
    assert layer_bound({"compute_cycles": 10, "stall_cycles": 30, "bound": "compute"}) == "compute"
    starved = accelsim.simulate("generic_npu", "mobilenet_v1", fidelity="event").to_pandas()
    memory = starved[starved["stall_cycles"] > starved["compute_cycles"]]
    assert len(memory) and set(memory["bound"]) == {"memory"}


def test_short_repr_and_html_repr():
    r = accelsim.simulate("snapdragon855", "mobilenet_v2")
    text = repr(r)
    assert len(text) < 200 and "mobilenet_v2 on snapdragon855" in text and f"{r.latency_ms:.4g} ms" in text
    slowest = max(r.layers, key=lambda x: x.latency_ms)
    page = r._repr_html_()
    assert slowest.name in page and len(page) < 4000
    soc = accelsim.simulate("snapdragon855", "tiny_cnn", unit="auto")
    assert len(repr(soc)) < 200
    sdf = soc.to_pandas()
    assert len(sdf) == len(soc.layers) and set(sdf["unit"]) == set(soc.unit_ms())


def test_sweep_dataframe_and_parquet_match_the_csv(tmp_path):
    spec = SweepSpec(name="f", workloads=["tiny_cnn"], compression=["none", "quant=fp32"],
                     parameters={"units.npu.array.cols": [8, 16, 32]})
    out = run_sweep(spec, tmp_path, backend="serial")
    df = out.to_pandas()
    assert len(df) == 6 and "units.npu.array.cols" in df.columns
    assert (df["status"] == "ok").sum() == 3          # generic_npu has no fp32: those three points fail
    stored = pd.read_parquet(tmp_path / "results.parquet")
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(stored) == len(rows) == 6 and list(stored.columns) == list(rows[0])
    assert list(stored["latency_ms"].dropna()) == pytest.approx([float(r["latency_ms"]) for r in rows
                                                                  if r["latency_ms"]])
