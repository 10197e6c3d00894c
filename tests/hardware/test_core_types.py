"""hw_profiles/core_types.yaml (CPU core types described once) and the chip profiles written from spec sheets."""
from __future__ import annotations

import re

import pytest
import yaml

import accelsim
from accelsim.hardware import available_profiles, load_profile
from accelsim.paths import REPO_ROOT

CORE_TYPES = yaml.safe_load((REPO_ROOT / "hw_profiles" / "core_types.yaml").read_text())
CORES = {c["name"]: c for c in CORE_TYPES["core_types"]}
ALIASES = {a: c["name"] for c in CORE_TYPES["core_types"] for a in c.get("aliases", [])}
KEYS = {"name", "aliases", "isa", "issue_width", "simd_pipes", "simd_bits", "fp16_arith", "dotprod", "sve_bits", "i8mm", "l1d_bytes",
        "l2_bytes", "precisions", "sources"}
REQUIRED = ["cortex-a53", "cortex-a55", "cortex-a57", "cortex-a72", "cortex-a73", "cortex-a75", "cortex-a76",
            "cortex-a77", "cortex-a78", "cortex-a78ae", "cortex-x1", "cortex-x2", "cortex-x3", "cortex-x4",
            "cortex-a510", "cortex-a710", "cortex-a715", "cortex-a720", "carmel", "denver2", "cortex-a35"]
NEW_PROFILES = ["raspberrypi4", "rk3399", "rk3568", "rk3566", "snapdragon810", "jetson_tx2_nx", "snapdragon855plus", "a311d",
                "snapdragon660", "snapdragon821", "snapdragon410", "raspberrypi3", "raspberrypi_zero2", "snapdragon765g",
                "snapdragon675", "xeon_sapphire_rapids",
                # held-back devices: spec sheets only
                "snapdragon888", "snapdragon8gen2", "dimensity9300", "rk3588", "raspberrypi5", "jetson_orin_nano"]


def core(name: str) -> dict:
    return CORES[ALIASES.get(name, name)]


def test_core_types_cover_the_required_cores_in_the_fixed_format():
    assert set(REQUIRED) <= set(CORES)
    ids = {s["id"] for s in CORE_TYPES["sources"]}
    assert all(s["title"] and s["url"].startswith("https://") for s in CORE_TYPES["sources"])
    names = list(CORES) + list(ALIASES)
    assert len(names) == len(set(names)), "a core name or alias is used twice"
    for c in CORE_TYPES["core_types"]:
        assert set(c) <= KEYS and KEYS - {"aliases", "sve_bits", "i8mm"} <= set(c), c["name"]
        assert c["name"] == c["name"].lower()
        assert set(c["sources"]) <= ids
        for prec, spec in c["precisions"].items():
            assert spec["source"] in ids and spec["via"] and spec["macs_per_cycle"] > 0, (c["name"], prec)


@pytest.mark.parametrize("name", sorted(CORES))
def test_rates_follow_from_pipes_and_features(name):
    """fp32 MACs = pipes x 128-bit lanes (4) for full-width pipes; fp16 exists exactly with Armv8.2 FP16
    arithmetic and doubles fp32; SDOT cores do 4 int8 MACs per fp32 lane, the others at least fp32."""
    c = CORES[name]
    p = {k: v["macs_per_cycle"] for k, v in c["precisions"].items()}
    if c["simd_bits"] == 128 and name != "cortex-a510":
        assert p["fp32"] == c["simd_pipes"] * 4
    assert ("fp16" in p) == c["fp16_arith"]
    if c["fp16_arith"]:
        assert p["fp16"] == 2 * p["fp32"]
    if c["dotprod"]:
        assert p["int8"] == 4 * p["fp32"]
    else:
        assert p["int8"] >= p["fp32"]
    assert c["l1d_bytes"] >= 16384 and (c["l2_bytes"] is None or c["l2_bytes"] >= 131072)


def test_every_ncnn_soc_has_a_profile():
    """Every soc of ncnn's calibration table (tests/data/ncnn_socs.txt) loads by name."""
    with open(REPO_ROOT / "tests" / "data" / "ncnn_socs.txt") as f:
        socs = {line.strip() for line in f if line.strip()}
    assert socs <= set(available_profiles())


def test_core_types_file_is_not_listed_as_a_profile():
    assert "core_types" not in available_profiles()
    assert set(NEW_PROFILES) <= set(available_profiles())


@pytest.mark.parametrize("chip", NEW_PROFILES)
def test_new_profile_loads_cites_sources_and_uses_known_cores(chip):
    p = load_profile(chip, calibrated=False)
    ids = {s.id for s in p.sources}
    assert p.process_nm and p.dram.bandwidth_gbps and p.dram.energy_pj_per_byte > 0
    cpu = p.unit("cpu")
    assert cpu.clusters and all(c.core for c in cpu.clusters)
    big = core(cpu.clusters[0].core)
    for prec, spec in cpu.precisions.items():   # the unit's table is the first (big) cluster's core type
        assert spec.macs_per_cycle == big["precisions"][prec]["macs_per_cycle"], prec
    for cl in cpu.clusters:
        rate = core(cl.core)["precisions"]["fp32"]["macs_per_cycle"]
        assert cl.macs_scale == pytest.approx(rate / big["precisions"]["fp32"]["macs_per_cycle"])
    for u in p.units:
        assert set(u.sources) <= ids
        assert all(spec.source in ids for spec in u.precisions.values())
    text = (REPO_ROOT / "hw_profiles" / f"{chip}.yaml").read_text()
    for line in text.splitlines():   # every hardware figure says where it comes from or that it is an estimate
        if re.search(r"^\s+(clock_ghz|lanes|cores|bandwidth_gbps|size_bytes|latency_ns|array):", line) or \
                line.strip().startswith("- {name:"):
            assert "source" in line or "estimate" in line or "(" in line.split("#", 1)[-1], line


@pytest.mark.parametrize("chip", NEW_PROFILES)
def test_new_profile_runs_every_unit(chip):
    p = load_profile(chip)
    for u in p.units:
        prec = next(f for f in ("int8", "fp16", "fp32") if f in u.precisions)
        r = accelsim.simulate(chip, "mobilenet_v2", unit=u.name, precision=prec)
        assert 0.05 < r.latency_ms < 5000 and r.energy_mj > 0


@pytest.mark.parametrize("chip", available_profiles())
def test_every_profile_loads_and_its_cluster_cores_exist(chip):
    p = load_profile(chip, calibrated=False)
    for u in p.units:
        for cl in u.clusters or []:
            assert cl.core is None or cl.core in CORES or cl.core in ALIASES, (chip, cl.name, cl.core)
