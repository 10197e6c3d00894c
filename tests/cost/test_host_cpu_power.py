"""Host CPU cores a GPU runtime keeps busy (``host_cores_busy``), worked by hand."""
import pytest

import accelsim
from accelsim.cost.power import host_busy_mw
from accelsim.hardware import load_profile
from accelsim.runtime import load_runtime
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2d, Dense, Pool2d


def _small():
    return Workload("small", (3, 32, 32), [Conv2d(name="c1", out_channels=16, kernel=3, padding=1),
                                           Pool2d(name="gap", kind="avg", global_pool=True),
                                           Dense(name="fc", out_features=10)], precision="fp32")


def test_tensorrt_on_the_nano_gpu_charges_one_a57_core_by_hand():
    # jetson_nano.yaml cites the A57's busy power per core: 0.9 x 972 mW x 1.43 GHz = 1251 mW (AnandTech's
    # Exynos 5433 figure); TensorRT waits with CUDA's default spin on one core for the whole inference, so
    # the host adds 1251 mW x latency: at 1 ms, 1.251 mJ
    run = accelsim.simulate("jetson_nano", _small(), unit="gpu", runtime="tensorrt", calibrated=False)
    hand_mj = 1251.0 * run.latency_ms * 1e-3
    parts = run.energy_parts_mj()
    assert parts["host_cpu"] == pytest.approx(hand_mj, rel=1e-9)
    assert run.energy_mj == pytest.approx(sum(x.energy_mj for x in run.layers) + hand_mj, rel=1e-12)
    assert sum(parts.values()) == pytest.approx(run.energy_mj, rel=1e-12)
    assert run.latency_ms > 0 and parts["host_cpu"] > 0


def test_tensorflow_declares_it_too_and_cpu_runs_or_usb_sticks_do_not():
    assert load_runtime("tensorflow-gpu").host_cores_busy == 1 and load_runtime("tensorrt").host_cores_busy == 1
    assert load_runtime("tflite-py").host_cores_busy == 0 and load_runtime("openvino").host_cores_busy == 0
    nano = load_profile("jetson_nano", calibrated=False)
    assert host_busy_mw(nano, nano.unit("cpu"), 1) == 0.0                 # a CPU run's cores are the unit itself
    assert host_busy_mw(nano, nano.unit("gpu"), 2) == pytest.approx(2 * 1251.0)
    stick = load_profile("myriad2", calibrated=False)                     # the host is another board
    assert host_busy_mw(stick, stick.unit("vpu"), 1) == 0.0
    cpu_run = accelsim.simulate("jetson_nano", _small(), unit="cpu", runtime="tflite-py", calibrated=False)
    assert "host_cpu" not in cpu_run.energy_parts_mj()
    # the same network under TensorFlow takes longer, and its host core is busy all that time
    tf = accelsim.simulate("jetson_nano", _small(), unit="gpu", runtime="tensorflow-gpu", calibrated=False)
    assert tf.energy_parts_mj()["host_cpu"] == pytest.approx(1251.0 * tf.latency_ms * 1e-3, rel=1e-9)


def test_runs_without_a_runtime_charge_their_default_runtimes_host_cores():
    # no runtime named: the Nano GPU falls back on tensorrt (one spinning host core), the Snapdragon 855's
    # Adreno on tflite-gpu (no host core declared)
    run = accelsim.simulate("jetson_nano", _small(), unit="gpu", calibrated=False)
    assert run.runtime is None
    assert run.energy_parts_mj()["host_cpu"] == pytest.approx(1251.0 * run.latency_ms * 1e-3, rel=1e-9)
    phone = accelsim.simulate("snapdragon855", _small(), unit="gpu", calibrated=False)
    assert "host_cpu" not in phone.energy_parts_mj()
