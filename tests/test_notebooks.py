"""The notebooks: jupytext sources paired with executed .ipynb twins, public API only, and their claims checked.

A notebook is a tutorial: its prose states findings ("the NPU spends more time being dispatched than
computing") and its cells only compute and show. The findings are checked here, on the notebook's own
variables: each notebook runs top to bottom (small design spaces) and one extra cell evaluates CLAIMS in its
kernel.
"""
import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py"))
INTERNALS = re.compile(r"^\s*(from|import)\s+accelsim\.(cost|sim|hardware|workload|kernels|map|calibration|runtime)\b",
                       re.M)

# What each notebook's prose claims, as expressions on its variables (evaluated after its last cell).
CLAIMS = {
    "01_roofline_tour": {
        "a unit with >2.5x another's peak is >2x slower": 'big["peak"] > 2.5 * small["peak"] and '
                                                          'big["result"].latency_ms > 2 * small["result"].latency_ms',
        "CPUs reach a larger share of their peak": "cpu_share > 2 * acc_share",
        "every layer lies under its roof": "all(p.attained_gops <= r['roofline'].roof_gops(p.intensity_ops_per_byte,"
                                           " p.precision) * (1 + 1e-9) for r in runs for p in r['roofline'].points)",
        "few layers sit on the DRAM slope": "all(r['dram_bound_layers'] <= len(r['roofline'].points) / 4 for r in runs)",
        "the VPU and the DLA are the overhead-heavy": '{r["label"] for r in overhead_heavy} == '
                                                      '{"myriadx/vpu", "jetson_xavier_nx/dla"}',
        "GPUs lose >1/4 of their latency to overhead, CPUs <1/5":
            "all(r['overhead_ms'] > 0.25 * r['result'].latency_ms for r in runs if r['kind'] == 'gpu') and "
            "all(r['overhead_ms'] < 0.2 * r['result'].latency_ms for r in runs if r['kind'] == 'cpu')",
        "DRAM is <10% of a CPU/GPU/VPU's energy, >30% of some NPU's":
            "max(dram_share[r['label']] for r in runs if r['kind'] in ('cpu', 'gpu', 'vpu')) < 0.1 < 0.3 < "
            "max(dram_share[r['label']] for r in runs if r['kind'] == 'npu')",
        "static + DRAM are >3/4 of every NPU's and DLA's own energy (without the host CPU)":
            "all(r['energy']['static'] + r['energy']['DRAM'] > 0.75 * (r['result'].energy_mj - r['energy']['host CPU'])"
            " for r in runs if r['kind'] in ('npu', 'dla'))",
        "every dedicated engine spends less energy than every CPU/GPU/VPU":
            "max(energy[k] for k in engines) < min(v for k, v in energy.items() if k not in engines)",
        "a CPU or GPU spends the most on chip, an engine the least":
            "all(max((m := {r['unit']: own[r['label']] for r in runs if r['chip'] == c}), key=m.get) in ('cpu', 'gpu')"
            " and min(m, key=m.get) not in ('cpu', 'gpu') for c in {r['chip'] for r in runs if r['kind'] == 'cpu'})",
        "CPUs spend >3x the accelerators on chip": 'own["snapdragon855/cpu"] > 3 * own["snapdragon855/dsp"] and '
                                                  'own["kirin980/cpu"] > 3 * own["kirin980/npu"]',
        "the Xavier NX GPU is fastest": 'fastest["label"] == "jetson_xavier_nx/gpu"',
        "the summary's latency order": 'lat["jetson_xavier_nx/gpu"] < lat["snapdragon855/dsp"] < '
                                       'lat["jetson_xavier_nx/dla"] < min(cpus) < lat["kirin980/npu"] < max(cpus) < '
                                       'min(lat[r["label"]] for r in runs if r["kind"] == "gpu" and r["chip"] != '
                                       '"jetson_xavier_nx") and max(cpus) < lat["exynos9820/npu"] < lat["myriadx/vpu"]',
    },
    "02_compression_tradeoffs": {
        "pruned int4 is >4x smaller than int8": 'size_mb[spec_of(max(PRUNE), QUANT[-1])] < size_mb[spec_of(0.0, "int8")] / 4',
        "every sweep point ran": "len(rows) == len(UNITS) * len(SPECS)",
        "emulated int8 on the GPU gains nothing": 'r8["snapdragon855/gpu"][0] > 0.95 and r8["snapdragon855/gpu"][1] > 0.9',
        "int8 cuts the Kirin NPU's energy ~40%, not its latency": 'r8["kirin980/npu"][1] < 0.65 and '
                                                                  '0.97 < r8["kirin980/npu"][0] < 1.03',
        "native int8 is faster": 'all(r8[u][0] < 0.7 for u in ("snapdragon855/cpu", "jetson_xavier_nx/gpu", "sparse_npu"))',
        "the Kirin NPU's int8 is no faster per MAC": 'kirin["int8"].macs_per_cycle == kirin["fp16"].macs_per_cycle',
        "int4 buys no speed": "all(r4[u][0] > 0.9 for u in UNITS)",
        "int4 saves a fifth of the energy at most, a few % on the 855": 'all(0.75 < r4[u][1] for u in UNITS) and '
                                                                     'min(r4[u][1] for u in UNITS) < 0.9 and '
                                                                     'all(r4[u][1] > 0.95 for u in ("snapdragon855/cpu",'
                                                                     ' "snapdragon855/gpu"))',
        "pruning speeds up only the zero-skipping NPU, <10%": 'all(rp[u][0] > 0.97 for u in UNITS if u != "sparse_npu")'
                                                              ' and 0.9 < rp["sparse_npu"][0] < 0.97',
        "pruning saves the Kirin NPU ~1/8 and the zero-skipping NPU ~1/6 of their energy, the rest next to nothing":
            'rp["kirin980/npu"][1] < 0.9 and 0.75 < rp["sparse_npu"][1] < 0.9 and '
            'all(0.95 < rp[u][1] <= 1.0 for u in UNITS if u not in ("kirin980/npu", "sparse_npu"))',
        "the front mixes units": 'len({r["unit"] for r in best}) >= 2',
        "the energy end of the front is the Kirin NPU": 'min(best, key=lambda r: r["energy_mj"])["unit"] == "kirin980/npu"',
    },
    "03_npu_design_space": {
        "depthwise layers dominate the latency": "dw_ms > other_ms",
        "a bigger array is never slower": 'all(r["latency_ms"] <= q["latency_ms"] * (1 + 1e-9) for q in ok for r in ok '
                                          'if all(r[p] == q[p] for p in PARAMS[2:]) and r[PARAMS[0]] >= q[PARAMS[0]] '
                                          'and r[PARAMS[1]] >= q[PARAMS[1]])',
        "every scratchpad doubling saves energy": "all(a > b for a, b in zip(energies, energies[1:]))",
        "SCALE-Sim's mapping: depthwise slower above 32x32; the mapper's never":
            'depthwise_ms["ws", "scalesim"][-1] > depthwise_ms["ws", "scalesim"][sizes.index(32)] and '
            'all(all(a >= b for a, b in zip(d, d[1:])) for (df, m), d in depthwise_ms.items() if m == "auto")',
    },
    "05_my_npu_idea": {
        "on the array alone, depthwise layers take most of the time": 'budget_before.by_op_class[0].key == "depthwise" '
                                                                      "and budget_before.by_op_class[0].share > 0.5",
        "the vector unit makes it twice as fast": "speedup > 2",
        "then pointwise layers are the budget": 'budget_after.by_op_class[0].key == "pointwise"',
        "every design ran": "sweep.n_ok == sweep.n_points == len(ideas)",
        "the idea is faster than every phone unit": 'best_idea["latency_ms"] < best_phone["latency_ms"]',
        "at spec, an idea spends less energy than every phone unit": 'frugal_idea["energy_mj"] < '
                                                                    'frugal_phone["energy_mj"]',
        "at spec, the ideas own the whole front": "idea_share == 1",
        "DRAM is about half of the idea's energy": "0.4 < dram_share < 0.6",
        "priced as shipped, the best idea loses on latency and energy":
            'as_shipped.latency_ms > best_phone["latency_ms"] and as_shipped.energy_mj > frugal_phone["energy_mj"]',
        "the Kirin 990 NPU's fitted efficiency is about a fifth": "0.1 < kirin_npu.efficiency.pointwise < 0.3",
    },
    "04_realtime_video": {
        "the Nano carries one detector camera": 'capacity["jetson_nano", 1] == 1',
        "the 855 carries more": 'capacity["snapdragon855", 1] > capacity["jetson_nano", 1]',
        "the 855 never carries fewer": 'all(capacity["snapdragon855", k] >= capacity["jetson_nano", k] for k in KS)',
        "a longer interval never carries fewer cameras": "all(all(a <= b for a, b in zip(c, c[1:])) for c in"
                                                         " ([capacity[chip, k] for k in KS] for chip in CHIPS))",
        "keyframes at K=5 more than double the Nano": 'capacity["jetson_nano", 5] > 2 * capacity["jetson_nano", 1]',
        "two cameras overload the Nano": 'nano2[1]["dropped"] > 0 and nano2[1]["missed"] > 0 and '
                                         'nano2[1]["fps_worst"] < FPS * 0.9 and nano2[1]["busiest"] > 0.99',
        "with keyframes the Nano keeps up": 'all(nano2[k]["dropped"] == 0 and nano2[k]["missed"] == 0 and '
                                            'nano2[k]["fps_worst"] == FPS and nano2[k]["p99_ms"] < 1000 / FPS for k in KS[1:])',
        "energy per frame is E_det/K + E_trk (3%)":
            "all(abs(summary(grid[c, 1, k])['mj_per_frame'] - (e_d if k == 1 else e_d / k + e_t)) <= 0.03 * "
            "(e_d if k == 1 else e_d / k + e_t) for c in CHIPS for e_d, e_t in "
            "[(alone[c][DETECTOR].streams[0].energy_mj_per_frame, alone[c][TRACKER].streams[0].energy_mj_per_frame)]"
            " for k in KS)",
        "a detector frame costs the 855 >10x less than the Nano":
            "10 * alone['snapdragon855'][DETECTOR].streams[0].energy_mj_per_frame < "
            "alone['jetson_nano'][DETECTOR].streams[0].energy_mj_per_frame",
        "energy per frame falls with K": "all(all(a > b for a, b in zip(m, m[1:])) for m in "
                                         "([summary(grid[c, 1, k])['mj_per_frame'] for k in KS] for c in CHIPS))",
        "sync mode misses keyframe deadlines, async none":
            "all(modes['sync'][k].dropped_frames == 0 and 0 < modes['sync'][k].deadline_misses <= -(-frames // k) and "
            "modes['async'][k].deadline_misses == 0 and "
            "modes['sync'][k].latency_ms.p99 > 1000 / FPS > modes['async'][k].latency_ms.p99 and "
            "all(s.keyframes.deadline_misses == 0 and s.keyframes.skipped == 0 for s in modes['async'][k].streams) and "
            "kf[k] < k * 1000 / FPS for k in KS[1:])",
    },
}


