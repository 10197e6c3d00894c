"""What each compression buys on each unit: before/after ratios of size, MACs, DRAM, latency and energy.

    python benchmarks/compression_table.py        # prints a markdown table, --write records it in benchmarks/results/compression_table.json

Every row is one ``accelsim.simulate(profile, workload, unit=..., compress=SPEC)``
(analytical fidelity, calibrated profiles); a ratio is after / before.
Also times ``apply_spec`` on the largest zoo networks (the transforms' own cost).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import accelsim  # noqa: E402
from accelsim.compress import apply_spec  # noqa: E402

from _output import results_path  # noqa: E402

UNITS = [("generic_npu", "npu"), ("snapdragon855", "cpu"), ("snapdragon855", "gpu"), ("snapdragon855", "dsp")]
SPECS = ["prune=0.89", "prune=2:4", "quant=int4", "quant=binary", "hash=0.125", "factorize=ratio:0.25",
         "separable", "distill=width:0.5", "prune=0.89,quant=int4"]
WORKLOAD = "alexnet"


def rows() -> list[dict]:
    out = []
    for profile, unit in UNITS:
        for spec in SPECS:
            c = accelsim.simulate(profile, WORKLOAD, unit=unit, compress=spec).compression
            ratio = c.ratios()
            out.append({"profile": profile, "unit": unit, "spec": spec,
                        **{k: ratio[k] for k in ("model_bytes", "effective_macs", "dram_bytes", "latency_ms",
                                                 "energy_mj")},
                        "latency_ms_before": c.before.latency_ms, "latency_ms_after": c.after.latency_ms})
    return out


def transform_speed() -> dict[str, float]:
    timings = {}
    for name in ("vgg16", "resnet50", "inception_v3"):
        wl = accelsim.load_workload(name)
        spec = "prune=0.7,factorize=ratio:0.5,quant=int8"
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            apply_spec(wl, spec)
            runs.append(time.perf_counter() - t0)
        timings[f"{name}: {spec}"] = statistics.median(runs) * 1e3
    return timings


def main() -> None:
    out = results_path("compression_table.json", description=__doc__.split("\n")[0])
    table = rows()
    speed = transform_speed()
    print(f"{WORKLOAD}, after / before")
    print("| unit | spec | model bytes | effective MACs | DRAM bytes | latency | energy |")
    print("|---|---|---|---|---|---|---|")
    for r in table:
        print(f"| {r['profile']}/{r['unit']} | `{r['spec']}` | {r['model_bytes']:.3f} | {r['effective_macs']:.3f} | "
              f"{r['dram_bytes']:.3f} | {r['latency_ms']:.3f} | {r['energy_mj']:.3f} |")
    for k, ms in speed.items():
        print(f"apply_spec {k}: {ms:.1f} ms")
    if out is None:
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return
    out.write_text(json.dumps({"workload": WORKLOAD, "command": "python benchmarks/compression_table.py",
                               "rows": table, "apply_spec_ms": speed}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
