"""How long ``accelsim run --fidelity cycle`` takes, against the analytical fidelity.

    python benchmarks/cycle_fidelity.py     # --write records it in benchmarks/results/cycle_fidelity.json

In-process ``accelsim.simulate`` times (median of ``--reps`` runs after a warm-up that
also fills Numba's on-disk cache), for MobileNet-V1 (224) on generic_npu with SCALE-Sim's array
mapping (the one the cycle fidelity runs; the analytical default is the auto mapper) in int8 in each
dataflow, plus ternary with zero skipping (every PE's skip count measured), and the wall
time of one whole ``accelsim run --fidelity cycle`` process (start-up, imports, cached
kernels).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import accelsim
from accelsim.hardware import load_profile
from accelsim.hardware.schema import PrecisionSpec, ZeroSkip

from _output import add_output_arguments, output_path

RESULTS = Path(__file__).parent / "results"


def ternary_skip_profile():
    """generic_npu plus a ternary format at one MAC per PE per cycle and weight zero skipping (os)."""
    p = load_profile("generic_npu")
    u = p.unit()
    precisions = dict(u.precisions)
    precisions["ternary"] = PrecisionSpec(macs_per_cycle=u.pe_count, energy_pj_per_mac=0.1)
    u = u.model_copy(update={"precisions": precisions, "zero_skip": ZeroSkip(granularity=1, operands="weights")})
    return p.model_copy(update={"units": [u]})


def timed(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    add_output_arguments(parser, "cycle_fidelity.json")
    args = parser.parse_args(argv)
    out = output_path(args, "cycle_fidelity.json")
    rows = []
    # SCALE-Sim's mapping in both fidelities (the cycle fidelity always runs it; chip units default to auto)
    cases = [(f"int8 {df}", "generic_npu", dict(dataflow=df, mapping="scalesim")) for df in ("os", "ws", "is")]
    cases.append(("ternary os, weight zero skipping", ternary_skip_profile(),
                  dict(dataflow="os", precision="ternary", mapping="scalesim")))
    for name, prof, kw in cases:
        ana_med, _ = timed(lambda: accelsim.simulate(prof, "mobilenet_v1", **kw), args.reps)
        cyc_med, cyc_min = timed(lambda: accelsim.simulate(prof, "mobilenet_v1", fidelity="cycle", **kw), args.reps)
        res = accelsim.simulate(prof, "mobilenet_v1", fidelity="cycle", **kw)
        ana = accelsim.simulate(prof, "mobilenet_v1", **kw)
        rows.append({"case": name, "analytical_s": ana_med, "cycle_s": cyc_med, "cycle_min_s": cyc_min,
                     "cycle_compute_cycles": res.compute_cycles, "analytical_compute_cycles": ana.compute_cycles})
        print(f"{name:<34} analytical {ana_med * 1e3:7.1f} ms   cycle {cyc_med:6.2f} s   compute cycles "
              f"{res.compute_cycles:,} (analytical {ana.compute_cycles:,})", flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "accelsim.cli", "run", "--fidelity", "cycle"], check=True,
                   capture_output=True)
    cli_s = time.perf_counter() - t
    print(f"whole `accelsim run --fidelity cycle` process: {cli_s:.2f} s")
    if out is None:
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return 0
    out.write_text(json.dumps(
        {"command": "python benchmarks/cycle_fidelity.py", "workload": "mobilenet_v1 224", "profile": "generic_npu",
         "runs": rows, "cli_process_s": cli_s}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
