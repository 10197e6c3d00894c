"""Energies a profile leaves out: instruction overhead (simd/simt) and scratchpad access (systolic)."""
import pytest

from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.hardware.energy import (ISSUE_PJ_45NM, LANE_PJ_45NM, SIMT_LANES_PER_ISSUE, fill_energies, node_scale,
                                      sram_energy_pj_per_byte)
from accelsim.hardware.schema import Profile
from accelsim.validation import validate


def _profile(unit: dict, nm=16) -> dict:
    return {"name": "t", "process_nm": nm, "units": [unit], "sources": [{"id": "s", "title": "t"}],
            "dram": {"name": "dram", "bandwidth_gbps": 10}}


SIMD = {"name": "cpu", "kind": "cpu", "cost_model": "simd", "clock_ghz": 2, "lanes": 4,
        "precisions": {"int8": {"macs_per_cycle": 32}}}
SIMT = {"name": "gpu", "kind": "gpu", "cost_model": "simt", "clock_ghz": 1, "lanes": 256,
        "precisions": {"fp16": {"macs_per_cycle": 512}}}
NPU = {"name": "npu", "kind": "npu", "cost_model": "systolic", "clock_ghz": 1, "array": {"rows": 16, "cols": 16},
       "precisions": {"int8": {"macs_per_cycle": 256}},
       "sram": {"ifmap_bytes": 65536, "filter_bytes": 65536, "ofmap_bytes": 65536}}


def test_instruction_energy_defaults_are_node_scaled_horowitz():
    cpu = Profile.model_validate(_profile(SIMD)).units[0]
    gpu = Profile.model_validate(_profile(SIMT)).units[0]
    assert cpu.instruction_energy.issue_pj == pytest.approx(ISSUE_PJ_45NM * node_scale(16), rel=1e-4)
    assert cpu.instruction_energy.lane_pj == pytest.approx(LANE_PJ_45NM * node_scale(16), rel=1e-4)
    assert cpu.instruction_energy.lanes_per_issue is None
    assert gpu.instruction_energy.lanes_per_issue == SIMT_LANES_PER_ISSUE


def test_profile_fields_override_defaults():
    gpu = Profile.model_validate(_profile({**SIMT, "instruction_energy": {"lanes_per_issue": 64, "issue_pj": 3}}))
    ie = gpu.units[0].instruction_energy
    assert (ie.lanes_per_issue, ie.issue_pj) == (64, 3)
    assert ie.lane_pj == pytest.approx(LANE_PJ_45NM * node_scale(16), rel=1e-4)


def test_scratchpad_energy_filled_by_size_unless_given():
    npu = Profile.model_validate(_profile(NPU)).units[0]
    assert npu.sram.energy_pj_per_byte == pytest.approx(sram_energy_pj_per_byte(65536, 16), rel=1e-4)
    given = Profile.model_validate(_profile({**NPU, "sram": {**NPU["sram"], "energy_pj_per_byte": 0.0}}))
    assert given.units[0].sram.energy_pj_per_byte == 0.0      # an explicit figure wins, even 0
    assert npu.instruction_energy is None


@pytest.mark.parametrize("chip,unit", [("kirin980", "npu"), ("jetson_xavier_nx", "dla"), ("myriadx", "npu")])
def test_vendor_scratchpads_have_access_energy(chip, unit):
    assert load_profile(chip, calibrated=False).unit(unit).sram.energy_pj_per_byte > 0


@pytest.mark.parametrize("unit,msg", [
    ({**NPU, "instruction_energy": {"issue_pj": 1, "lane_pj": 1}}, "for simd and simt units"),
    ({**SIMD, "instruction_energy": {"lanes_per_issue": 8}}, "lanes_per_issue' is for simt"),
    ({**SIMD, "instruction_energy": {"issue_pj": -1}}, "issue_pj"),
])
def test_bad_instruction_energy_is_a_one_line_error(unit, msg):
    with pytest.raises(AccelsimError, match=msg) as err:
        validate(Profile, fill_energies(_profile(unit)), "t.yaml")
    assert "\n" not in str(err.value)
