"""Time MobileNet-V2 (analytical) on every unit of every chip profile, and the calibration fit.

    python benchmarks/run_chip_speed.py      # prints a table, --write records it in benchmarks/results/chip_speed.json

Per unit: the median of 7 in-process ``accelsim.simulate`` calls with the profile and the
workload already loaded (the cost of pricing 64 layers), and once with loading included.
Then the wall time of ``calibrate`` on the 34-row table with and without leave-one-out.
"""
from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import accelsim  # noqa: E402
from accelsim.calibration.calibrate import calibrate  # noqa: E402
from accelsim.hardware import available_profiles, load_profile  # noqa: E402

from _output import results_path  # noqa: E402


def median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main() -> None:
    out = results_path("chip_speed.json", description=__doc__.split("\n")[0])
    wl = accelsim.load_workload("mobilenet_v2")
    rows = []
    for name in available_profiles():
        prof = load_profile(name)
        for u in prof.units:
            prec = next(p for p in ("int8", "fp16", "fp32") if p in u.precisions)
            w = wl.with_precision(prec)
            priced = median_ms(lambda: accelsim.simulate(prof, w, unit=u.name))
            loaded = median_ms(lambda: accelsim.simulate(name, "mobilenet_v2", unit=u.name, precision=prec), 3)
            lat = accelsim.simulate(prof, w, unit=u.name).latency_ms
            rows.append({"profile": name, "unit": u.name, "precision": prec, "simulate_ms": round(priced, 2),
                         "with_loading_ms": round(loaded, 2), "predicted_latency_ms": round(lat, 3)})
            print(f"{name:18s} {u.name:4s} {prec:5s} price {priced:6.2f} ms  with loading {loaded:6.2f} ms  "
                  f"-> MobileNet-V2 {lat:8.3f} ms")
    t0 = time.perf_counter()
    calibrate(ROOT / "hw_profiles" / "device_latency_calibration.csv")
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    calibrate(ROOT / "hw_profiles" / "device_latency_calibration.csv", loo=True)
    loo_s = time.perf_counter() - t0
    print(f"calibrate: {fit_s:.2f} s; with leave-one-out (35 fits): {loo_s:.2f} s")
    if out is None:
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return
    out.write_text(json.dumps({"command": "python benchmarks/run_chip_speed.py", "machine": platform.platform(),
                               "python": platform.python_version(), "mobilenet_v2": rows,
                               "calibrate_s": round(fit_s, 2), "calibrate_loo_s": round(loo_s, 2)}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