def test_every_notebook_has_a_source_an_executed_twin_and_claims():
    assert [p.stem for p in SOURCES] == sorted(CLAIMS), "a notebook without claims (or claims without a notebook)"
    for src in SOURCES:
        assert src.with_suffix(".ipynb").is_file(), f"{src.name}: run python notebooks/run.py {src.stem}"


@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_ipynb_is_the_executed_source(src):
    """Paired: the .ipynb has exactly the .py's cells, every code cell executed, plots included."""
    nb = nbformat.read(src.with_suffix(".ipynb"), as_version=4)
    source = jupytext.read(src)
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in source.cells], \
        f"{src.stem}.ipynb is stale: python notebooks/run.py {src.stem}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3


@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_tutorial_cells_use_the_public_api_and_carry_no_asserts(src):
    nb = jupytext.read(src)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not INTERNALS.search(cell.source), f"{src.stem}: imports an internal module:\n{cell.source}"
            assert not re.search(r"^\s*assert\b", cell.source, re.M), f"{src.stem}: assert in a tutorial cell"


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_runs_and_its_claims_hold(src, tmp_path, monkeypatch):
    monkeypatch.setenv("ACCELSIM_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("ACCELSIM_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = jupytext.read(src)
    claims = CLAIMS[src.stem]
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _json\n"
        f"_claims = {json.dumps(claims)}\n"
        "print('CLAIMS' + _json.dumps({k: bool(eval(v)) for k, v in _claims.items()}))"))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()     # raises CellExecutionError (with the cell and traceback) if any cell fails
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    results = json.loads(text.split("CLAIMS", 1)[1])
    assert [k for k, ok in results.items() if not ok] == []
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3     # the plots were drawn
