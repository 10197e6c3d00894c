"""Speed of the cycle-fidelity kernels against PyTorch's fp32 conv2d (oneDNN) on the same shapes.

    pip install -e '.[bench]'          # PyTorch is a benchmark-only extra
    python benchmarks/kernels.py       # --write records benchmarks/results/kernels.{json,md}

For every layer (ResNet-18 and MobileNet-V1 convolutions at 224x224, batch 1) and every
mode (binary, ternary, int8), on 1 thread and on all cores, it times:

* ``kernel``: ``accelsim.kernels.conv2d(x, w)`` end to end from int8 NCHW / OIHW arrays
  (checks, input packing, compute, output layout); the same ``w`` array passed again reuses
  its packing once it is compared equal to the packed copy (static weights);
* ``cold``: the same with the packing cache emptied before every call (filters packed per call);
* ``prepacked``: the same with filters packed once by ``pack_filters`` (how an inference
  engine keeps its weights), i.e. everything but the per-call filter layout;
* ``no AMX``: prepacked with the AMX path switched off (binary / ternary / int8 on their
  popcount / bit-plane / VNNI kernels; on hosts without AMX it equals ``prepacked``);
* ``torch``: ``torch.nn.functional.conv2d`` on fp32 tensors of the same shapes.

Each time is the minimum over ``--reps`` calls, PyTorch and the kernels timed in interleaved
blocks of calls (see ``_time``) so load spikes hit all alike (the machine is shared, so the minimum is the
least disturbed estimate; medians are recorded too). No cycle counting
(``pe=None``): this measures the arithmetic kernels.

Popcount peak: a register-resident stream of independent 512-bit VPOPCNTQ (no loads, no other
vector work) measures the popcounts one core retires per second; the peak is that rate x
512 bits x cores, and dividing by the nominal clock from /proc/cpuinfo gives the popcounts
per cycle. The binary kernel's share is its binary MACs per second over that peak (each
binary MAC is one bit of a popcount).

AMX peak (AMX hosts): 2 x 2 tiles of TDPBSSD (the kernels' block) on operands that stay in
L1, int8 multiply-adds per nominal cycle on one core.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from accelsim.kernels import conv, conv2d, pack_filters
from accelsim.kernels.filters import clear_filter_cache
from accelsim.kernels.amx import HAS_AMX, amx_block
from accelsim.kernels.microkernels import HAS_VNNI
from accelsim.kernels.microkernels import _loop as emit_loop  # the kernels' counted-loop IR emitter

RESULTS = Path(__file__).parent / "results"
MODES = ("binary", "ternary", "int8")
TARGETS = {"binary": 8.0, "ternary": 4.0, "int8": 1.5}

# (network, layer, C, K, H, kernel, stride, groups): 224x224 inputs, "same" padding (kernel // 2)
LAYERS = [
    ("resnet18", "conv1", 3, 64, 224, 7, 2, 1),
    ("resnet18", "layer1.conv", 64, 64, 56, 3, 1, 1),
    ("resnet18", "layer2.conv1", 64, 128, 56, 3, 2, 1),
    ("resnet18", "layer2.conv", 128, 128, 28, 3, 1, 1),
    ("resnet18", "layer2.down", 64, 128, 56, 1, 2, 1),
    ("resnet18", "layer3.conv", 256, 256, 14, 3, 1, 1),
    ("resnet18", "layer4.conv", 512, 512, 7, 3, 1, 1),
    ("mobilenet_v1", "conv1", 3, 32, 224, 3, 2, 1),
    ("mobilenet_v1", "dw1", 32, 32, 112, 3, 1, 32),
    ("mobilenet_v1", "pw1", 32, 64, 112, 1, 1, 1),
    ("mobilenet_v1", "dw2", 64, 64, 112, 3, 2, 64),
    ("mobilenet_v1", "pw3", 128, 128, 56, 1, 1, 1),
    ("mobilenet_v1", "pw7", 512, 512, 14, 1, 1, 1),
    ("mobilenet_v1", "pw13", 1024, 1024, 7, 1, 1, 1),
]

_I64, _V8 = ir.IntType(64), ir.VectorType(ir.IntType(64), 8)
_CHAINS = 16


@intrinsic
def _popcount_stream(typingctx, n):
    """n rounds of 16 independent VPOPCNTQ zmm, x = popcount(x), all in registers."""
    def codegen(context, builder, sig, args):
        ctpop = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_V8, [_V8]), "llvm.ctpop.v8i64")
        seeds = [ir.Constant(_V8, [0x9E3779B97F4A7C15 * (c + 1) + j & (2**63 - 1) for j in range(8)])
                 for c in range(_CHAINS)]
        xs = emit_loop(builder, args[0], seeds, lambda _j, accs: [builder.call(ctpop, [x]) for x in accs])
        total = xs[0]
        for x in xs[1:]:
            total = builder.add(total, x)
        red = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_I64, [_V8]),
                                             "llvm.vector.reduce.add.v8i64")
        return builder.call(red, [total])
    return types.int64(types.int64), codegen


@njit(cache=True)
def _popcount_peak_run(n):
    return _popcount_stream(n)


def nominal_clock_ghz() -> float | None:
    try:
        mhz = [float(line.split(":")[1]) for line in open("/proc/cpuinfo") if line.startswith("cpu MHz")]
        return max(mhz) / 1000 if mhz else None
    except OSError:
        return None


def popcount_peak(reps: int = 7) -> dict:
    """Measured single-core VPOPCNTQ rate and the derived all-core popcount peak."""
    _popcount_peak_run(10)
    n = 5_000_000
    best = min(_timed(lambda: _popcount_peak_run(n)) for _ in range(reps))
    per_core = n * _CHAINS / best          # 512-bit popcounts per second on one core
    clock = nominal_clock_ghz()
    cores = usable_cores()
    return {"vpopcntq_zmm_per_s_one_core": per_core, "nominal_clock_ghz": clock, "cores": cores,
            "vpopcntq_per_nominal_cycle": per_core / (clock * 1e9) if clock else None,
            "peak_bit_ops_per_s": per_core * 512 * cores}


@njit(cache=True)
def _amx_peak_run(w, pt, out, n16, reps):
    for _ in range(reps):
        amx_block(w, pt, 0, 4, 0, n16, out)


def amx_peak(reps: int = 5) -> dict | None:
    """int8 MACs per nominal cycle of the AMX block (4 x 32 filters x 32 pixels) on L1-resident operands."""
    if not HAS_AMX:
        return None
    n16, calls = 4, 20000
    w, pt = np.ones((128, 64 * n16), np.int8), np.ones((16 * n16, 32), np.int32)
    out = np.empty((128, 32), np.int32)
    _amx_peak_run(w, pt, out, n16, 10)
    best = min(_timed(lambda: _amx_peak_run(w, pt, out, n16, calls)) for _ in range(reps))
    per_s = calls * 128 * 32 * 64 * n16 / best
    clock = nominal_clock_ghz()
    return {"int8_macs_per_s_one_core": per_s, "per_nominal_cycle": per_s / (clock * 1e9) if clock else None}


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask), not every core of the machine."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _time(fns: dict, reps: int, block: int = 5) -> dict[str, tuple[float, float]]:
    """(minimum, median) seconds of each function over ``reps`` calls, taken in interleaved blocks.

    Round after round, each function gets a block of ``block`` timed calls after a 5 ms pause
    and one untimed call: PyTorch and Numba keep separate OpenMP thread pools whose idle
    threads spin for a while after a parallel region, so calling the two alternately would
    make each wait for the other's spinning threads on 2 cores (measured: +50% on a 2-thread
    kernel); blocks keep that out of the timed calls, and interleaving the blocks still hits
    every contender alike with the load of the shared machine.
    """
    times: dict = {name: [] for name in fns}
    for _ in range(-(-reps // block)):
        for name, fn in fns.items():
            time.sleep(0.005)
            fn()
            times[name].extend(_timed(fn) for _ in range(block))
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def _tensor(rng, shape, mode):
    if mode == "int8":
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    values = np.array([-1, 1] if mode == "binary" else [-1, 0, 1], np.int8)
    return values[rng.integers(0, len(values), size=shape)]


def _without_amx(x, packed, kw):
    saved, conv.USE_AMX = conv.USE_AMX, False
    try:
        return conv2d(x, packed, **kw)
    finally:
        conv.USE_AMX = saved


def bench_layer(layer, threads: int, reps: int, torch) -> list[dict]:
    net, name, c, k, h, r, stride, groups = layer
    pad = r // 2
    e = (h + 2 * pad - r) // stride + 1
    macs = k * e * e * (c // groups) * r * r
    rng = np.random.default_rng(0)
    numba.set_num_threads(threads)
    torch.set_num_threads(threads)
    xt = torch.randn(1, c, h, h)
    wt = torch.randn(k, c // groups, r, r)
    fns, calls = {}, {}
    fns["torch"] = lambda: torch.nn.functional.conv2d(xt, wt, stride=stride, padding=pad, groups=groups)
    for mode in MODES:
        x = _tensor(rng, (1, c, h, h), mode)
        w = _tensor(rng, (k, c // groups, r, r), mode)
        packed = pack_filters(w, mode=mode, groups=groups)
        kw = dict(mode=mode, stride=stride, padding=pad, groups=groups)
        fns[mode] = functools.partial(conv2d, x, w, **kw)
        fns[mode + "_prepacked"] = functools.partial(conv2d, x, packed, **kw)
        fns[mode + "_no_amx"] = functools.partial(_without_amx, x, packed, kw)
        calls[mode] = (x, w, kw, packed)
    with torch.no_grad():
        timed = _time(fns, reps)
    rows = []
    for mode in MODES:
        x, w, kw, packed = calls[mode]
        c_min = _time({"cold": lambda: (clear_filter_cache(), conv2d(x, w, **kw))}, max(3, reps // 3), 3)["cold"][0]
        (k_min, k_med), (p_min, p_med), (t_min, t_med) = timed[mode], timed[mode + "_prepacked"], timed["torch"]
        n_min = timed[mode + "_no_amx"][0]
        rows.append({"network": net, "layer": name, "shape": f"{c}->{k} {h}x{h} k{r} s{stride} g{groups}",
                     "macs": macs, "mode": mode, "threads": threads, "path": conv2d(x, packed, **kw).path,
                     "path_no_amx": _without_amx(x, packed, kw).path, "no_amx_s": n_min,
                     "speedup_no_amx": t_min / n_min, "kernel_s": k_min, "kernel_median_s": k_med, "cold_s": c_min,
                     "prepacked_s": p_min,
                     "prepacked_median_s": p_med, "torch_fp32_s": t_min, "torch_fp32_median_s": t_med,
                     "speedup": t_min / k_min, "speedup_prepacked": t_min / p_min, "speedup_cold": t_min / c_min,
                     "kernel_gmacs": macs / k_min / 1e9, "prepacked_gmacs": macs / p_min / 1e9,
                     "torch_gmacs": macs / t_min / 1e9})
    return rows


def summarize(rows: list[dict], peak: dict) -> dict:
    """Per mode and thread count: total time over all layers (the network-level speedup)."""
    out = {}
    for threads in sorted({r["threads"] for r in rows}):
        for mode in MODES:
            sel = [r for r in rows if r["threads"] == threads and r["mode"] == mode]
            kern, pre, ref, cold, noamx = (sum(r[key] for r in sel) for key in ("kernel_s", "prepacked_s",
                                                                               "torch_fp32_s", "cold_s", "no_amx_s"))
            macs = sum(r["macs"] for r in sel)
            entry = {"kernel_s": kern, "prepacked_s": pre, "torch_fp32_s": ref, "speedup": ref / kern,
                     "speedup_prepacked": ref / pre, "no_amx_s": noamx, "speedup_no_amx": ref / noamx,
                     "cold_s": cold, "speedup_cold": ref / cold,
                     "target": TARGETS[mode],
                     "speedups_per_layer": [round(r["speedup"], 2) for r in sel]}
            if mode == "binary":
                peak_t = peak["peak_bit_ops_per_s"] * threads / peak["cores"]
                entry["popcount_peak_share"] = macs / pre / peak_t
                entry["popcount_peak_share_best_layer"] = max(r["macs"] / r["prepacked_s"] for r in sel) / peak_t
            out[f"{mode}_{threads}t"] = entry
    return out


def markdown(rows: list[dict], summary: dict, peak: dict, meta: dict) -> str:
    lines = ["# Kernel speed vs PyTorch fp32 conv2d", "",
             f"`python benchmarks/kernels.py` on {meta['cpu']}, {meta['cores']} cores, torch {meta['torch']}, "
             f"numba {meta['numba']}, VNNI {meta['vnni']}, AMX {meta['amx']}; batch 1, 224x224 networks; "
             f"minimum of {meta['reps']} calls; load average "
             f"(1, 5, 15 min) {', '.join(f'{v:.2f}' for v in meta['loadavg_start'])} at the start and "
             f"{', '.join(f'{v:.2f}' for v in meta['loadavg_end'])} at the end. "
             "Speedup = torch fp32 time / kernel time (end to end from int8 arrays, the packing of an unchanged filter "
             "array reused; prepacked: filters packed once by pack_filters; cold: filters packed on every call).",
             "", "## Whole layer set (sum of layer times)", "",
             "| mode | threads | torch fp32 ms | kernel ms | speedup | prepacked ms | speedup (prepacked) | "
             "no AMX ms | speedup (no AMX) | cold ms | speedup (cold) | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, s in summary.items():
        mode, threads = key.rsplit("_", 1)
        lines.append(f"| {mode} | {threads[:-1]} | {s['torch_fp32_s'] * 1e3:.2f} | {s['kernel_s'] * 1e3:.2f} | "
                     f"{s['speedup']:.2f}x | {s['prepacked_s'] * 1e3:.2f} | {s['speedup_prepacked']:.2f}x | "
                     f"{s['no_amx_s'] * 1e3:.2f} | {s['speedup_no_amx']:.2f}x | "
                     f"{s['cold_s'] * 1e3:.2f} | {s['speedup_cold']:.2f}x | "
                     f">= {s['target']:g}x |")
    lines += ["", "## Per layer (speedup, end to end / prepacked / prepacked without AMX)", "",
              "| network | layer | shape | threads | binary | ternary | int8 | torch fp32 ms |",
              "|---|---|---|---|---|---|---|---|"]
    keyed = {}
    for r in rows:
        keyed.setdefault((r["network"], r["layer"], r["shape"], r["threads"]), {})[r["mode"]] = r
    for (net, layer, shape, threads), by_mode in keyed.items():
        cells = [f"{by_mode[m]['speedup']:.1f}x / {by_mode[m]['speedup_prepacked']:.1f}x / "
                 f"{by_mode[m]['speedup_no_amx']:.1f}x" for m in MODES]
        lines.append(f"| {net} | {layer} | {shape} | {threads} | " + " | ".join(cells)
                     + f" | {by_mode['int8']['torch_fp32_s'] * 1e3:.3f} |")
    b = summary.get(f"binary_{meta['cores']}t") or summary["binary_1t"]
    lines += ["", "## Popcount peak", "",
              f"One core retires {peak['vpopcntq_zmm_per_s_one_core'] / 1e9:.2f} G VPOPCNTQ zmm/s (register-resident "
              f"stream) = {peak['vpopcntq_per_nominal_cycle']:.2f} per nominal {peak['nominal_clock_ghz']:.3f} GHz "
              f"cycle; peak = that x 512 bits x {peak['cores']} cores = {peak['peak_bit_ops_per_s'] / 1e12:.2f} "
              f"T binary MAC/s. The binary kernel (prepacked, all cores) reaches "
              f"{100 * b['popcount_peak_share']:.1f}% of it over the layer set and "
              f"{100 * b['popcount_peak_share_best_layer']:.1f}% on its best layer (each 512 MACs also need an XOR "
              "and an ADD, and packing / im2col / output passes are included).", ""]
    if meta.get("amx_peak"):
        lines += ["## AMX peak", "",
                  f"The AMX block (2 x 2 TDPBSSD tiles, operands in L1) does "
                  f"{meta['amx_peak']['int8_macs_per_s_one_core'] / 1e12:.2f} T int8 MAC/s on one core = "
                  f"{meta['amx_peak']['per_nominal_cycle']:.0f} per nominal cycle (vs 1024 for TDPBSSD alone: each "
                  "4 products also load 4 tiles). Layers on AMX tiles: "
                  + ", ".join(sorted({f"{r['layer']} {r['mode']} ({r['path']})" for r in rows
                                      if "amx" in r["path"] and r["threads"] == min(meta["threads"])})) + ".", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=15, help="timed calls per measurement (minimum kept)")
    parser.add_argument("--threads", default=None, help="comma list of thread counts (default 1 and all cores)")
    parser.add_argument("--out", default=None, help="write PATH.json and PATH.md (a path without extension)")
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/kernels.{json,md}")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        parser.error("PyTorch is needed for this benchmark: pip install -e '.[bench]'")
    cores = usable_cores()
    threads = [int(t) for t in args.threads.split(",")] if args.threads else sorted({1, cores})
    load_start = os.getloadavg()
    peak = popcount_peak()
    amx = amx_peak()
    rows = []
    for t in threads:
        for layer in LAYERS:
            rows.extend(bench_layer(layer, t, args.reps, torch))
            r = rows[-3:]
            print(f"{t}t {layer[0]:>12} {layer[1]:<13} " + "  ".join(
                f"{x['mode']} {x['speedup']:.1f}x/{x['speedup_prepacked']:.1f}x" for x in r), flush=True)
    summary = summarize(rows, peak)
    cpu = next((line.split(":")[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    meta = {"cpu": cpu, "cores": cores, "torch": torch.__version__, "numba": numba.__version__,
            "numpy": np.__version__, "vnni": HAS_VNNI, "amx": HAS_AMX, "reps": args.reps, "threads": threads,
            "amx_peak": amx, "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
            "command": "python benchmarks/kernels.py"}
    print(markdown(rows, summary, peak, meta))
    if not (args.out or args.write):
        print("(not written: --write records it in benchmarks/results/, --out PATH elsewhere)")
        return 0
    out = Path(args.out) if args.out else RESULTS / "kernels"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "popcount_peak": peak, "summary": summary,
                                                    "layers": rows}, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(rows, summary, peak, meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
