"""Cross-validated latency accuracy (issue 15): leave-one-device-out and leave-one-network-out.

    python benchmarks/validate_cv.py        # writes benchmarks/results/runtime_validation.json + PNGs

Runs the commands a user would (each a separate process, timed end to end):

    accelsim validate --table hw_profiles/ncnn_benchmark_calibration.csv --cv device  --json ... --plot ...
    accelsim validate --table hw_profiles/ncnn_benchmark_calibration.csv --cv network --json ...
    accelsim validate --table hw_profiles/device_latency_calibration.csv --cv device  --json ...

Each fold refits the runtime factors without the left-out device (network) from the ncnn table and the
34-row table (held-back devices never enter a fit) and predicts its rows.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results"
RUNS = [("ncnn_device", "hw_profiles/ncnn_benchmark_calibration.csv", "device", True),
        ("ncnn_network", "hw_profiles/ncnn_benchmark_calibration.csv", "network", False),
        ("table34_device", "hw_profiles/device_latency_calibration.csv", "device", True)]


def main() -> int:
    results = {"machine": platform.platform(), "cpus": os.cpu_count(), "runs": {}}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, table, cv, plot in RUNS:
        js = OUT / f"runtime_validation_{name}.json"
        rel = Path("benchmarks") / "results"
        cmd = [sys.executable, "-m", "accelsim.cli", "validate", "--table", table, "--cv", cv,
               "--json", str(rel / js.name)]
        if plot:
            cmd += ["--plot", str(rel / f"runtime_validation_{name}.png")]
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        data = json.loads(js.read_text())
        results["runs"][name] = {"command": " ".join(["accelsim"] + cmd[3:]), "wall_s": round(wall, 1),
                                 "rows": data["n_rows"], "skipped": len(data["skipped"]),
                                 "median_ape": round(data["median_ape"], 4), "within_2x": round(data["within_2x"], 4),
                                 "fit": data["fit"]}
        js.unlink()   # the per-row JSON is large; the summary is what is kept
        print(name, results["runs"][name])
    (OUT / "runtime_validation.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
