"""Time ``accelsim run`` (analytical and event) on SCALE-Sim's MobileNet-V1 and ResNet-18.

    python benchmarks/run_speed.py            # prints a table, --write records it in benchmarks/results/run_speed.json

Each figure is the median of several in-process runs of ``accelsim.simulate`` on the
SCALE-Sim 32x32 config + topology CSV (files loaded and parsed every time, as the CLI
does), plus one timing of the whole ``accelsim run`` process. SCALE-Sim v3 took 82-95 s
(MobileNet-V1) and 279-440 s (ResNet-18) per dataflow on this machine.
"""
from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import accelsim  # noqa: E402
from tests.helpers import write_scalesim_cfg  # noqa: E402

from _output import results_path  # noqa: E402

DATA = ROOT / "tests" / "data" / "scalesim"
SCALESIM_S = {("mobilenet_v1_224", "os"): 95.5, ("mobilenet_v1_224", "ws"): 81.7, ("mobilenet_v1_224", "is"): 84.5,
              ("resnet18_224", "os"): 295.9, ("resnet18_224", "ws"): 278.9, ("resnet18_224", "is"): 440.0}


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    out = results_path("run_speed.json", description=__doc__.split("\n")[0])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for (net, df), scalesim_s in SCALESIM_S.items():
            cfg = write_scalesim_cfg(Path(tmp) / f"{df}.cfg", 32, 32, df)
            topo = DATA / f"{net}.csv"
            accelsim.simulate(cfg, topo)  # warm imports
            ana = median_seconds(lambda: accelsim.simulate(cfg, topo), 20)
            ev = median_seconds(lambda: accelsim.simulate(cfg, topo, fidelity="event"), 5)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "accelsim.cli", "run", "--profile", str(cfg), "--workload",
                            str(topo)], check=True, capture_output=True)
            cli = time.perf_counter() - t0
            rows.append({"network": net, "dataflow": df, "analytical_s": ana, "event_s": ev, "cli_process_s": cli,
                         "scalesim_v3_s": scalesim_s, "speedup_analytical": scalesim_s / ana})
    print(f"{'network':18} {'df':3} {'analytical':>11} {'event':>9} {'CLI proc':>9} {'SCALE-Sim':>10} {'speed-up':>9}")
    for r in rows:
        print(f"{r['network']:18} {r['dataflow']:3} {r['analytical_s'] * 1e3:9.2f}ms {r['event_s'] * 1e3:7.1f}ms "
              f"{r['cli_process_s']:8.2f}s {r['scalesim_v3_s']:9.1f}s {r['speedup_analytical']:8.0f}x")
    if out is None:
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return
    out.write_text(json.dumps({"machine": f"{platform.processor() or platform.machine()}, "
                               f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}",
                               "date": time.strftime("%Y-%m-%d"), "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
