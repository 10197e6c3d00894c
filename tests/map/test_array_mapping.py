"""The auto mapper: hand-worked layers, a brute-force search oracle, and SCALE-Sim left untouched."""
import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

import accelsim
from accelsim.cost.systolic import gemm_cycles
from accelsim.map import best_mapping


def test_depthwise_channels_share_the_array_hand_worked():
    """Depthwise 3x3, 32 channels, 56x56 outputs, ws on 32x32 (held rows Kw=9, columns N=1, T=M=3136).

    SCALE-Sim: 32 groups x (one fold of 3136 + 2*32 + 32 - 2 cycles, minus 1) = 103,328 cycles.
    Best mapping by hand: all 32 channels on the diagonal (p=32), one window element per fold (tile 1x1):
    preload 32 + 8 more folds x max(3136, 32) + last stream 3136 + fill 32 + 32 - 2 = 28,318 cycles.
    The runners-up: p=3 whole windows (tile 9): 11 folds -> 34,551; p=16, tile 2: 10 folds -> 31,440.
    """
    assert int(gemm_cycles(3136, 1, 9, 32, 32, "ws", 32)) == 103_328
    m = best_mapping(3136, 1, 9, 32, 32, 32, ("ws",))
    assert (m.groups_per_fold, m.tile_rows, m.tile_cols, m.folds, m.cycles) == (32, 1, 1, 9, 28_318)


def test_one_dense_fold_hand_worked():
    """A 1x1 conv with Kw=16, N=16, M=100 on 32x32 ws: preload 16 + one stream of 100 + fill 16 + 16 - 2 = 146."""
    m = best_mapping(100, 16, 16, 1, 32, 32, ("ws",))
    assert (m.folds, m.tile_rows, m.tile_cols, m.cycles) == (1, 16, 16, 100 + 30 + 16)


def _brute_force(m, n, kw, g, rows, cols, df):
    """Every integer tile and group count (not only the balanced ones the mapper searches)."""
    held = {"os": (m, n, kw), "ws": (kw, n, m), "is": (kw, m, n)}[df]
    hr, hc, t = held
    best = None
    for p, tr, tc in itertools.product(range(1, g + 1), range(1, hr + 1), range(1, hc + 1)):
        if p * tr > rows or p * tc > cols:
            continue
        folds = math.ceil(g / p) * math.ceil(hr / tr) * math.ceil(hc / tc)
        ur, uc = p * tr, p * tc
        cyc = (ur if df != "os" else 0) + (folds - 1) * max(t, ur) + t + ur + uc - 2
        best = cyc if best is None else min(best, cyc)
    return best


@settings(max_examples=150, deadline=None)
@given(m=st.integers(1, 40), n=st.integers(1, 12), kw=st.integers(1, 12), g=st.integers(1, 6),
       rows=st.integers(1, 12), cols=st.integers(1, 12), df=st.sampled_from(["os", "ws", "is"]))
def test_search_finds_the_brute_force_optimum(m, n, kw, g, rows, cols, df):
    assert best_mapping(m, n, kw, g, rows, cols, (df,)).cycles == _brute_force(m, n, kw, g, rows, cols, df)


@settings(max_examples=200, deadline=None)
@given(m=st.integers(1, 5000), n=st.integers(1, 600), kw=st.integers(1, 5000), g=st.integers(1, 64),
       rows=st.integers(1, 128), cols=st.integers(1, 128), dr=st.integers(0, 64), dc=st.integers(0, 64),
       df=st.sampled_from(["os", "ws", "is"]))
def test_bigger_array_never_more_cycles_and_never_worse_than_scalesim(m, n, kw, g, rows, cols, dr, dc, df):
    small = best_mapping(m, n, kw, g, rows, cols, (df,))
    big = best_mapping(m, n, kw, g, rows + dr, cols + dc, (df,))
    assert big.cycles <= small.cycles
    # SCALE-Sim's own mapping (one group per fold, whole-array tiles) is among the candidates, with
    # pipelined folds: never more than SCALE-Sim's count plus the one cycle per group it leaves out
    assert small.cycles <= int(gemm_cycles(m, n, kw, rows, cols, df, g)) + g
    # every fold does at most the array's MACs per streamed step: the mapping cannot beat MACs / PEs
    assert small.cycles >= math.ceil(g * m * n * kw / (rows * cols))


def test_more_dataflows_never_slower():
    for dims in [(3136, 1, 9, 32), (196, 256, 2304, 1), (1, 1000, 1280, 1), (12544, 32, 27, 1)]:
        one = best_mapping(*dims, 32, 32, ("ws",))
        three = best_mapping(*dims, 32, 32, ("ws", "os", "is"))
        assert three.cycles <= one.cycles


