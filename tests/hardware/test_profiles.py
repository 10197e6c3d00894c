"""Profile schema, loader and SCALE-Sim config import."""
import pytest
import yaml

from accelsim.errors import AccelsimError
from accelsim.hardware import available_profiles, load_profile
from tests.helpers import write_scalesim_cfg


def test_generic_npu_loads_and_cites_sources():
    p = load_profile("generic_npu")
    npu = p.unit("npu")
    assert npu.array.rows == 32 and npu.array.cols == 32
    assert npu.precisions["int8"].macs_per_cycle == 1024
    ids = {s.id for s in p.sources}
    assert npu.sources and set(npu.sources) <= ids
    assert "generic_npu" in available_profiles()


def _write(tmp_path, data):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _generic():
    from accelsim.paths import REPO_ROOT
    return yaml.safe_load((REPO_ROOT / "hw_profiles" / "generic_npu.yaml").read_text())


def test_negative_array_size_names_file_field_value(tmp_path):
    data = _generic()
    data["units"][0]["array"]["rows"] = -4
    path = _write(tmp_path, data)
    with pytest.raises(AccelsimError) as err:
        load_profile(path)
    msg = str(err.value)
    assert str(path) in msg and "units[0].array.rows" in msg and "-4" in msg and "greater than 0" in msg
    assert "\n" not in msg


def test_unknown_dataflow_lists_allowed(tmp_path):
    data = _generic()
    data["units"][0]["array"]["dataflow"] = "rs"
    with pytest.raises(AccelsimError, match=r"units\[0\]\.array\.dataflow.*'rs'.*'os', 'ws' or 'is'"):
        load_profile(_write(tmp_path, data))


def test_unknown_field_and_missing_sources(tmp_path):
    data = _generic()
    data["units"][0]["colck_ghz"] = 1.0
    with pytest.raises(AccelsimError, match="colck_ghz.*unknown field"):
        load_profile(_write(tmp_path, data))
    data = _generic()
    data["sources"] = []
    with pytest.raises(AccelsimError, match="sources"):
        load_profile(_write(tmp_path, data))


def test_bad_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("units: [\n  - name: x\n   bad")
    with pytest.raises(AccelsimError, match="not valid YAML"):
        load_profile(bad)
    with pytest.raises(AccelsimError, match="not found"):
        load_profile(tmp_path / "missing.yaml")
    with pytest.raises(AccelsimError, match="known profiles"):
        load_profile("no_such_chip")


def test_scalesim_cfg_import(tmp_path):
    p = load_profile(write_scalesim_cfg(tmp_path / "a.cfg", 16, 8, "is", sram_kb=128))
    u = p.unit()
    assert (u.array.rows, u.array.cols, u.array.dataflow) == (16, 8, "is")
    assert u.sram.ifmap_bytes == 128 * 1024
    assert p.dram.unlimited
    p = load_profile(write_scalesim_cfg(tmp_path / "b.cfg", 16, 8, "ws", bandwidth=10))
    assert p.dram.bandwidth_gbps == 10


def test_scalesim_cfg_v1_keys(tmp_path):
    """SCALE-Sim v1 configs spell the SRAM sizes without 'kB' and have no run_presets."""
    path = tmp_path / "v1.cfg"
    path.write_text("[general]\nrun_name = \"x\"\n\n[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\n"
                    "IfmapSramSz: 512\nFilterSramSz: 512\nOfmapSramSz: 256\nIfmapOffset: 0\n"
                    "FilterOffset: 10000000\nOfmapOffset: 20000000\nDataflow: os\n")
    u = load_profile(path).unit()
    assert u.array.dataflow == "os" and u.sram.ofmap_bytes == 256 * 1024


def test_scalesim_cfg_errors(tmp_path):
    path = write_scalesim_cfg(tmp_path / "c.cfg", 8, 8, "ws")
    path.write_text(path.read_text().replace("Dataflow = ws", "Dataflow = xs"))
    with pytest.raises(AccelsimError, match="Dataflow.*'xs'.*os, ws, is"):
        load_profile(path)
    path.write_text(path.read_text().replace("ArrayHeight = 8", "ArrayHeight = -1"))
    with pytest.raises(AccelsimError, match="ArrayHeight.*-1"):
        load_profile(path)
    garbage = tmp_path / "g.cfg"
    garbage.write_text("this is not ini")
    with pytest.raises(AccelsimError, match="g.cfg"):
        load_profile(garbage)
