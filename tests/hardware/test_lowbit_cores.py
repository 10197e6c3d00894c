"""SVE2 / AVX-512 core types: binary and ternary rates follow from the vector pipes; the x86 host profile."""
import re

import pytest
import yaml

from accelsim.hardware import load_profile
from accelsim.hardware.core_types import core_type
from accelsim.paths import REPO_ROOT

CORE_TYPES = yaml.safe_load((REPO_ROOT / "hw_profiles" / "core_types.yaml").read_text())["core_types"]
ARMV9 = ["cortex-x2", "cortex-x3", "cortex-x4", "cortex-a510", "cortex-a710", "cortex-a715", "cortex-a720"]


@pytest.mark.parametrize("c", [c for c in CORE_TYPES if "binary" in c["precisions"]], ids=lambda c: c["name"])
def test_low_bit_rates_are_pipes_times_bits_over_instructions(c):
    """binary: EOR + CNT + ADD (3 instructions) per vector; ternary: 7; 'simd_pipes' vectors per cycle."""
    p = c["precisions"]
    assert p["binary"]["macs_per_cycle"] == pytest.approx(c["simd_pipes"] * c["simd_bits"] / 3, abs=0.01)
    assert p["ternary"]["macs_per_cycle"] == pytest.approx(c["simd_pipes"] * c["simd_bits"] / 7, abs=0.01)
    assert "estimate" in p["binary"]["via"] or "estimate" in str(p["binary"])


@pytest.mark.parametrize("name", ARMV9)
def test_armv9_cores_have_128_bit_sve2_and_i8mm(name):
    ct = core_type(name)
    assert ct.isa.startswith("armv9") and ct.sve_bits == 128 and ct.i8mm and ct.dotprod
    assert {"binary", "ternary", "int8"} <= set(ct.precisions)


def test_sapphire_rapids_core_is_avx512_with_vnni_and_popcount_rates():
    ct = core_type("sapphire-rapids")
    assert ct.simd_bits == 512 and ct.sve_bits is None and ct.isa == "x86-64-v4"
    assert ct.precisions["int8"].macs_per_cycle == 2 * 512 / 8           # two VPDPBUSD zmm per cycle
    assert ct.precisions["fp32"].macs_per_cycle == 2 * 16                # two 512-bit FMAs


def test_x86_profile_matches_its_core_type_and_cites_every_rate():
    p = load_profile("xeon_sapphire_rapids", calibrated=False)
    cpu = p.unit("cpu")
    ct = core_type(cpu.clusters[0].core)
    assert cpu.lanes * 32 == ct.simd_bits
    for fmt, spec in cpu.precisions.items():
        assert spec.macs_per_cycle == ct.precisions[fmt].macs_per_cycle, fmt
    ids = {s.id for s in p.sources}
    assert all(spec.source in ids for spec in cpu.precisions.values())
    text = (REPO_ROOT / "hw_profiles" / "xeon_sapphire_rapids.yaml").read_text()
    for line in text.splitlines():
        if re.search(r"^\s+(binary|ternary):", line):
            assert "estimate" in line, line


def test_rk3588_npu_int4_is_twice_int8_and_labelled_an_estimate():
    npu = load_profile("rk3588", calibrated=False).unit("npu")
    assert npu.precisions["int4"].macs_per_cycle == 2 * npu.precisions["int8"].macs_per_cycle
    assert npu.array.rows * npu.array.cols == npu.precisions["int8"].macs_per_cycle
    line = next(ln for ln in (REPO_ROOT / "hw_profiles" / "rk3588.yaml").read_text().splitlines()
                if ln.strip().startswith("int4:"))
    assert "estimate" in line
