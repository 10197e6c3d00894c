"""Sweep throughput: MobileNet-V2 design points per minute with the analytical model.

    python benchmarks/sweep_speed.py        # prints a table, --write records it in benchmarks/results/sweep_speed.json

The design space is MobileNet-V2 (224, width 1.0) on variants of the generic
NPU: 16 array heights x 16 widths (4..256, log-spaced) x 8 scratchpad sizes x
8 DRAM bandwidths x 3 dataflows x 4 clocks = 196,608 points. Three figures:

- ``accelsim sweep`` as a user runs it (a fresh process, local backend over
  all cores, SQLite storage of every point, results.csv, pareto.csv and
  pareto.png): points per minute of wall-clock time, start to end;
- the same run's evaluation phase (points per minute while chunks are being
  evaluated and stored, as the command reports it);
- the vectorized evaluator alone in this one process (one core, no storage).

The generic NPU is swept with SCALE-Sim's array mapping (``mapping: scalesim``, written to a temporary
profile): the vectorized batch model follows that mapping. With the default auto mapper (accelsim/map)
every point is simulated one by one, orders of magnitude slower (notebook 03's 4,704-point grid: see its
text and the README).

Target: >= 100,000 points per minute end to end. The machine is shared, so
the 1-minute load average before the run is recorded too.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _output import results_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_PER_MIN = 100_000
SPEC = {
    "name": "mobilenet_v2_npu_space",
    "profile": "generic_npu",        # replaced by the SCALE-Sim-mapped copy (scalesim_profile)
    "workloads": ["mobilenet_v2"],
    "parameters": {
        "units.npu.array.rows": {"range": [4, 256], "num": 16, "scale": "log", "integer": True},
        "units.npu.array.cols": {"range": [4, 256], "num": 16, "scale": "log", "integer": True},
        "units.npu.sram.ifmap_bytes,units.npu.sram.filter_bytes": {"range": [16384, 2097152], "num": 8,
                                                                   "scale": "log", "integer": True},
        "dram.bandwidth_gbps": {"range": [4, 128], "num": 8, "scale": "log"},
        "units.npu.array.dataflow": ["os", "ws", "is"],
        "units.npu.clock_ghz": [0.6, 0.8, 1.0, 1.2],
    },
}


def cli_run(spec_path: Path, out: Path) -> tuple[float, dict, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "accelsim.cli", "sweep", str(spec_path), "--out", str(out),
                           "--no-progress"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    return wall, json.loads((out / "summary.json").read_text()), proc.stdout


def scalesim_mapped(profile):
    """``profile`` with SCALE-Sim's mapping on its systolic units (the batch model's; the default is auto)."""
    return profile.model_copy(update={"units": [u.model_copy(update={"mapping": "scalesim"})
                                                if u.cost_model == "systolic" else u for u in profile.units]})


def scalesim_profile(path: Path) -> Path:
    """generic_npu, SCALE-Sim-mapped, written to ``path`` for the CLI run."""
    import yaml
    from accelsim.hardware import load_profile
    path.write_text(yaml.safe_dump(scalesim_mapped(load_profile("generic_npu")).model_dump(exclude_none=True)))
    return path


def in_process_rate(n: int = 16384) -> float:
    """Points per minute of evaluate_points alone, one process, MobileNet-V2, after warm-up."""
    from accelsim.dse.evaluate import SweepContext, evaluate_points
    from accelsim.dse.space import design_points
    from accelsim.dse.spec import SweepSpec
    from accelsim.hardware import load_profile

    spec = SweepSpec(**SPEC)
    profile = scalesim_mapped(load_profile("generic_npu"))
    points = design_points(spec, profile)[:n]
    ctx = SweepContext(profile, None, "analytical")
    evaluate_points(ctx, points[:256])
    t0 = time.perf_counter()
    for i in range(0, n, 2048):
        evaluate_points(ctx, points[i:i + 2048])
    return 60 * n / (time.perf_counter() - t0)


def main() -> None:
    out = results_path("sweep_speed.json", description=__doc__.split("\n")[0])
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.yaml"
        spec_path.write_text(json.dumps({**SPEC, "profile": str(scalesim_profile(Path(tmp) / "npu.yaml"))},
                                        indent=1))
        load = os.getloadavg()[0]
        wall, summary, stdout = cli_run(spec_path, Path(tmp) / "out")
        resume_wall, resumed, _ = cli_run(spec_path, Path(tmp) / "out")   # everything already done
    n = summary["computed"]
    end_to_end = 60 * n / wall
    eval_phase = 60 * n / summary["elapsed_s"]
    single = in_process_rate()
    rows = [("accelsim sweep, end to end (local backend, all cores)", end_to_end),
            ("  evaluation + storage phase of that run", eval_phase),
            ("vectorized evaluator alone, 1 process", single)]
    print(f"MobileNet-V2 design space: {n:,} points, wall {wall:.1f} s, Pareto front {summary['pareto_points']} "
          f"points, load average before the run {load:.2f}")
    for name, rate in rows:
        print(f"  {name:55s} {rate:>12,.0f} points/min")
    print(f"  rerun with every point stored: {resume_wall:.1f} s ({resumed['computed']} computed)")
    verdict = "meets" if end_to_end >= TARGET_PER_MIN else "MISSES"
    print(f"target >= {TARGET_PER_MIN:,} points/min end to end: {verdict}")
    if out is None:
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return
    out.write_text(json.dumps({
        "command": "python benchmarks/sweep_speed.py",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"), "load_average_1min_before": round(load, 2),
        "workload": "mobilenet_v2", "points": n, "spec": SPEC,
        "wall_s": round(wall, 2), "points_per_min_end_to_end": round(end_to_end),
        "points_per_min_eval_phase": round(eval_phase), "points_per_min_single_process_evaluator": round(single),
        "resume_wall_s": round(resume_wall, 2), "pareto_points": summary["pareto_points"],
        "target_points_per_min": TARGET_PER_MIN, "meets_target": end_to_end >= TARGET_PER_MIN,
    }, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
