"""Time stream simulations: 60 s of a 30 fps SSD-MobileNet-V2 camera on snapdragon855 (target: under 10 s).

    python benchmarks/stream_speed.py     # prints a table, --write records it in benchmarks/results/stream_speed.json

Each case is the median of three in-process ``run_streams`` calls (profile and workload loading,
cost table, partitioning and the SimPy run), plus one timing of the whole ``accelsim stream`` process
for the headline case. The tile-granularity case simulates 2 s only and is reported per simulated second.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accelsim.sim.stream_spec import load_streams_spec  # noqa: E402
from accelsim.sim.streams import run_streams  # noqa: E402

from _output import results_path  # noqa: E402

PROFILE = "snapdragon855"
SSD = {"workload": "ssd_mobilenet_v2", "fps": 30, "unit": "auto"}
CASES = [
    ("ssd_mobilenet_v2 30 fps, unit auto", {"seconds": 60, "streams": [SSD]}),
    ("ssd_mobilenet_v2 30 fps, keyframes every 5 + lstm_tracker",
     {"seconds": 60, "streams": [{**SSD, "keyframe_interval": 5, "tracker": "lstm_tracker"}]}),
    ("workloads/streams/two_cameras.yaml (2 x tiny_yolo_v3 30 fps)",
     {**load_streams_spec(ROOT / "workloads" / "streams" / "two_cameras.yaml").model_dump(), "seconds": 60}),
    ("ssd_mobilenet_v2 30 fps, tile granularity (2 s)", {"seconds": 2, "granularity": "tile", "streams": [SSD]}),
]


def main() -> None:
    out = results_path("stream_speed.json", description=__doc__.split("\n")[0])
    rows = []
    for label, spec in CASES:
        times, result = [], None
        for _ in range(3):
            t0 = time.perf_counter()
            result = run_streams(spec, PROFILE)
            times.append(time.perf_counter() - t0)
        wall = statistics.median(times)
        layers = sum(s.completed * len(s.mapping) for s in result.streams)
        rows.append({"case": label, "profile": PROFILE, "seconds_simulated": spec["seconds"],
                     "granularity": result.granularity, "frames": result.frames, "completed": result.completed,
                     "wall_s": wall, "wall_s_per_simulated_s": wall / spec["seconds"],
                     "p99_ms": result.latency_ms.p99, "dropped": result.dropped_frames,
                     "misses": result.deadline_misses, "main_network_layers_run": layers})
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "accelsim.cli", "stream", "--profile", PROFILE, "--workload",
                    "ssd_mobilenet_v2", "--fps", "30", "--seconds", "60", "--unit", "auto"], check=True,
                   capture_output=True)
    cli = time.perf_counter() - t0
    print(f"{'case':62} {'sim s':>6} {'frames':>7} {'wall':>8} {'per sim s':>10}")
    for r in rows:
        print(f"{r['case']:62} {r['seconds_simulated']:6g} {r['frames']:7d} {r['wall_s']:7.2f}s "
              f"{r['wall_s_per_simulated_s'] * 1e3:8.1f}ms")
    print(f"whole `accelsim stream` process, 60 s SSD-MobileNet-V2 case: {cli:.2f} s")
    if out is None:
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return
    out.write_text(json.dumps({"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                                          f"Python {platform.python_version()}",
                               "date": time.strftime("%Y-%m-%d"), "target_s": 10.0, "cli_process_s": cli,
                               "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
