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
# # 02 · Pruning × quantization on MobileNet-V2: which unit exploits what
#
# Compression makes a model smaller, but whether it makes inference faster or
# cheaper depends on the hardware it runs on. This notebook compresses
# MobileNet-V2 with unstructured magnitude pruning (0 to 90% of the weights zero)
# and quantization (fp16, int8, int4, ternary) and runs every combination on
# five units:
#
# | unit | what it can exploit |
# |---|---|
# | Snapdragon 855 CPU (NEON) | int8 dot products (SDOT), fp16 |
# | Snapdragon 855 GPU (Adreno 640) | fp16 only: integer formats are emulated in fp16 |
# | Kirin 980 NPU | int8 / fp16 MAC array, depthwise layers on its vector unit |
# | Jetson Xavier NX GPU (Volta) | int8 / fp16 tensor cores |
# | *sparse NPU* (hypothetical) | `generic_npu` with zero skipping on the output-stationary dataflow |
#
# No profile of a real chip here skips zero weights, so the last unit is a
# what-if built in this notebook: the reference 32×32 systolic NPU, switched to
# the os dataflow (where a PE walks one filter's window and can skip its zero
# weights) with `zero_skip` enabled.
#
# accelsim prices cost, not accuracy: int4 and ternary MobileNet-V2, or 90%
# unstructured sparsity of an already compact network, need careful
# (quantization-aware) training and still lose accuracy. Read the results as
# what each technique *could* buy on each unit.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import yaml

from accelsim import load_profile, load_workload
from accelsim.compress import apply_spec
from accelsim.dse import SweepSpec, apply_overrides, pareto_mask, run_sweep
from accelsim.report import format_table

SMALL = os.environ.get("ACCELSIM_NOTEBOOK_SMALL") == "1"   # the test suite runs a smaller grid
OUT = Path(os.environ.get("ACCELSIM_NOTEBOOK_OUT", "runs")) / "02_compression_tradeoffs"
OUT.mkdir(parents=True, exist_ok=True)
NET = "mobilenet_v2"
PRUNE = [0.0, 0.5, 0.9] if SMALL else [0.0, 0.5, 0.75, 0.9]
QUANT = ["fp16", "int8", "int4"] if SMALL else ["fp16", "int8", "int4", "ternary"]


def spec_of(prune, quant):
    """The --compress spec: prune first, then quantize (int4 / ternary keep the first and last layers at int8)."""
    return f"quant={quant}" if prune == 0 else f"prune={prune},quant={quant}"


SPECS = {spec_of(p, q): (p, q) for q in QUANT for p in PRUNE}


