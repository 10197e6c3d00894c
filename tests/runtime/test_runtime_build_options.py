"""Runtime build settings: TensorRT's workspace limit on Winograd, asynchronous launches, shared fitted factors."""
from __future__ import annotations

import json
import math

import pytest
import yaml

import accelsim
from accelsim.calibration.frameworks import runtime_for
from accelsim.cost import cost_layer
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.runtime import load_runtime
from accelsim.runtime.cost import runtime_terms
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2d


def _conv(c, hw, precision):
    return next(iter(Workload("one", (c, hw, hw), [Conv2d(name="c", out_channels=c, kernel=3, stride=1, padding=1)],
                              precision=precision)))


def _winograd_f43_scratch_bytes(c, hw, bytes_per_elem):
    """Hand count: F(4,3) tiles of 4x4 outputs, each a 6x6 transformed input and output tile per channel."""
    tiles = math.ceil(hw / 4) ** 2
    return 2 * tiles * 36 * c * bytes_per_elem


@pytest.mark.parametrize("c,hw,precision,fits", [
    (64, 56, "fp16", False),     # 196 tiles: 2 x 196 x 36 x 64 x 2 B = 1,806,336 B > 1 MiB
    (128, 28, "fp16", True),     # 49 tiles: 903,168 B
    (128, 28, "fp32", False),    # the same layer in fp32: 1,806,336 B
    (256, 14, "fp16", True),     # 16 tiles: 589,824 B
])
def test_one_mib_workspace_keeps_winograd_only_where_it_fits(c, hw, precision, fits):
    assert (_winograd_f43_scratch_bytes(c, hw, 2 if precision == "fp16" else 4) <= 1 << 20) == fits
    prof = load_profile("jetson_tx2", calibrated=False)
    gpu = prof.unit("gpu")
    info = _conv(c, hw, precision)
    assert cost_layer(info, gpu, profile=prof, runtime="tensorrt").algorithm == "winograd_f43"   # no limit
    small = cost_layer(info, gpu, profile=prof, runtime="tensorrt3-1mib").algorithm
    assert small == ("winograd_f43" if fits else "im2col_gemm")


def test_fp16_winograd_under_tensorrt():
    """cuDNN runs Winograd on fp16 data too (TRUE_HALF_CONFIG): a wide 3x3 s1 fp16 conv takes it."""
    prof = load_profile("jetson_nano", calibrated=False)
    assert cost_layer(_conv(64, 56, "fp16"), prof.unit("gpu"), profile=prof, runtime="tensorrt").algorithm \
        == "winograd_f43"


def test_build_variant_shares_the_stacks_factors():
    variant = load_runtime("tensorrt3-1mib")
    assert variant.factors_from == "tensorrt" and variant.workspace_bytes == 1 << 20
    prof = load_profile("jetson_tx2", calibrated=False)
    terms, _, _ = runtime_terms(_conv(64, 56, "fp16"), prof.unit("gpu"), variant, profile=prof)
    assert terms.runtime == "tensorrt" and terms.key.startswith("tensorrt/")
    assert runtime_for("TensorRT 3 (1 MiB workspace)", prof.unit("gpu"))[0] == "tensorrt3-1mib"
    assert runtime_for("torch2trt TensorRT", prof.unit("gpu"))[0] == "tensorrt"


def test_factors_from_must_name_a_runtime(tmp_path):
    data = json.loads(load_runtime("tensorrt3-1mib").model_dump_json())
    data.update(name="bad", factors_from="tensorrt9")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(AccelsimError, match=r"bad.yaml: factors_from: got 'tensorrt9'; allowed: a runtime"):
        load_runtime(str(path))


def _layers(runtime):
    return accelsim.simulate("jetson_agx_orin", "resnet50", unit="gpu", precision="int8", runtime=runtime,
                             calibrated=False).layers


def test_async_launch_costs_the_longer_of_work_and_launch(tmp_path):
    """Queued launches overlap the previous layers: per layer max(work, dispatch), not their sum."""
    sync = json.loads(load_runtime("tensorrt").model_dump_json())
    sync.update(name="trt-sync", async_dispatch=[])
    path = tmp_path / "trt-sync.yaml"
    path.write_text(yaml.safe_dump(sync))
    dispatch = 8.0e3 * load_profile("jetson_agx_orin", calibrated=False).unit("gpu").clock_ghz   # 8 us in cycles
    a, s = _layers("tensorrt"), _layers(str(path))
    assert len(a) == len(s)
    hidden = 0
    for la, ls in zip(a, s):
        if ls.algorithm == "fused" or ls.total_cycles == 0:
            continue
        work = ls.total_cycles - ls.overhead_cycles                     # the synchronous layer: work + dispatch
        assert ls.overhead_cycles == pytest.approx(dispatch, abs=1)
        assert la.total_cycles == pytest.approx(max(work, dispatch), abs=2)
        hidden += work >= dispatch
    assert hidden > 0 and sum(la.total_cycles for la in a) < sum(ls.total_cycles for ls in s)


def test_tensorrt3_runs_a_depthwise_conv_as_one_kernel_per_group():
    """TensorRT 3 (forum profile: thousands of small convolution calls): one launch per group, at the dense
    conv kernels' class and each group's own occupancy; a dense conv is unchanged."""
    prof = load_profile("jetson_tx2", calibrated=False)
    gpu = prof.unit("gpu")
    dw = next(iter(Workload("one", (64, 56, 56), [Conv2d(name="dw", out_channels=64, kernel=3, stride=1,
                                                         padding=1, groups=64)], precision="fp16")))
    t3, _, _ = runtime_terms(dw, gpu, load_runtime("tensorrt3-1mib"), profile=prof)
    now, _, _ = runtime_terms(dw, gpu, load_runtime("tensorrt"), profile=prof)
    launch = 8.0e3 * gpu.clock_ghz                       # tensorrt's 8 us dispatch, in GPU cycles
    assert now.gemm_class == "depthwise" and now.overhead_cycles == pytest.approx(launch)
    assert t3.gemm_class == "conv" and t3.overhead_cycles == pytest.approx(64 * launch)
    dense = _conv(64, 56, "fp16")
    a, _, _ = runtime_terms(dense, gpu, load_runtime("tensorrt3-1mib"), profile=prof)
    b, _, _ = runtime_terms(dense, gpu, load_runtime("tensorrt"), profile=prof)
    assert a.overhead_cycles == b.overhead_cycles and a.gemm_class == b.gemm_class == "conv"


def test_tensorrt_eliminates_a_concat_of_conv_outputs():
    """TensorRT's concatenation layer elimination: producers write their slices in place. A concat fed by a
    pooling layer (not a conv) is kept; a runtime without 'concat' in fuse keeps every concat."""
    from accelsim.runtime.fusion import fused_layers
    from accelsim.workload import Concat, Pool2d
    wl = Workload("fire", (16, 28, 28), [
        Conv2d(name="e1", out_channels=32, kernel=1, inputs=("input",)),
        Conv2d(name="e3", out_channels=32, kernel=3, padding=1, inputs=("input",)),
        Concat(name="cat", inputs=("e1", "e3")),
        Pool2d(name="pool", kernel=3, stride=1, padding=1, inputs=("input",)),
        Concat(name="cat2", inputs=("cat", "pool")),
    ], precision="fp16")
    assert fused_layers(wl, load_runtime("tensorrt")) == {"cat"}
    assert fused_layers(wl, load_runtime("tvm")) == set()
