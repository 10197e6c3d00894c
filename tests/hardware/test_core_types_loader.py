"""Core-types loader (hw_profiles/core_types.yaml format) and clusters that name a core type."""
from __future__ import annotations

import pytest
import yaml

from accelsim.errors import AccelsimError
from accelsim.hardware.core_types import core_type, core_types
from accelsim.hardware.schema import Unit
from accelsim.runtime import load_runtime
from accelsim.runtime.cost import arithmetic_format
from accelsim.runtime.placement import place

DATA = {
    "sources": [{"id": "swog", "title": "Arm Software Optimization Guide"}],
    "core_types": [
        {"name": "cortex-a76", "aliases": ["kryo485-gold"], "isa": "armv8.2-a", "issue_width": 4, "simd_pipes": 2,
         "fp16_arith": True, "dotprod": True, "l1d_bytes": 65536, "l2_bytes": 262144,
         "precisions": {"fp32": {"macs_per_cycle": 8, "source": "swog"}, "fp16": {"macs_per_cycle": 16},
                        "int8": {"macs_per_cycle": 32}}, "sources": ["swog"]},
        {"name": "cortex-a53", "isa": "armv8-a", "issue_width": 2, "simd_pipes": 1,
         "precisions": {"fp32": {"macs_per_cycle": 2}, "int8": {"macs_per_cycle": 8}}, "sources": ["swog"]},
    ],
}


@pytest.fixture
def ct_file(tmp_path, monkeypatch):
    path = tmp_path / "core_types.yaml"
    path.write_text(yaml.safe_dump(DATA))
    monkeypatch.setattr("accelsim.hardware.core_types.CORE_TYPES_FILE", path)
    return path


def test_lookup_by_name_and_alias(ct_file):
    assert core_type("Kryo485-Gold").name == "cortex-a76"
    assert core_types()["cortex-a53"].precisions["fp32"].macs_per_cycle == 2
    with pytest.raises(AccelsimError, match="core type 'cortex-z9' not found"):
        core_type("cortex-z9")


def test_unknown_source_is_an_error(tmp_path):
    bad = {**DATA, "core_types": [{**DATA["core_types"][1], "sources": ["nope"]}]}
    path = tmp_path / "ct.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(AccelsimError, match="unknown source ids"):
        core_types(path)


def _unit():
    return Unit(name="cpu", kind="cpu", cost_model="simd", clock_ghz=2.0, lanes=4,
                precisions={"fp32": {"macs_per_cycle": 8}, "fp16": {"macs_per_cycle": 16}},
                clusters=[{"name": "little", "core": "cortex-a53", "count": 4, "clock_ghz": 1.4},
                          {"name": "big", "core": "cortex-a76", "count": 2, "clock_ghz": 2.0}])


def test_clusters_take_core_type_rates_and_fp16(ct_file):
    unit = _unit()
    big = place(unit, 2, "big")          # the faster cluster, wherever it is listed
    assert [c.core.name for c in big.cores] == ["cortex-a76"] * 2
    little = place(unit, 4, "little")
    assert [c.core.name for c in little.cores] == ["cortex-a53"] * 4
    assert little.cores[0].macs_per_cycle(unit, "fp32") == 2
    ncnn = load_runtime("ncnn")
    from accelsim.workload import load_workload
    info = next(iter(load_workload("mobilenet_v1").with_precision("fp32")))
    assert arithmetic_format(info, unit, ncnn, big) == "fp16"        # A76 has Armv8.2 FP16 arithmetic
    assert arithmetic_format(info, unit, ncnn, little) == "fp32"     # A53 does not


def test_repo_core_types_load_and_every_cluster_core_exists():
    from accelsim.hardware import available_profiles, load_profile
    table = core_types()
    assert {"cortex-a53", "cortex-a76", "carmel", "denver2"} <= {c.name for c in table.values()}
    for name in available_profiles():
        for unit in load_profile(name, calibrated=False).units:
            for cl in unit.clusters or []:
                if cl.core:
                    assert core_type(cl.core).name, (name, cl.name)


def test_calibration_key_is_the_core_family_of_the_pacing_core(ct_file):
    """Factors are shared by SIMD datapath class (ISA, pipes x bits, SDOT), hand-read from the file above."""
    from accelsim.runtime.cost import factor_key
    unit = _unit()
    ncnn = load_runtime("ncnn")
    assert core_type("cortex-a76").family == "armv8.2-a-2x128-dot"
    assert core_type("cortex-a53").family == "armv8-a-1x128"
    assert factor_key(ncnn, unit, place(unit, 2, "big")) == "ncnn/armv8.2-a-2x128-dot"
    # all cores under a static schedule: the little A53 sets the pace, so its family keys the factors
    assert factor_key(ncnn, unit, place(unit, 6, "all")) == "ncnn/armv8-a-1x128"


def test_real_core_types_sharing_a_datapath_share_a_family():
    """Cortex-A78AE (Orin only) and Cortex-A76 share a key; Carmel (no SDOT) and Cortex-A55 (one pipe) do not."""
    real = core_types()
    assert real["cortex-a78ae"].family == real["cortex-a76"].family == real["kryo485-gold"].family
    assert real["kryo"].family == real["cortex-a72"].family == real["cortex-a57"].family
    assert real["carmel"].family != real["cortex-a76"].family
    assert real["cortex-a55"].family != real["cortex-a76"].family