def test_mapping_choice_is_recorded_and_scalesim_stays_exact(tmp_path):
    """scalesim prices SCALE-Sim's mapping (the cost/systolic.py formula); auto records its mapping in the JSON."""
    scale = accelsim.simulate("generic_npu", "mobilenet_v2", mapping="scalesim", precision="int8")
    auto = accelsim.simulate("generic_npu", "mobilenet_v2", mapping="auto", precision="int8")
    conv = next(lr for lr in scale.layers if lr.name == "conv1" or lr.op == "conv")
    info = accelsim.load_workload("mobilenet_v2")[conv.name]
    c, (k, e, f) = info.in_shapes[0][0], info.out_shape
    kh, kw_ = info.layer.kernel if isinstance(info.layer.kernel, tuple) else (info.layer.kernel,) * 2
    assert conv.compute_cycles == int(gemm_cycles(e * f, k, kh * kw_ * c, 32, 32, "ws"))
    assert all(lr.mapping is None for lr in scale.layers)
    convs = [lr for lr in auto.to_dict()["layers"] if lr["macs"]]
    assert convs and all(set(lr["mapping"]) >= {"dataflow", "tile_rows", "tile_cols", "spatial"} for lr in convs)
    assert auto.latency_ms < scale.latency_ms


def test_auto_units_leave_the_batch_model_and_bad_mapping_is_a_clear_error(tmp_path):
    import pytest

    from accelsim.dse.batch import LayerTable, NotVectorizable
    from accelsim.errors import AccelsimError
    from accelsim.workload import load_workload

    prof = accelsim.load_profile("generic_npu")
    auto_unit = prof.unit().model_copy(update={"mapping": "auto"})
    with pytest.raises(NotVectorizable, match="auto mapper"):
        LayerTable.from_workload(load_workload("tiny_cnn"), auto_unit)
    with pytest.raises(AccelsimError, match="mapping"):
        accelsim.simulate("generic_npu", "tiny_cnn", mapping="best")
    from accelsim.paths import profile_dirs
    text = next(d / "generic_npu.yaml" for d in profile_dirs() if (d / "generic_npu.yaml").is_file()).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("cost_model: systolic", "cost_model: systolic\n    mapping: fastest"))
    with pytest.raises(AccelsimError, match="mapping"):
        accelsim.load_profile(bad)
    good = tmp_path / "good.yaml"
    good.write_text(text.replace("cost_model: systolic", "cost_model: systolic\n    mapping: auto"))
    assert accelsim.simulate(good, "tiny_cnn").layers[0].mapping is not None


def test_a_unit_with_several_dataflows_lets_the_mapper_choose():
    prof = accelsim.load_profile("generic_npu")
    unit = prof.unit()
    multi = unit.model_copy(update={"mapping": "auto", "array": unit.array.model_copy(
        update={"dataflows": ["os", "is"]})})
    one = unit.model_copy(update={"mapping": "auto"})
    runs = [accelsim.simulate(prof.model_copy(update={"units": [u]}), "mobilenet_v2", precision="int8")
            for u in (one, multi)]
    assert runs[1].latency_ms <= runs[0].latency_ms
    assert {lr.mapping["dataflow"] for lr in runs[0].layers if lr.mapping} == {"ws"}
    assert len({lr.mapping["dataflow"] for lr in runs[1].layers if lr.mapping}) > 1


def test_emulated_format_is_named_in_table_json_and_report(tmp_path):
    from accelsim.report import report_text, write_report

    r = accelsim.simulate("generic_npu", "tiny_cnn", precision="ternary", mapping="auto")
    text = report_text(r)
    assert "ternary*" in text and "emulated" in text and "in int8" in text
    assert all(lr["emulated"] for lr in r.to_dict()["layers"])
    files = write_report(r, tmp_path, profile=accelsim.load_profile("generic_npu"))
    assert "computes it in a wider one" in files.index_html.read_text()
    native = accelsim.simulate("generic_npu", "tiny_cnn", precision="int8", mapping="auto")
    assert "emulated" not in report_text(native) and not any(lr.emulated for lr in native.layers)


