# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · A roofline tour: one network, five chip families
#
# MobileNet-V2 is the network every mobile chip vendor quotes. This notebook runs
# it on thirteen compute units of five families of systems on chip — Qualcomm
# Snapdragon 855, HiSilicon Kirin 980, Samsung Exynos 9820, Intel Movidius
# Myriad X and NVIDIA Jetson Xavier NX — and asks three questions:
#
# 1. Which unit is fastest, and does its peak TOPS predict that?
# 2. Where does each unit's time go: arithmetic, waiting for memory, or the
#    fixed cost of launching each layer?
# 3. Where does the energy go?
#
# Each unit's profile (`hw_profiles/*.yaml`) cites a public source for every
# number; the per-op efficiencies and per-layer overheads are fitted to published
# latency measurements (`hw_profiles/calibration.yaml`, written by
# `accelsim calibrate`). The network runs in int8 where the unit has it, in fp16
# where it does not, with the analytical model.

# %%
import math
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image, display

import accelsim
from accelsim import load_profile, load_workload
from accelsim.report import format_table, roofline_figure, save_png, unit_roofline

SMALL = os.environ.get("ACCELSIM_NOTEBOOK_SMALL") == "1"   # the test suite's setting (this tour is small anyway)
OUT = Path(os.environ.get("ACCELSIM_NOTEBOOK_OUT", "runs")) / "01_roofline_tour"
OUT.mkdir(parents=True, exist_ok=True)
NET = "mobilenet_v2"
TOUR = [("snapdragon855", "cpu"), ("snapdragon855", "gpu"), ("snapdragon855", "dsp"),
        ("kirin980", "cpu"), ("kirin980", "gpu"), ("kirin980", "npu"),
        ("exynos9820", "gpu"), ("exynos9820", "npu"),
        ("myriadx", "vpu"), ("myriadx", "npu"),
        ("jetson_xavier_nx", "cpu"), ("jetson_xavier_nx", "gpu"), ("jetson_xavier_nx", "dla")]
print(load_workload(NET))

# %% [markdown]
# ## Thirteen units, one table
#
# For every unit: the format the network runs in, the unit's peak in that format
# (the compute ceiling of its roofline: MACs per cycle × 2 ops × clock, summed
# over the cores a CPU's threads use), the simulated latency and energy, and the
# performance the network actually attains (2 × MACs / latency) as a share of
# that peak. A run's time is split three ways: the MAC work at the unit's
# efficiency (*compute*), the per-layer launch / dispatch overhead the
# calibration fitted (*overhead*), and the time the unit waits for memory beyond
# its compute (*memory*).

# %%
runs = []
for chip, name in TOUR:
    prof = load_profile(chip)
    unit = prof.unit(name)
    fmt = "int8" if "int8" in unit.precisions else "fp16"
    net = load_workload(NET).with_precision(fmt)
    result = accelsim.simulate(prof, net, unit=name)
    rf = unit_roofline(result.to_dict(), prof, name)
    ms_per_cycle = 1 / (result.clock_ghz * 1e6)
    compute_ms, overhead_ms = result.compute_cycles * ms_per_cycle, result.overhead_cycles * ms_per_cycle
    # energy by part: compute (per-op energies + the unit's busy power), on-chip memory (scratchpad or caches),
    # DRAM reads and writes, static (leakage, SoC always-on rails, DRAM background over the run), host CPU
    # (the CPU core a GPU's or DLA's runtime keeps busy while it waits: TensorRT on the Jetsons)
    parts = result.energy_parts_mj()
    energy = {"compute": parts["compute"], "on-chip memory": parts["sram"], "DRAM": parts["dram"],
              "static": parts["static"], "host CPU": parts.get("host_cpu", 0.0)}
    attained = 2 * result.macs / (result.latency_ms * 1e-3) / 1e9
    runs.append(dict(chip=chip, unit=name, kind=unit.kind, label=f"{chip}/{name}", fmt=fmt, prof=prof,
                     result=result, roofline=rf, peak=rf.ceiling(fmt), attained=attained,
                     share=attained / rf.ceiling(fmt), compute_ms=compute_ms, overhead_ms=overhead_ms,
                     memory_ms=result.stall_cycles * ms_per_cycle, energy=energy))

