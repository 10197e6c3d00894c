"""Partition every zoo network on every profile: is the DP exact, and how long does it take?

    python benchmarks/partition_exactness.py   # ~10 min; --write records it in benchmarks/results/partition_exactness.json

For each (profile, network) pair: the latency objective, then the energy objective within 1.2x the
fastest latency. Pairs no mapping can run (a CPU-only NMS on a chip without a CPU) are listed as skipped.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import accelsim  # noqa: E402
from accelsim.hardware import available_profiles, load_profile  # noqa: E402
from accelsim.sim.cost_table import CostTable  # noqa: E402
from accelsim.sim.partition import partition  # noqa: E402
from accelsim.workload import ZOO  # noqa: E402

from _output import results_path  # noqa: E402


def main() -> None:
    out = results_path("partition_exactness.json", description=__doc__.split("\n")[0])
    rows, skipped = [], []
    for prof in available_profiles():
        profile = load_profile(prof)
        for net in ZOO:
            table = CostTable(accelsim.load_workload(net), profile)
            try:
                t0 = time.perf_counter()
                fast = partition(table)
                t1 = time.perf_counter()
                frugal = partition(table, "energy", fast.latency_ms * 1.2)
                t2 = time.perf_counter()
            except accelsim.AccelsimError as err:
                skipped.append({"profile": prof, "network": net, "why": str(err)})
                continue
            rows.append({"profile": prof, "network": net, "units_used": sorted(set(fast.units)),
                         "latency_exact": fast.exact, "latency_s": t1 - t0, "latency_ms": fast.latency_ms,
                         "energy_exact": frugal.exact, "energy_s": t2 - t1, "energy_mj": frugal.energy_mj,
                         "energy_vs_fastest": frugal.energy_mj / fast.energy_mj})
            print(f"{prof:18} {net:17} latency {'exact' if fast.exact else 'APPROX'} {t1 - t0:6.2f}s   "
                  f"energy {'exact' if frugal.exact else 'APPROX'} {t2 - t1:6.2f}s", flush=True)
    summary = {"pairs": len(rows) + len(skipped), "ran": len(rows), "skipped": len(skipped),
               "latency_inexact": [f"{r['profile']}/{r['network']}" for r in rows if not r["latency_exact"]],
               "energy_inexact": [f"{r['profile']}/{r['network']}" for r in rows if not r["energy_exact"]],
               "latency_max_s": max(r["latency_s"] for r in rows),
               "energy_max_s": max(r["energy_s"] for r in rows),
               "energy_median_s": sorted(r["energy_s"] for r in rows)[len(rows) // 2]}
    print(json.dumps(summary, indent=2))
    if out is None:
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return
    out.write_text(json.dumps({"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                                          f"Python {platform.python_version()}", "date": time.strftime("%Y-%m-%d"),
                               "summary": summary, "rows": rows, "skipped": skipped}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
