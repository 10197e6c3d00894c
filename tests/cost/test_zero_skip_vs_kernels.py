"""The analytical zero-skip estimate against cycles measured by the kernels on pruned weights.

The kernels (accelsim.kernels, cycle fidelity) run the convolution on real
tensors and count the PE array's lockstep cycles; the analytical model
(accelsim.cost.compression.skip_fractions) predicts them from the sparsity
alone. They must agree within 5 % across dataflows, granularities and
unstructured / 2:4 sparsity, and exactly on dense data.
"""
import numpy as np
import pytest

import accelsim
from accelsim.compress import prune
from accelsim.compress.sampling import sample_weights
from accelsim.cost import cost_layer
from accelsim.hardware.schema import ZeroSkip
from accelsim.kernels import PEArray, conv2d
from accelsim.workload import Conv2d, Workload

C, N, H = 64, 64, 14


def _unit(granularity):
    unit = accelsim.load_profile("generic_npu").units[0]
    return unit.model_copy(update={"zero_skip": ZeroSkip(granularity=granularity), "mapping": "scalesim"})  # kernels run SCALE-Sim's folds


@pytest.mark.parametrize("dataflow", ["os", "is", "ws"])
@pytest.mark.parametrize("granularity", [1, 4])
@pytest.mark.parametrize("sparsity", [None, 0.7, 0.9, "2:4"])
def test_analytical_zero_skip_matches_measured_cycles(dataflow, granularity, sparsity):
    wl = Workload("t", (C, H, H), [Conv2d(name="c", out_channels=N, kernel=3, padding=1)])
    if sparsity is not None:
        wl = prune(sparsity)(wl)
    info = wl[0]
    unit = _unit(granularity)
    predicted = cost_layer(info, unit, dataflow=dataflow).compute_cycles
    rng = np.random.default_rng(7)
    x = rng.integers(-127, 128, (1, C, H, H), dtype=np.int8)
    w = sample_weights(info, rng)
    assert w.shape == (N, C, 3, 3) and w.dtype == np.int8
    pe = PEArray.from_unit(unit, "int8", dataflow)
    measured = conv2d(x, w, mode="int8", padding=1, pe=pe).stats
    if sparsity is None:
        assert predicted == measured.cycles == measured.dense_cycles
    else:
        assert abs(predicted / measured.cycles - 1) < 0.05, (predicted, measured.cycles)