print(format_table(["unit", "kind", "format", "peak GOP/s", "latency ms", "energy mJ", "attained GOP/s",
                    "of peak", "compute ms", "overhead ms", "memory ms", "DRAM MB"],
                   [[r["label"], r["kind"], r["fmt"], f"{r['peak']:,.0f}", f"{r['result'].latency_ms:.2f}",
                     f"{r['result'].energy_mj:.2f}", f"{r['attained']:,.0f}", f"{100 * r['share']:.1f}%",
                     f"{r['compute_ms']:.2f}", f"{r['overhead_ms']:.2f}", f"{r['memory_ms']:.2f}",
                     f"{r['result'].dram_bytes / 1e6:.1f}"] for r in runs], right=set(range(3, 12))))

# %% [markdown]
# ## Peak TOPS is a poor guide
#
# Plotting latency against energy, each unit one point, with its peak as the
# marker size: the big markers are not the fast ones. The printout finds the
# most striking case (the largest product of the two ratios): a unit with
# several times another's peak that is still more than twice as slow on this
# network.

# %%
families = sorted({r["chip"] for r in runs})
colour = {chip: f"C{i}" for i, chip in enumerate(families)}
fig, ax = plt.subplots(figsize=(8.5, 5.5))
for r in runs:
    ax.scatter(r["result"].latency_ms, r["result"].energy_mj, s=30 + 200 * math.sqrt(r["peak"] / 4000),
               color=colour[r["chip"]], alpha=0.75, edgecolors="black", linewidths=0.5)
    ax.annotate(f"{r['unit']} {r['fmt']}", (r["result"].latency_ms, r["result"].energy_mj), xytext=(6, 4),
                textcoords="offset points", fontsize=8)
for chip in families:
    ax.scatter([], [], color=colour[chip], label=chip)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("latency per inference (ms)")
ax.set_ylabel("energy per inference (mJ)")
ax.set_title(f"{NET} on 13 units (marker area ~ peak GOP/s)")
ax.legend(fontsize=8)
ax.grid(alpha=0.3, which="both")
plt.show()

fastest = min(runs, key=lambda r: r["result"].latency_ms)
pairs = [(a, b) for a in runs for b in runs
         if a["peak"] > b["peak"] and a["result"].latency_ms > b["result"].latency_ms]
big, small = max(pairs, key=lambda ab: ab[0]["peak"] / ab[1]["peak"] * ab[0]["result"].latency_ms
                 / ab[1]["result"].latency_ms)
print(f"fastest: {fastest['label']} ({fastest['result'].latency_ms:.2f} ms)")
print(f"{big['label']} has {big['peak'] / small['peak']:.1f}x the peak of {small['label']} "
      f"({big['peak']:,.0f} vs {small['peak']:,.0f} GOP/s) and is "
      f"{big['result'].latency_ms / small['result'].latency_ms:.1f}x slower")
cpu_share = np.median([r["share"] for r in runs if r["kind"] == "cpu"])
acc_share = np.median([r["share"] for r in runs if r["kind"] != "cpu"])
print(f"median share of peak attained: CPUs {100 * cpu_share:.0f}%, GPUs/DSPs/NPUs/VPUs {100 * acc_share:.0f}%")

# %% [markdown]
# The CPUs reach about a third of their (small) peak; the accelerators mostly
# single-digit percentages of theirs. Their rooflines show why it is not a
# bandwidth problem: each point is one layer at its operational intensity (ops
# per DRAM byte) and attained performance, under the unit's compute ceilings
# (one per format; dashed: the *vector* rate of formats whose depthwise and
# element-wise work cannot use the tensor engine) and one bandwidth slope per
# memory level it uses.

# %%
SHOW = ["snapdragon855/dsp", "kirin980/npu", "jetson_xavier_nx/gpu", "myriadx/vpu"]
for label in SHOW[:2] if SMALL else SHOW:
    r = next(r for r in runs if r["label"] == label)
    path = save_png(roofline_figure(r["roofline"]), OUT / f"roofline_{r['chip']}_{r['unit']}.png")
    display(Image(filename=str(path)))

for r in runs:   # the plots' promise, checked: every layer under its roof
    rf = r["roofline"]
    on_slope = [p for p in rf.points if p.attained_gops > 0.5 * rf.roof_gops(p.intensity_ops_per_byte, p.precision)
                and rf.dram_gbps * p.intensity_ops_per_byte < min(c.peak_gops for c in rf.ceilings)]
    r["dram_bound_layers"] = len(on_slope)
