"""The largest inputs inside the documented limits still give exact counts and finite, non-negative numbers."""
from __future__ import annotations

import json
import math

import pytest

from accelsim import simulate
from accelsim.hardware import load_profile
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2d, Dense, Pool2d

C, S = 1 << 20, 1 << 16

EXTREMES = {   # name: (input C, H, W), layers, MACs counted by hand
    "max_channels_1x1": ((C, 1, 1), [Conv2d(name="c", out_channels=C >> 4, kernel=1)], C * (C >> 4)),
    "max_spatial": ((1, S, S >> 2), [Conv2d(name="c", out_channels=4, kernel=3, padding=1)],
                    S * (S >> 2) * 4 * 9),
    "big_fc": ((C, 1, 1), [Dense(name="f", out_features=1 << 20)], C << 20),
    "max_pool_window": ((16, 4096, 4096), [Pool2d(name="p", kernel=4096)], 0),
}


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield obj


@pytest.mark.parametrize("profile", ["generic_npu", "snapdragon855", "jetson_nano"])
@pytest.mark.parametrize("case", list(EXTREMES))
def test_extreme_layers_are_exact_and_finite(profile, case):
    shape, layers, macs = EXTREMES[case]
    wl = Workload(case, shape, layers)
    assert wl.macs == macs
    prof = load_profile(profile)
    for unit in prof.units:
        res = simulate(prof, wl, unit=unit.name, precision="int8" if "int8" in unit.precisions else None)
        data = res.to_dict()
        json.dumps(data, allow_nan=False)
        assert all(math.isfinite(x) and x >= 0 for x in _numbers(data)), (unit.name, data)
        assert res.macs == macs and 0 <= res.utilization <= 1 + 1e-9
        assert res.latency_ms > 0 and res.dram_bytes >= 0


@pytest.mark.parametrize("rows, cols, clock, bandwidth", [(1, 1, 1e-3, 1e-3), (65536, 65536, 1e3, 1e6),
                                                          (1, 65536, 1e-3, 1e6), (65536, 1, 1e3, 1e-3)])
@pytest.mark.parametrize("case", ["max_channels_1x1", "big_fc", "max_spatial"])
def test_extreme_arrays_clocks_and_bandwidths(tmp_path, rows, cols, clock, bandwidth, case):
    import copy

    import yaml

    from tests.fuzz.corpus import BASE_PROFILE
    data = copy.deepcopy(BASE_PROFILE)
    unit = data["units"][0]
    unit.update(clock_ghz=clock)
    unit["array"].update(rows=rows, cols=cols)
    unit["precisions"] = {"int8": {"macs_per_cycle": rows * cols, "energy_pj_per_mac": 0.23}}
    data["dram"]["bandwidth_gbps"] = bandwidth
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    shape, layers, macs = EXTREMES[case]
    for fidelity in ("analytical", "event"):
        res = simulate(str(path), Workload(case, shape, layers), fidelity=fidelity)
        d = res.to_dict()
        json.dumps(d, allow_nan=False)
        assert all(math.isfinite(x) and x >= 0 for x in _numbers(d))
        assert res.macs == macs and 0 <= res.utilization <= 1 + 1e-9 and res.latency_ms > 0