def _movement_pj(mp, m, n, kw, g, operand_bytes, caps, bpc, pj, word):
    """DRAM + scratchpad energy of a chosen mapping, counted with SCALE-Sim's access formulas (cost/systolic.py)."""
    from accelsim.cost.systolic import sram_accesses
    from accelsim.map.array_mapping import out_block_bytes
    from accelsim.map.traffic import loop_order_traffic

    ri, rf, wo = sram_accesses(m, n, kw, mp.tile_rows, mp.tile_cols, mp.dataflow, g)
    block = out_block_bytes(operand_bytes[2], m, n, g, mp.used_rows, mp.used_cols, mp.dataflow)
    parts = loop_order_traffic(*operand_bytes, mp.row_folds, mp.col_folds, mp.dataflow, *caps, None, block)[:4]
    return float(sum(parts)) * pj[0] + (float(ri + wo) * word[0] + float(rf) * word[1]) * pj[1]


@settings(max_examples=120, deadline=None)
@given(m=st.integers(1, 3000), n=st.integers(1, 300), kw=st.integers(1, 3000), g=st.integers(1, 32),
       size=st.sampled_from([16, 32, 64, 128]), df=st.sampled_from(["os", "ws", "is"]),
       skip=st.sampled_from([1.0, 0.3, 0.1]), bpc=st.sampled_from([2.0, 8.0, 64.0]))
def test_energy_breaks_ties_in_time_never_costs_time(m, n, kw, g, size, df, skip, bpc):
    from accelsim.map.array_mapping import search_mapping

    ob = (float(m * kw * g), float(n * kw * g), float(m * n * g))
    caps = (32768.0, 32768.0, 16384.0)
    pj, word = (40.0, 6.25), (1.0, 1.0)
    common = dict(stream_fraction=skip, operand_bytes=ob, capacities=caps, bytes_per_cycle=bpc)
    plain = search_mapping(m, n, kw, g, size, size, (df,), **common)
    green = search_mapping(m, n, kw, g, size, size, (df,), pj_per_byte=pj, word_bytes=word, **common)

    def time(mp):   # the roofline: array cycles against DRAM bytes at bpc bytes per cycle
        return max(mp.cycles, _movement_pj(mp, m, n, kw, g, ob, caps, bpc, (1.0, 0.0), word) / bpc)

    assert time(green) == pytest.approx(time(plain), rel=1e-9)        # never slower
    assert _movement_pj(green, m, n, kw, g, ob, caps, bpc, pj, word) <= \
        _movement_pj(plain, m, n, kw, g, ob, caps, bpc, pj, word) * (1 + 1e-9)


def test_zero_skipping_npu_keeps_big_tiles_for_pruned_layers():
    """Pruned MobileNet-V2 on an os NPU that skips zeros: many layers are memory bound, and among the equally
    fast tilings the mapper used to take the one with the fewest array cycles (small tiles, many refetches
    from the scratchpads); it now takes the cheapest in energy, at the same latency."""
    from accelsim.hardware.schema import ZeroSkip
    from accelsim.map.array_mapping import search_mapping

    p = accelsim.load_profile("generic_npu")
    arr = p.units[0].array.model_copy(update={"rows": 128, "cols": 128, "dataflow": "os"})
    # 16x the PEs, each as fast as generic_npu's (MACs per cycle scale with rows x cols)
    prec = {k: v.model_copy(update={"macs_per_cycle": v.macs_per_cycle * 16}) for k, v in p.units[0].precisions.items()}
    u = p.units[0].model_copy(update={"zero_skip": ZeroSkip(granularity=1), "mapping": "auto", "array": arr,
                                      "precisions": prec})
    q = p.model_copy(update={"units": [u, *p.units[1:]]})
    r = accelsim.simulate(q, "mobilenet_v2", unit=u.name, precision="int8", compress="prune=0.9")
    d = r.to_dict()
    sram_mj = sum(lr["sram_energy_mj"] for lr in d["layers"])
    # the same run with the old tie-break (cycles, then DRAM bytes): patch the energy weights out
    import accelsim.map.array_mapping as am
    orig = am.search_mapping

    def no_energy(*a, **k):
        k.pop("pj_per_byte", None)
        k.pop("word_bytes", None)
        return orig(*a, **k)

    am._cached.cache_clear()
    am.search_mapping = no_energy
    try:
        old = accelsim.simulate(q, "mobilenet_v2", unit=u.name, precision="int8", compress="prune=0.9")
    finally:
        am.search_mapping = orig
        am._cached.cache_clear()
    old_sram = sum(lr["sram_energy_mj"] for lr in old.to_dict()["layers"])
    assert r.latency_ms == pytest.approx(old.latency_ms, rel=1e-9)
    assert sram_mj < 0.8 * old_sram and r.energy_mj < old.energy_mj
    assert search_mapping is orig
