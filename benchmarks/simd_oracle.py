"""Oracle for the CPU instruction-count model: time the Numba kernels on this x86 host, compare with the model.

    python benchmarks/simd_oracle.py            # --write records benchmarks/results/simd_oracle.json

The host is a Sapphire Rapids-class Xeon (AVX-512 VNNI and VPOPCNTDQ), the core type
``golden-cove-sp`` of ``hw_profiles/xeon_sapphire_rapids.yaml``. For a few ResNet-18 /
MobileNet-V1 layers and the binary, ternary and int8 modes it times
``accelsim.kernels.conv2d`` on one thread with prepacked filters (minimum over ``--rounds``
passes of ``--reps`` calls after a warm-up: the machine is shared) and converts the time to cycles at the host's
nominal clock (``cpu MHz`` of /proc/cpuinfo: under KVM the real, possibly turbo, clock is not
visible); the clock a dependent IMUL + ADD chain runs at (4 cycles per step; the fastest of
200 timings of 2 M steps, short enough that some run undisturbed) is recorded beside it with
the ratios it would give. The model's cycles are :func:`accelsim.kernels.simd_cycles.simd_stats` for the path
the kernel took, with the profile's cited rate of that format on one core (512-bit vectors).

``ratio = measured / model``: the model counts issue-bound vector instructions of the inner
loops (no loads, no input packing, no cache misses), so a ratio above 1 is the share of the
kernel's time that the model does not see. Nothing is fitted to these times.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _output import add_output_arguments, output_path  # noqa: E402

from accelsim.hardware import load_profile  # noqa: E402
from accelsim.kernels import conv2d, pack_filters  # noqa: E402
from accelsim.kernels.simd_cycles import HOST_PATH, SimdGeometry, border_pixels, simd_stats  # noqa: E402

# (network, layer, C, K, H, kernel, stride, groups): "same" padding (kernel // 2)
LAYERS = [
    ("resnet18", "layer2.conv", 128, 128, 28, 3, 1, 1),
    ("resnet18", "layer3.conv", 256, 256, 14, 3, 1, 1),
    ("resnet18", "layer4.conv", 512, 512, 7, 3, 1, 1),
    ("mobilenet_v1", "pw6", 256, 256, 28, 1, 1, 1),
    ("mobilenet_v1", "pw12", 512, 1024, 7, 1, 1, 1),
]
MODES = ("binary", "ternary", "int8")


def host_clock_ghz() -> float:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("cpu MHz"):
            return float(line.split(":")[1]) / 1000
    raise SystemExit("no 'cpu MHz' in /proc/cpuinfo")


@numba.njit(cache=True)
def _chain(n, a, b):
    """n dependent 64-bit multiply-adds: IMUL (3 cycles latency) + ADD (1) = 4 cycles each."""
    x = np.int64(1)
    for _ in range(n):
        x = x * a + b
    return x


def probe_clock_ghz(reps: int = 200, n: int = 2_000_000) -> float:
    """The core clock seen by this process: 4 n cycles over the fastest of ``reps`` timings of :func:`_chain`."""
    a, b = np.int64(6364136223846793005), np.int64(1442695040888963407)
    _chain(10, a, b)
    best = min(_timed(_chain, n, a, b) for _ in range(reps))
    return 4 * n / best / 1e9


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def tensors(rng, mode, c, k, h, r, groups):
    vals = {"binary": np.array([-1, 1], np.int8), "ternary": np.array([-1, 0, 1], np.int8)}
    if mode == "int8":
        x = rng.integers(-128, 128, (1, c, h, h)).astype(np.int8)
        w = rng.integers(-128, 128, (k, c // groups, r, r)).astype(np.int8)
    else:
        x = vals[mode][rng.integers(0, len(vals[mode]), (1, c, h, h))]
        w = vals[mode][rng.integers(0, len(vals[mode]), (k, c // groups, r, r))]
    return x, w


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=20, help="timed calls per case and round")
    ap.add_argument("--rounds", type=int, default=5, help="passes over all cases (the minimum is kept)")
    add_output_arguments(ap, "simd_oracle.json")
    args = ap.parse_args(argv)
    numba.set_num_threads(1)
    unit = load_profile("xeon_sapphire_rapids", calibrated=False).unit("cpu")
    vector_bits = unit.lanes * 32
    clock = host_clock_ghz()
    probed = probe_clock_ghz()
    print(f"nominal clock {clock:.2f} GHz (/proc/cpuinfo); probed {probed:.2f} GHz (dependent IMUL+ADD chain)")
    rng = np.random.default_rng(0)
    cases = []
    for net, name, c, k, h, r, stride, groups in LAYERS:
        for mode in MODES:
            x, w = tensors(rng, mode, c, k, h, r, groups)
            pf = pack_filters(w, mode=mode, groups=groups)
            res = conv2d(x, pf, mode=mode, stride=stride, padding=r // 2, groups=groups)  # warm-up (and the path)
            cases.append(((net, name, c, k, h, r, stride, groups), mode, x, pf, res, []))
    for _ in range(args.rounds):   # rounds over the whole set: a burst of load on the machine hits one round
        for (_, _, _, _, _, r, stride, groups), mode, x, pf, _, times in cases:
            for _ in range(args.reps):
                t0 = time.perf_counter()
                conv2d(x, pf, mode=mode, stride=stride, padding=r // 2, groups=groups)
                times.append(time.perf_counter() - t0)
    rows = []
    for (net, name, c, k, h, r, stride, groups), mode, x, pf, res, times in cases:
        pad = r // 2
        e, f = res.y.shape[-2:]
        path = HOST_PATH.get(res.path, res.path)
        border = border_pixels(h, h, e, f, r, r, (stride, stride), (pad,) * 4) if pad else 0
        g = SimdGeometry(images=1, groups=groups, m=e * f, n=k // groups, cg=c // groups, r=r, s=r, e=e, f=f,
                         border_pixels=border)
        st = simd_stats(path, g, vector_bits, mode, unit.precisions[mode].macs_per_cycle)
        measured = min(times) * clock * 1e9
        rows.append({"network": net, "layer": name, "mode": mode, "kernel_path": res.path, "isa_path": path,
                     "macs": st.macs, "model_instructions": st.instructions, "model_cycles": st.cycles,
                     "measured_ms_min": min(times) * 1e3, "measured_ms_median": statistics.median(times) * 1e3,
                     "measured_cycles": round(measured), "ratio": measured / st.cycles,
                     "ratio_at_probed_clock": measured / clock * probed / st.cycles})
        print(f"{net:13s} {name:12s} {mode:8s} {res.path:18s} model {st.cycles:>11,} cyc  measured "
              f"{round(measured):>11,} cyc  ratio {measured / st.cycles:6.2f}", flush=True)
    summary = {}
    for mode in MODES:
        ratios = [row["ratio"] for row in rows if row["mode"] == mode]
        at_probed = [row["ratio_at_probed_clock"] for row in rows if row["mode"] == mode]
        summary[mode] = {"median_ratio": statistics.median(ratios), "min_ratio": min(ratios),
                         "max_ratio": max(ratios), "median_ratio_at_probed_clock": statistics.median(at_probed)}
        print(f"{mode:8s} measured / model: median {summary[mode]['median_ratio']:.2f} "
              f"(range {min(ratios):.2f}..{max(ratios):.2f}); at the probed clock "
              f"{summary[mode]['median_ratio_at_probed_clock']:.2f}")
    from scipy.stats import spearmanr
    rho = float(spearmanr([r["model_cycles"] for r in rows], [r["measured_cycles"] for r in rows]).statistic)
    summary["spearman_model_vs_measured_all_rows"] = rho
    print(f"rank correlation of model and measured cycles over all {len(rows)} rows: {rho:.2f}")
    out = {"host": platform.processor() or platform.machine(), "clock_ghz_nominal": clock,
           "clock_ghz_probed": probed, "threads": 1,
           "vector_bits": vector_bits, "reps": args.reps, "rounds": args.rounds, "profile": "xeon_sapphire_rapids",
           "rates": {m: unit.precisions[m].macs_per_cycle for m in MODES}, "summary": summary, "rows": rows}
    path = output_path(args, "simd_oracle.json")
    if path:
        path.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