print(f"layers (of {len(runs[0]['roofline'].points)} with MACs) within 2x of the DRAM slope, per unit:",
      ", ".join(f"{r['label']} {r['dram_bound_layers']}" for r in runs))

# %% [markdown]
# Only a handful of layers per unit come near the DRAM slope: MobileNet-V2 at
# batch 1 has enough reuse (tens to thousands of ops per DRAM byte) for these
# memories. The points sit well below the compute ceilings instead, for three
# reasons the model captures:
#
# * **depthwise layers** use a fraction of a unit's datapath (on the Hexagon DSP
#   HVX keeps a smaller share of its rate on 3x3 windows than on dense layers; on a systolic
#   array each channel is a tiny GEMM, and even with several channels mapped
#   side by side most PEs idle);
# * **efficiency**: tuned libraries reach a fitted share of peak per op class;
# * **fixed per-layer cost**: every one of the network's 64 layers pays a kernel
#   launch or op dispatch — microseconds that dwarf the arithmetic of a small layer.
#
# The split of each run's latency makes the last one visible:

# %%
order = sorted(runs, key=lambda r: r["result"].latency_ms)
fig, ax = plt.subplots(figsize=(9, 5))
y = np.arange(len(order))
left = np.zeros(len(order))
for part, col in (("compute_ms", "#1f77b4"), ("overhead_ms", "#ff7f0e"), ("memory_ms", "#d62728")):
    share = np.array([100 * r[part] / r["result"].latency_ms for r in order])
    ax.barh(y, share, left=left, color=col, label=part.removesuffix("_ms"))
    left += share
for yi, r in zip(y, order):
    ax.annotate(f"{r['result'].latency_ms:.2f} ms", (100, yi), xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=8)
ax.set_yticks(y, [r["label"] for r in order], fontsize=8)
ax.invert_yaxis()
ax.set_xlim(0, 114)
ax.set_xlabel("share of the latency (%), fastest unit first")
ax.set_title("Where the time goes: MAC work, per-layer overhead, waiting for memory")
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3)
plt.show()

overhead_heavy = [r for r in runs if r["overhead_ms"] > r["compute_ms"]]
print("units spending more time on per-layer overhead than on MACs:",
      ", ".join(f"{r['label']} ({100 * r['overhead_ms'] / r['result'].latency_ms:.0f}% of its latency)"
                for r in overhead_heavy))

# %% [markdown]
# The offloaded units pay for it: the Myriad X's VPU and the Jetson's DLA spend
# more time being dispatched than computing, and the GPUs lose a quarter or
# more of their latency to it, the CPUs about an eighth. That is the price of
# offloading a network layer by layer: an accelerator is fast at a big
# convolution, but MobileNet-V2 is 64 small steps. Drivers that fuse layers
# into one dispatch attack exactly this term.
#
# ## Where the energy goes

# %%
parts = ["compute", "on-chip memory", "DRAM", "static", "host CPU"]
fig, ax = plt.subplots(figsize=(9, 5))
left = np.zeros(len(order))
for part, col in zip(parts, ("#1f77b4", "#2ca02c", "#d62728", "#7f7f7f", "#ff7f0e")):
    vals = np.array([r["energy"][part] for r in order])
    ax.barh(y, vals, left=left, color=col, label=part)
    left += vals
ax.set_yticks(y, [r["label"] for r in order], fontsize=8)
ax.invert_yaxis()
ax.set_xlabel("energy per inference (mJ)")
ax.set_title("Where the energy goes")
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=5)
plt.show()

dram_share = {r["label"]: r["energy"]["DRAM"] / r["result"].energy_mj for r in runs}
print("DRAM share of the energy:", ", ".join(f"{k} {100 * v:.0f}%" for k, v in dram_share.items()))
engines = [r["label"] for r in runs if r["kind"] in ("npu", "dsp", "dla")]   # the dedicated NN engines
energy = {r["label"]: r["result"].energy_mj for r in runs}
print(f"energy per inference: dedicated engines {min(energy[k] for k in engines):.2f}-"
      f"{max(energy[k] for k in engines):.2f} mJ, CPUs / GPUs / VPU "
      f"{min(v for k, v in energy.items() if k not in engines):.2f}-"
      f"{max(v for k, v in energy.items() if k not in engines):.2f} mJ")