def size_axis(ax):
    """Log x axis of model sizes with plain-number ticks."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(mticker.FixedLocator([0.5, 1, 2, 4, 8, 16]))
    ax.xaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())

# The what-if unit: generic_npu, output-stationary, skipping zero weights one at a time.
sparse = apply_overrides(load_profile("generic_npu"), {"units.npu.zero_skip": {"granularity": 1},
                                                       "units.npu.array.dataflow": "os"})
sparse_path = OUT / "sparse_npu.yaml"
data = sparse.model_dump(exclude_none=True)
data.update(name="sparse_npu", description="generic_npu, os dataflow, zero skipping (hypothetical)")
sparse_path.write_text(yaml.safe_dump(data, sort_keys=False))
UNITS = {"snapdragon855/cpu": ("snapdragon855", "cpu"), "snapdragon855/gpu": ("snapdragon855", "gpu"),
         "kirin980/npu": ("kirin980", "npu"), "jetson_xavier_nx/gpu": ("jetson_xavier_nx", "gpu"),
         "sparse_npu": (str(sparse_path), "npu")}
print(f"{len(SPECS)} compression specs x {len(UNITS)} units")

# %% [markdown]
# ## What compression does to the model
#
# The size of the model file: weights in their format (sparse weights in the
# smallest of bitmap, CSR or dense storage, index included), plus biases and,
# for integer formats, one scale per output channel. Pruning and quantization
# multiply, but not perfectly: a sparse index costs bits per nonzero, and at 4 or
# 2 bits the index is as big as the weight itself.

# %%
net = load_workload(NET)
size_mb = {spec: apply_spec(net, spec).model_bytes / 1e6 for spec in SPECS}
print(f"uncompressed: fp32 {net.with_precision('fp32').model_bytes / 1e6:.2f} MB, "
      f"int8 (the zoo's default format) {net.model_bytes / 1e6:.2f} MB")
print(format_table(["prune \\ quant"] + QUANT,
                   [[f"{p:.0%}"] + [f"{size_mb[spec_of(p, q)]:.2f} MB" for q in QUANT] for p in PRUNE],
                   right=set(range(1, len(QUANT) + 1))))

# %% [markdown]
# ## One sweep per unit
#
# A sweep file's `compression:` list takes the same specs as `accelsim run
# --compress`; every point is exactly `accelsim.simulate(..., compress=spec)`.
# Points on a systolic unit with SCALE-Sim's fixed mapping (`mapping: scalesim`)
# are priced by the vectorized evaluator (`batch`); all others — SIMD and SIMT
# units, and systolic units under the auto array mapper, the default — are
# simulated one by one (`simulate`).

# %%
rows = []
for label, (profile, unit) in UNITS.items():
    spec = SweepSpec(name=label.replace("/", "_"), profile=profile, unit=unit, workloads=[NET],
                     compression=list(SPECS), objectives=["latency_ms", "energy_mj"])
    sweep = run_sweep(spec, OUT / spec.name, backend="serial")
    methods = sorted({r["method"] for r in sweep.rows})
    print(f"{label:22s} {sweep.n_ok}/{sweep.n_points} points ok, evaluated by {', '.join(methods)}")
    for r in sweep.rows:
        prune, quant = SPECS[r["compression"]]
        rows.append(dict(unit=label, spec=r["compression"], prune=prune, quant=quant, size_mb=size_mb[r["compression"]],
                         latency_ms=r["latency_ms"], energy_mj=r["energy_mj"], dram_mb=r["dram_bytes"] / 1e6))
at = {(r["unit"], r["prune"], r["quant"]): r for r in rows}


# %% [markdown]
# ## Which unit exploits what
#
# Three questions per unit, each as after / before ratios of latency and energy:
# what does **int8 instead of fp16** buy, what does **int4 instead of int8** buy,
# and what does **pruning 90% of the weights** (at int8) buy?

# %%
def ratio(unit, what, a, b):
    return at[(unit,) + a][what] / at[(unit,) + b][what]


top = max(PRUNE)
table, r8, r4, rp = [], {}, {}, {}
for unit in UNITS:
    r8[unit] = [ratio(unit, m, (0.0, "int8"), (0.0, "fp16")) for m in ("latency_ms", "energy_mj")]
    r4[unit] = [ratio(unit, m, (0.0, "int4"), (0.0, "int8")) for m in ("latency_ms", "energy_mj")]
    rp[unit] = [ratio(unit, m, (top, "int8"), (0.0, "int8")) for m in ("latency_ms", "energy_mj")]
    table.append([unit] + [f"x{v:.2f}" for v in r8[unit] + r4[unit] + rp[unit]])
print(format_table(["unit", "int8/fp16 latency", "energy", "int4/int8 latency", "energy",
                    f"prune {top:.0%} latency", "energy"], table, right=set(range(1, 7))))

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
x = np.arange(len(UNITS))
for ax, (title, ratios) in zip(axes, (("int8 instead of fp16", r8), ("int4 instead of int8", r4),
                                      (f"{top:.0%} of weights pruned (int8)", rp))):
    ax.bar(x - 0.2, [ratios[u][0] for u in UNITS], 0.4, color="#1f77b4", label="latency")
    ax.bar(x + 0.2, [ratios[u][1] for u in UNITS], 0.4, color="#d62728", label="energy")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(x, list(UNITS), rotation=30, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="y")
axes[0].set_ylabel("after / before")
axes[0].legend(fontsize=8)
fig.suptitle("What each technique buys, per unit (below 1 = better)")
fig.tight_layout()
plt.show()

# The Kirin 980 NPU's formats: the text below compares their MAC rates
kirin = load_profile("kirin980").unit("npu").precisions

# %% [markdown]
# * **int8 instead of fp16** roughly halves the latency where int8 MACs run at
#   twice the fp16 rate (NEON SDOT, tensor cores, the reference NPU's array). The
#   Kirin 980's NPU computes fp16 and int8 at the same rate in its profile, and
#   its memory plan keeps the activations on chip, so its latency does not move
#   at all — but its energy falls by 40%: half the bytes cross DRAM and the
#   scratchpads. The Adreno GPU has no int8 in its profile, so int8 runs in
#   fp16: no faster, and hardly cheaper — the halved DRAM traffic is a small
#   part of a busy GPU's energy. Elsewhere the energy falls with the time.
# * **int4 instead of int8** buys little or no speed: no unit here has int4
#   MACs, so the packed operands are unpacked to int8 on the vector lanes (the
#   latency even rises slightly where that work shows; the Jetson gains a little
#   on its few memory-bound layers). The energy falls by a fifth at most —
#   on the NPUs and the Jetson, whose weight traffic halves again — and by a
#   few percent at most on the Snapdragon's CPU and GPU, whose busy power runs
#   as long as before.
# * **Pruning** shrinks the model but buys latency only on the unit that skips
#   zeros, and there less than a tenth: the PEs of a fold run in lockstep (the
#   slowest PE sets the pace), fill and drain do not shrink, and depthwise
#   layers dominate MobileNet-V2's time on an array. It saves that unit a
#   sixth of its energy: among equally fast mappings the mapper takes the one
#   that moves data cheapest, so the sparse, memory-bound layers keep big
#   tiles instead of small ones that are a few cycles faster and re-read the
#   scratchpads more (that choice used to eat what DRAM and the MACs save).
#   Everywhere else the sparse
#   weights are stored and moved compressed and decoded back to dense before
#   the MACs: less weight traffic, which saves the Kirin's NPU an eighth of its
#   energy (weights are most of its DRAM traffic) and the CPU and GPUs next to
#   nothing.
#
# Per unit, latency (top) and energy (bottom) against model size; one line per
# format, pruning increasing to the left along each line:

# %%
fig, axes = plt.subplots(2, len(UNITS), figsize=(3.2 * len(UNITS), 6.2), sharex=True)
for j, unit in enumerate(UNITS):
    for i, quant in enumerate(QUANT):
        line = sorted((r for r in rows if r["unit"] == unit and r["quant"] == quant), key=lambda r: r["prune"])
        for row, what in ((0, "latency_ms"), (1, "energy_mj")):
            axes[row, j].plot([r["size_mb"] for r in line], [r[what] for r in line], marker="o", ms=4,
                              color=f"C{i}", label=quant)
    axes[0, j].set_title(unit, fontsize=9)
    axes[1, j].set_xlabel("model size (MB)")
    for ax in axes[:, j]:
        size_axis(ax)
        ax.grid(alpha=0.3, which="both")
axes[0, 0].set_ylabel("latency (ms)")
axes[1, 0].set_ylabel("energy (mJ)")
axes[0, 0].legend(fontsize=8)
fig.suptitle(f"{NET}: pruning ({', '.join(f'{p:.0%}' for p in PRUNE)}) x quantization, per unit")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The Pareto front: size, latency, energy
#
# Over every unit and every compression, which choices are not beaten on all
# three of model size, latency and energy at once? The front mixes units: the
# fastest unit wins latency at any size, while the energy end belongs to the
# most compressed models on an NPU, whose energy shrinks with its traffic.

# %%
values = np.array([[r["size_mb"], r["latency_ms"], r["energy_mj"]] for r in rows])
front = pareto_mask(values)
fig, (ax_l, ax_e) = plt.subplots(1, 2, figsize=(12, 4.6))
for k, unit in enumerate(UNITS):
    pick = [i for i, r in enumerate(rows) if r["unit"] == unit]
    for ax, col in ((ax_l, 1), (ax_e, 2)):
        ax.scatter(values[pick, 0], values[pick, col], s=22, color=f"C{k}", alpha=0.35, label=unit)
        on = [i for i in pick if front[i]]
        ax.scatter(values[on, 0], values[on, col], s=60, color=f"C{k}", edgecolors="black", linewidths=1.0)
for i in np.flatnonzero(front):
    ax_e.annotate(rows[i]["spec"].replace("quant=", ""), (values[i, 0], values[i, 2]), xytext=(6, -3),
                  textcoords="offset points", fontsize=7)
for ax, what in ((ax_l, "latency (ms)"), (ax_e, "energy (mJ)")):
    size_axis(ax)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(mticker.FormatStrFormatter("%g"))
    ax.set_xlabel("model size (MB)")
    ax.set_ylabel(what)
    ax.grid(alpha=0.3, which="both")
ax_e.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
fig.suptitle("All units x compressions; black-edged: Pareto-optimal in (size, latency, energy)")
plt.show()

best = sorted((rows[i] for i in np.flatnonzero(front)), key=lambda r: r["latency_ms"])
print(format_table(["unit", "compression", "size MB", "latency ms", "energy mJ", "DRAM MB"],
                   [[r["unit"], r["spec"], f"{r['size_mb']:.2f}", f"{r['latency_ms']:.3f}", f"{r['energy_mj']:.3f}",
                     f"{r['dram_mb']:.1f}"] for r in best], right={2, 3, 4, 5}))

# %% [markdown]
# ## Reading the answer
#
# * **Quantize to the narrowest format the unit computes in** (int8 on all of
#   these but the Adreno): where int8 MACs run faster, that is where latency
#   comes from; where they do not (the Kirin's NPU), int8 still cuts the energy.
# * **Narrower than that pays a little energy, no time**: int4 and ternary
#   halve and quarter the weight bytes moved, but every unit here unpacks them
#   before its MACs, and static and busy power run as long as before.
# * **Unstructured pruning is a storage technique on today's mobile units**: it
#   shrinks the download and the weight traffic but not the MAC time, unless the
#   hardware skips zeros — and even a zero-skipping array gains far less than the
#   sparsity on a depthwise-heavy network, while the dataflow that lets it skip
#   (os) is slower on MobileNet-V2 than the weight-stationary default.
# * The fastest unit (the Jetson's GPU) dominates the latency end of the front
#   at every model size; the energy end belongs to the Kirin 980's NPU in the
#   smallest formats.
#
# Try structured sparsity (`prune=2:4`, which Ampere tensor cores exploit in
# hardware) or `factorize=ratio:0.5` in `SPECS`, or `accelsim run --compress
# SPEC --report DIR` for one combination's full report.
