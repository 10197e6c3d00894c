"""The optional zero_skip field of a unit: parsed, validated, read by the cycle kernels."""
import pytest

from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile
from accelsim.kernels import PEArray

UNIT = """name: t
units:
  - name: npu
    kind: npu
    cost_model: systolic
    clock_ghz: 1
    array: {{rows: 8, cols: 4, dataflow: os}}
    precisions: {{ternary: {{macs_per_cycle: 128, energy_pj_per_mac: 0.1}}}}
    {extra}
dram: {{name: d}}
sources: [{{id: a, title: b}}]
"""


def test_zero_skip_is_optional_and_read_by_the_pe_array(tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text(UNIT.format(extra=""))
    assert load_profile(str(plain)).unit().zero_skip is None
    skip = tmp_path / "skip.yaml"
    skip.write_text(UNIT.format(extra="zero_skip: {granularity: 4, operands: both}"))
    unit = load_profile(str(skip)).unit()
    assert (unit.zero_skip.granularity, unit.zero_skip.operands) == (4, "both")
    pe = PEArray.from_unit(unit, "ternary")
    assert (pe.rows, pe.cols, pe.dataflow, pe.lane_bits, pe.zero_skip, pe.skip_operands) == (8, 4, "os", 8, 4, "both")
    assert pe.elems_per_step("ternary") == 4


@pytest.mark.parametrize("extra,needle", [
    ("zero_skip: {granularity: 0}", "units[0].zero_skip.granularity: got 0"),
    ("zero_skip: {operands: inputs}", "units[0].zero_skip.operands: got 'inputs'"),
    ("zero_skip: {granularty: 2}", "units[0].zero_skip.granularty"),
])
def test_bad_zero_skip_is_a_one_line_error(tmp_path, extra, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(UNIT.format(extra=extra))
    with pytest.raises(AccelsimError) as info:
        load_profile(str(path))
    assert needle in str(info.value) and "\n" not in str(info.value)