print("average power (W):", ", ".join(f"{r['label']} {r['result'].avg_power_w:.2f}" for r in runs))
own = {r["label"]: r["energy"]["compute"] + r["energy"]["on-chip memory"] for r in runs}
print("compute + on-chip memory energy (mJ):", ", ".join(f"{k} {v:.3f}" for k, v in own.items()))
by_traffic = sorted(runs, key=lambda r: r["result"].dram_bytes)
print("least DRAM traffic:", ", ".join(f"{r['label']} {r['result'].dram_bytes / 1e6:.1f} MB" for r in by_traffic[:3]))
lat = {r["label"]: r["result"].latency_ms for r in runs}
cpus = [lat[r["label"]] for r in runs if r["kind"] == "cpu"]

# %% [markdown]
# The energy ranking is not the latency ranking: every dedicated engine (DSP,
# NPU, DLA) spends less per inference than every CPU, GPU or VPU, by a factor of
# 3 to nearly 30, however slow it is. On the CPUs, GPUs and the Myriad's VPU
# the *compute* bar dominates: besides its per-operation energies a
# programmable core burns busy power while it runs (clock tree, out-of-order
# control, caches: 1-2 W for a big Arm core). On the NPUs and the DLA the MACs
# are nearly free, and three quarters or more of the unit's energy is *static* — the
# SoC's always-on rails, DRAM background power and leakage, paid as long as the
# network runs — plus DRAM traffic (on the Jetsons' GPU and DLA a *host CPU* bar
# comes on top: TensorRT's host thread waits for the stream with CUDA's default
# spin, one CPU core busy for the whole inference). DRAM (LPDDR4X: ~32 pJ per byte read) is a
# few percent of a CPU's or GPU's energy and a fifth to two fifths of an NPU's:
# the NPUs' memory plan keeps the activations that fit in their scratchpads
# between layers, but the weights and the large early activations still cross
# DRAM.
#
# The unit's *own* energy (compute plus on-chip memory) tells the other half of
# the story. Compute energy counts the instructions that carry the arithmetic,
# not only the arithmetic: Horowitz's 45 nm figures put an instruction at
# ~70 pJ (fetch, decode, register file, control) against 0.1-0.2 pJ for an
# 8-bit MAC, so a CPU's 128-bit SDOT pays ~5 pJ per MAC before node scaling,
# a 1024-bit HVX vector a quarter of that, a GPU warp instruction a fraction,
# and a MAC array none. Per inference a CPU or GPU spends the most on chip of
# its chip's units, several times the DSP or NPU, which spends the least.
# Caveats when reading this chart:
#
# * DRAM energy is that of each profile's DRAM generation (LPDDR4X, LPDDR5...,
#   `accelsim/hardware/dram.py`), reads and writes priced apart;
# * the instruction overhead counts the arithmetic instructions only (loads,
#   address arithmetic and loop control are left out), and out-of-order cores
#   spend more per instruction than the in-order core Horowitz measured: a lower
#   bound for the CPUs;
# * busy power and leakage are per-kind estimates (`accelsim/hardware/energy.py`)
#   scaled by factors fitted to measured power (`hw_profiles/energy_calibration.yaml`);
#   the systolic NPUs and DLAs burn none beyond their per-MAC and scratchpad
#   energies in the model, so their compute bars are lower bounds.
#
# ## Reading the answer
#
# * **Latency:** the Jetson's GPU, with by far the highest peak and little
#   per-layer overhead, is fastest; then the Snapdragon's DSP (four HVX units)
#   and the Jetson's DLA (despite spending most of its time being dispatched);
#   the big CPU clusters and
#   the Kirin 980's NPU form a pack around 2.5-3 ms; the mobile GPUs, the Exynos 9820's NPU (half the
#   Kirin's MAC array) and the Myriad X follow.
# * **Peak TOPS misleads** for MobileNet-V2: depthwise layers, per-op efficiency
#   and per-layer dispatch keep accelerators at a few percent of their peak, and
#   the roofline shows it is not memory bandwidth that holds them back.
# * **Energy** per inference favours the dedicated engines, several times over:
#   a programmable core pays busy power for every millisecond it runs, and the
#   whole SoC pays static power while any unit works — which is most of what an
#   NPU spends, with its DRAM traffic (weights, and activations too big for its
#   scratchpads).
#
# Notebook 02 takes the same network through pruning and quantization on several
# of these units; `accelsim run --profile CHIP --unit UNIT --report DIR` writes
# any of these rooflines with per-layer breakdowns.
