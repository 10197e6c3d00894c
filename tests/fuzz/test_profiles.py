"""Bad hardware profiles and SCALE-Sim configs: one-line errors; every accepted profile gives finite results."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim import simulate
from accelsim.hardware import load_profile
from tests.fuzz.corpus import BAD_NUMBERS, TINY, assert_accelsim_error, assert_one_line_error, profile_with, write

U = ["units", 0]
NUMERIC_PATHS = [U + ["clock_ghz"], U + ["array", "rows"], U + ["array", "cols"], U + ["vector_lanes"],
                 U + ["precisions", "int8", "macs_per_cycle"], U + ["precisions", "int8", "energy_pj_per_mac"],
                 U + ["sram", "ifmap_bytes"], U + ["sram", "energy_pj_per_byte"], U + ["static_power_mw"],
                 U + ["layer_overhead_us"], ["dram", "size_bytes"], ["dram", "bandwidth_gbps"],
                 ["dram", "latency_ns"], ["dram", "energy_pj_per_byte"]]


@pytest.mark.parametrize("path", NUMERIC_PATHS, ids=lambda p: ".".join(map(str, p)))
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_bad_number_in_profile_is_refused(tmp_path, path, value):
    prof = profile_with(tmp_path, "bad", path, value)
    msg = assert_accelsim_error(load_profile, prof)
    assert str(path[-1]) in msg or "unit" in msg, msg      # the message names the field


@pytest.mark.parametrize("argv_tail, field", [
    ([U + ["clock_ghz"], math.inf], "clock_ghz"),
    ([U + ["static_power_mw"], math.inf], "static_power_mw"),
    ([U + ["array", "rows"], True], "rows"),
    ([U + ["array", "rows"], 2 ** 63], "rows"),
    ([U + ["array", "rows"], 1], "macs_per_cycle"),       # 1x32 array cannot do 1024 MACs/cycle... (32x max 64)
    ([U + ["name"], ["npu"]], "name"),
    ([U + ["kind"], ["npu"]], "kind"),
    ([["name"], 3], "name"),
])
def test_cli_profile_errors_are_one_line(tmp_path, argv_tail, field):
    path, value = argv_tail
    if field == "macs_per_cycle":   # rows 1 x cols 32 = 32 PEs: 1024 MACs/cycle is 32 per PE, allowed; 1x1 is not
        prof = profile_with(tmp_path, "p", U + ["array"], {"rows": 1, "cols": 1, "dataflow": "ws"})
    else:
        prof = profile_with(tmp_path, "p", path, value)
    line = assert_one_line_error(["run", "--profile", prof, "--workload", TINY])
    assert field in line


CFG = """[architecture_presets]
ArrayHeight: {h}
ArrayWidth: 32
IfmapSramSzkB: 64
FilterSramSzkB: 64
OfmapSramSzkB: 64
Dataflow: ws
"""


@pytest.mark.parametrize("h", ["inf", "-inf", "nan", "1e30", "0", "-3", "32.5", "abc", "", "2e400", "99999999999"])
def test_bad_scalesim_cfg(tmp_path, h):
    cfg = write(tmp_path, "bad.cfg", CFG.format(h=h))
    assert_one_line_error(["run", "--profile", cfg, "--workload", TINY])


def _finite(result) -> None:
    data = result.to_dict()
    json.dumps(data, allow_nan=False)        # raises on inf / nan anywhere
    assert result.latency_ms > 0 and math.isfinite(result.energy_mj) and result.dram_bytes >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clock=st.floats(1e-3, 1e3), bandwidth=st.floats(1e-3, 1e6), rows=st.integers(1, 4096),
       cols=st.integers(1, 256), per_pe=st.floats(1 / 64, 64))
def test_any_accepted_profile_gives_finite_results(tmp_path, clock, bandwidth, rows, cols, per_pe):
    """Extremes inside the documented ranges still give finite, JSON-valid numbers."""
    import copy

    import yaml

    from tests.fuzz.corpus import BASE_PROFILE
    data = copy.deepcopy(BASE_PROFILE)
    unit = data["units"][0]
    unit["clock_ghz"] = clock
    unit["array"].update(rows=rows, cols=cols)
    unit["precisions"] = {"int8": {"macs_per_cycle": rows * cols * per_pe, "energy_pj_per_mac": 0.23}}
    data["dram"]["bandwidth_gbps"] = bandwidth
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(data))
    _finite(simulate(str(path), str(TINY), precision="int8"))


JUNK = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2 ** 70, 2 ** 70), st.booleans(),
                 st.text(max_size=8), st.none(), st.lists(st.integers(0, 5), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(NUMERIC_PATHS + [U + ["name"], U + ["kind"], U + ["cost_model"], ["name"],
                                             U + ["precisions"], U + ["sram"], ["dram"], ["sources"]]), value=JUNK)
def test_junk_anywhere_in_a_profile(tmp_path, path, value):
    """Any value at any field: a one-line AccelsimError, or a profile whose results are finite."""
    from accelsim.errors import AccelsimError
    prof = profile_with(tmp_path, "junk", path, value)
    try:
        profile = load_profile(prof)
    except AccelsimError as err:
        assert "\n" not in str(err) and len(str(err)) < 600
        return
    _finite(simulate(profile, str(TINY), precision="int8"))
