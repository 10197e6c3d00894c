"""Regenerate ``scalesim_v3_nonsquare_random.json``: SCALE-Sim v3's own cycle counts for
random small layers (incl. ``_DP`` depthwise rows and strides) on non-square arrays.

Not part of the test suite (SCALE-Sim is not a dependency). To rerun::

    python -m venv /tmp/ss && /tmp/ss/bin/pip install scalesim==3.0.0 'numpy<2.4'
    /tmp/ss/bin/python tests/data/scalesim/make_nonsquare.py OUT.json

Each run uses CALC bandwidth (no stalls) and 64 kB SRAMs; the layers are drawn with
``random.seed(7)``.
"""
import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

CFG = """[general]
run_name = t
[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: 64
FilterSramSzkB: 64
OfmapSramSzkB: 64
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth : 10
Dataflow : {df}
MemoryBanks: 1
ReadRequestBuffer: 512
WriteRequestBuffer: 512
[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2
[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40
"""
RUN = ("import sys\nfrom scalesim.scale_sim import scalesim\n"
       "s = scalesim(save_disk_space=True, verbose=False, config=sys.argv[1], topology=sys.argv[2], layout=sys.argv[2])\n"
       "s.run_scale(top_path=sys.argv[3])\n")
ARRAYS = [(8, 4), (4, 8), (16, 8), (3, 5), (5, 3), (12, 20), (1, 6), (7, 1), (32, 16), (16, 32)]


def main(out: str) -> None:
    random.seed(7)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "run.py").write_text(RUN)
        for ai, (rows, cols) in enumerate(ARRAYS):
            for df in ("os", "ws", "is"):
                layers = []
                for i in range(6):
                    r = random.choice([1, 1, 3, 3, 5, 7])
                    s = r if random.random() < 0.8 else random.choice([1, 3])
                    st = random.choice([1, 1, 2, 3])
                    e, f = random.randint(1, 12), random.randint(1, 12)
                    h, w = (e - 1) * st + r, (f - 1) * st + s
                    c, k = random.randint(1, 20), random.randint(1, 40)
                    name = f"L{i}" + ("_DP" if random.random() < 0.2 else "")
                    if name.endswith("_DP"):
                        k, c = 1, random.randint(1, 6)
                    layers.append((name, h, w, r, s, c, k, st))
                d = root / f"a{ai}_{df}"
                d.mkdir()
                (d / "topo.csv").write_text(
                    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                    "Strides,\n" + "".join(", ".join(map(str, L)) + ",\n" for L in layers))
                (d / "scale.cfg").write_text(CFG.format(rows=rows, cols=cols, df=df))
                subprocess.run([sys.executable, str(root / "run.py"), str(d / "scale.cfg"), str(d / "topo.csv"),
                                str(d / "out")], check=True, capture_output=True)
                report = list(csv.reader(open(d / "out/t/COMPUTE_REPORT.csv")))[1:]
                it = iter(report)
                for L in layers:
                    n = L[5] if "DP" in L[0] else 1  # SCALE-Sim expands a DP row per channel
                    cycles = sum(int(next(it)[2]) for _ in range(n))
                    results.append(dict(name=L[0], H=L[1], W=L[2], R=L[3], S=L[4], C=L[5], K=L[6], stride=L[7],
                                        rows=rows, cols=cols, dataflow=df, total_cycles=cycles))
    Path(out).write_text(json.dumps(results, indent=0))


if __name__ == "__main__":
    main(sys.argv[1])
