"""Pydantic schema of a runtime (software stack): what a framework really executes on a unit.

A runtime file (``hw_profiles/runtimes/<name>.yaml``) says, for the unit kinds
it drives (``units``):

- ``conv_rules``: the convolution algorithm per layer shape, first match wins
  (``direct``, ``im2col_gemm``, ``gemm_1x1``, ``winograd_f23/f43/f63``,
  ``depthwise_direct``); see :mod:`accelsim.runtime.algorithms` for their costs;
- ``fp16_arith``: fp32 layers computed in fp16 on cores that have Armv8.2 FP16
  arithmetic (CPU) or on GPUs with an fp16 rate; ``fp16_storage``: GPU tensors
  stored as fp16 (half the bytes) even when arithmetic is fp32;
- ``fuse``: element-wise ops folded into the convolution before them (no
  dispatch, no pass over memory);
- ``int8_requant_ops``: element-wise ops per output element an int8 layer
  spends rescaling its int32 accumulators; ``int8_quantize_ops``: per input element of an int8
  layer whose input blob is float (the layer's ``quantize_input``: ncnn quantizes inside the layer);
  ``int8_float_act_ops``: per output element of an int8 layer that dequantizes and then runs its
  activation as its own pass (``float_activation``). On a CPU these passes run at the float lane
  rate of the surrounding layers (fp32, or fp16 where the runtime computes fp16), not the int8 MAC rate;
- ``dispatch_us``: fixed cost per executed (unfused) layer, per unit kind;
  ``sync_us``: extra per-layer fork/join cost of a multi-threaded CPU layer;
- ``schedule``: ``static`` (OpenMP static: the slowest thread sets the pace,
  as in ncnn) or ``dynamic`` (work stealing: the cores' rates add up);
  ``default_cores``: which CPU cores threads go to when none are named, ``all_cores_order``
  where threads land when confined to no cluster; ``matrix_units``: whether GPU GEMMs reach
  the tensor-core rate; ``max_threads``: a cap on the threads the stack really runs (a default the
  application never changed); ``int8_factor``: the stack's own int8 GEMM efficiency factor (cited), used
  instead of the calibration group's fitted ``int8`` factor (which other stacks' int8 kernels set);
  ``workspace_bytes``: the scratch memory a layer's algorithm may use (TensorRT's builder workspace): a
  Winograd rule whose transformed tensors do not fit is skipped; ``int8_dotprod``: whether the build's int8
  kernels use SDOT; ``factors_from``: the runtime whose fitted factors this one shares (a build setting of
  the same stack, not another stack); ``async_dispatch``: unit kinds whose launches the host queues
  ahead of the device (CUDA / OpenCL enqueue): a layer then costs the longer of its work and the launch
  interval, instead of their sum; ``host_cores_busy``: CPU cores the host thread keeps busy for the whole
  inference while a GPU (or another non-CPU unit on the same SoC) runs, charged at the SoC CPU's busy power
  (CUDA's default ``cudaDeviceScheduleAuto`` spins the waiting thread on its core); ``grouped_conv:
  per_group``: a grouped (or depthwise) convolution executed as one small dense convolution per group, each
  its own launch.

A runtime with ``relative_to`` is priced as another runtime (its rules, fusion and fitted factors) and then
scaled: every layer's time x ``time_factor``, plus ``call_overhead_ms`` once per inference. The two figures
are fitted (``python -m accelsim.calibration.stack_fit``) from a table in which one source measured both
stacks on the same device (``data``, relative to the runtimes folder).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Algorithm = Literal["direct", "im2col_gemm", "gemm_1x1", "winograd_f23", "winograd_f43", "winograd_f63",
                    "depthwise_direct"]
UnitKindName = Literal["cpu", "gpu", "dsp", "vpu", "npu", "dla"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuntimeSource(_Strict):
    id: str
    title: str
    url: str | None = None
    note: str | None = None


class ConvRule(_Strict):
    """Use ``algorithm`` for a convolution matching every condition given (left out = any)."""

    algorithm: Algorithm
    kernel: int | None = Field(default=None, gt=0, description="square kernel size")
    stride: int | None = Field(default=None, gt=0)
    depthwise: bool | None = None
    min_in_channels: int = Field(default=0, ge=0)
    min_out_channels: int = Field(default=0, ge=0)
    max_in_channels: int | None = Field(default=None, gt=0)
    max_out_channels: int | None = Field(default=None, gt=0)
    min_out_hw: int = Field(default=0, ge=0, description="smallest output height/width")
    out_hw_ranges: list[tuple[int, int]] | None = Field(default=None, description="[lo, hi] ranges: the output "
                                                         "height and the width each fall in one of them")
    precisions: list[str] | None = Field(default=None, description="layer precisions the rule applies to")
    units: list[UnitKindName] | None = Field(default=None, description="unit kinds the rule applies to")
    dotprod: bool | None = Field(default=None, description="CPU cores with (true) / without (false) SDOT only")
    source: str | None = None


class RelativeTiming(_Strict):
    """This stack's time as a fitted linear function of another stack's (``runtime``) on the same unit."""

    runtime: str = Field(description="the runtime whose pricing this one scales")
    time_factor: float = Field(gt=0, allow_inf_nan=False, description="per-layer time multiplier")
    call_overhead_ms: float = Field(ge=0, allow_inf_nan=False, description="fixed cost per inference (host side)")
    data: str = Field(description="CSV (relative to the runtimes folder) the two figures are fitted from")
    source: str = Field(description="id of the source (in sources) of that table")


class Runtime(_Strict):
    """One software stack (ncnn, TFLite, TensorRT, ...)."""

    name: str
    description: str = ""
    units: list[UnitKindName] = Field(min_length=1, description="unit kinds the runtime drives")
    conv_rules: list[ConvRule] = Field(default_factory=list)
    fp16_arith: bool = False
    fp16_storage: bool = False
    fp16_arith_needs: Literal["vulkan"] | None = Field(
        default=None, description="a driver feature GPU fp16 arithmetic needs: 'vulkan' = the unit's "
                                  "vulkan_fp16_arith (a GPU whose Vulkan driver lacks fp16 shader arithmetic "
                                  "computes in fp32)")
    fuse: list[str] = Field(default_factory=list, description="layer ops (or activation kinds as 'act:KIND', "
                                                              "'act' for all) folded into a preceding conv/fc")
    int8_requant_ops: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    int8_quantize_ops: float = Field(default=0.0, ge=0, allow_inf_nan=False,
                                     description="element-wise ops per input element an int8 layer whose input "
                                                 "blob is float (``quantize_input``) spends quantizing it")
    int8_float_act_ops: float = Field(default=0.0, ge=0, allow_inf_nan=False,
                                      description="element-wise ops per output element of an int8 layer that "
                                                  "dequantizes to float and runs its activation as its own pass "
                                                  "(``float_activation``)")
    dispatch_us: dict[UnitKindName, float] = Field(default_factory=dict)
    sync_us: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    schedule: Literal["static", "dynamic"] = "static"
    default_cores: Literal["big", "little", "all"] = "big"
    all_cores_order: Literal["big_first", "little_first"] = Field(
        default="big_first", description="cores 'all' with fewer threads than cores: which cores the threads land "
                                         "on (no affinity set: Android's scheduler starts them on little cores)")
    max_threads: int | None = Field(default=None, ge=1, description="threads the stack runs at most, whatever "
                                     "the caller asks (the Python tflite_runtime Interpreter without num_threads: 1)")
    int8_factor: float | None = Field(default=None, gt=0, allow_inf_nan=False,
                                      description="int8 GEMM efficiency factor of this stack (a cited figure), "
                                                  "in place of the group's fitted int8 factor")
    workspace_bytes: int | None = Field(default=None, gt=0, description="scratch bytes a layer's algorithm may "
                                        "use (None: no limit); Winograd needs its transformed input and output")
    factors_from: str | None = Field(default=None, description="runtime whose fitted factors this one shares "
                                                               "(the same stack built with other settings)")
    async_dispatch: list[UnitKindName] = Field(default_factory=list, description="unit kinds whose kernel "
                                                 "launches run ahead of the device (asynchronous enqueue): per "
                                                 "layer max(work, dispatch) instead of work + dispatch")
    grouped_conv: Literal["native", "per_group"] = Field(
        default="native", description="per_group: a grouped or depthwise convolution runs as one dense convolution "
                                      "kernel per group, each launched on its own (TensorRT 3)")
    matrix_units: bool = Field(default=True, description="GPU GEMMs use the matrix (tensor-core) rate; false: "
                                                         "the ALU rate (Vulkan/OpenCL kernels without them)")
    spin_wait: bool = Field(default=False, description="idle threads spin at barriers (OpenMP blocktime): with "
                                                        "more threads than the cores they are bound to, each "
                                                        "core's useful share is cores / threads")
    int8_dotprod: bool = Field(default=True, description="CPU int8 kernels use SDOT on cores that have it; false "
                                                         "(a build older than its SDOT kernels): widening multiply-"
                                                         "accumulate at half the SDOT rate, conv rules see no SDOT")
    neon_register_blocks: bool = Field(default=False, description="CPU GEMMs (Winograd, im2col, 1x1) "
                                       "priced in NEON register-block slots (algorithms.register_block_slots): "
                                       "leftover output channels, tiles and pixels run narrow, latency-bound kernels")
    host_cores_busy: float = Field(default=0.0, ge=0, allow_inf_nan=False,
                                   description="CPU cores of the SoC the host side keeps busy for a whole inference "
                                               "on a non-CPU unit (CUDA's default wait spins one core); their busy "
                                               "power is charged over the run (accelsim/cost/power.host_busy_mw)")
    relative_to: RelativeTiming | None = Field(default=None, description="priced as another runtime, scaled")
    sources: list[RuntimeSource] = Field(min_length=1)

    def dispatch(self, kind: str) -> float | None:
        v = self.dispatch_us.get(kind)
        return None if v is None else float(v)
