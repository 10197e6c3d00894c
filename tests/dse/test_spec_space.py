"""Sweep specs (validation, one-line errors), profile paths and the expansion into design points."""
from pathlib import Path

import pytest
import yaml

from accelsim.cli import main
from accelsim.dse.profile_fields import apply_overrides, check_paths, field_adapter, get_field
from accelsim.dse.space import design_points, hardware_points
from accelsim.dse.spec import SweepSpec, check_spec, load_spec
from accelsim.errors import AccelsimError
from accelsim.hardware import load_profile

GOOD = {"workloads": ["tiny_cnn"], "parameters": {"units.npu.array.rows": [8, 16], "dram.bandwidth_gbps": [10, 20]}}


def _write(tmp_path, data, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def test_profile_paths_walk_lists_by_name():
    prof = load_profile("generic_npu")
    data = prof.model_dump()
    assert get_field(data, "units.npu.array.rows") == 32
    assert get_field(data, "units.0.precisions.fp16.macs_per_cycle") == 512
    assert get_field(data, "sources.horowitz2014.title").startswith("M. Horowitz")
    varied = apply_overrides(prof, {"dram.bandwidth_gbps,units.npu.clock_ghz": 2, "units.npu.array.dataflow": "os"})
    assert varied.dram.bandwidth_gbps == 2.0 and varied.unit().clock_ghz == 2.0 and varied.unit().array.dataflow == "os"
    assert prof.dram.bandwidth_gbps == 34.1   # the base is untouched


@pytest.mark.parametrize("path,needle", [
    ("units.npu.array.rowz", "has no field 'rowz'; it has: rows, cols, dataflow"),
    ("units.gpu.clock_ghz", "units has no entry 'gpu'; entries: npu"),
    ("units.npu.array", "is a group of fields"),
    ("dram..bandwidth_gbps", "not a dotted path"),
])
def test_bad_paths_are_named(path, needle):
    with pytest.raises(AccelsimError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        check_paths(load_profile("generic_npu"), [path])


def test_bad_override_values_name_the_field():
    with pytest.raises(AccelsimError, match=r"array.rows: got 0; Input should be greater than 0"):
        apply_overrides(load_profile("generic_npu"), {"units.npu.array.rows": 0})


@pytest.mark.parametrize("path,value", [("units.npu.array.rows", "24"), ("units.npu.array.rows", 2.5),
                                        ("dram.bandwidth_gbps", None), ("units.npu.array.dataflow", "rs"),
                                        ("units.npu.sram.double_buffered", "no"), ("dram.latency_ns", -1)])
def test_single_field_validation_equals_whole_profile_validation(path, value):
    prof = load_profile("generic_npu")
    try:
        expected = get_field(apply_overrides(prof, {path: value}).model_dump(), path)
    except AccelsimError:
        expected = "invalid"
    try:
        got = field_adapter(path).validate_python(value)
    except Exception:  # noqa: BLE001
        got = "invalid"
    assert got == expected


def test_grid_and_random_expansion(tmp_path):
    spec = load_spec(_write(tmp_path, {**GOOD, "workloads": ["tiny_cnn", {"name": "mobilenet_v1", "resolution": 128}],
                                       "compression": ["none", "prune=0.5"]}))
    prof = load_profile("generic_npu")
    points = design_points(spec, prof)
    assert len(points) == 2 * 2 * 2 * 2
    assert points[0].workload == "tiny_cnn"
    assert {p.workload_label for p in points} == {"tiny_cnn", "mobilenet_v1(resolution=128)"}
    assert len({p.key for p in points}) == len(points)
    assert [p.key for p in design_points(spec, prof)] == [p.key for p in points]   # stable across runs
    other = apply_overrides(prof, {"units.npu.static_power_mw": 5.0})
    assert not {p.key for p in design_points(spec, other)} & {p.key for p in points}  # a changed profile

    rnd = SweepSpec(parameters={"units.npu.array.rows": {"range": [4, 256], "scale": "log", "integer": True},
                                "dram.bandwidth_gbps": {"range": [1.0, 100.0]}, "units.npu.array.dataflow": ["os", "ws"]},
                    sampling={"mode": "random", "samples": 200, "seed": 3})
    a, b = hardware_points(rnd), hardware_points(rnd)
    assert a == b and len(a) == 200
    assert all(4 <= p["units.npu.array.rows"] <= 256 and isinstance(p["units.npu.array.rows"], int) for p in a)
    assert all(1.0 <= p["dram.bandwidth_gbps"] <= 100.0 for p in a)
    assert {p["units.npu.array.dataflow"] for p in a} == {"os", "ws"}
    reseeded = hardware_points(rnd.model_copy(update={"sampling": rnd.sampling.model_copy(update={"seed": 4})}))
    assert reseeded != a
    grid = SweepSpec(parameters={"units.npu.array.rows": {"range": [8, 64], "num": 4, "scale": "log",
                                                          "integer": True}})
    assert [p["units.npu.array.rows"] for p in hardware_points(grid)] == [8, 16, 32, 64]


def test_duplicate_points_are_evaluated_once():
    spec = SweepSpec(workloads=["tiny_cnn"], parameters={"units.npu.array.rows": [8, 8, 16]})
    assert len(design_points(spec, load_profile("generic_npu"))) == 2


def test_workload_files_are_found_next_to_the_spec(tmp_path):
    (tmp_path / "net.yaml").write_text((Path(__file__).resolve().parents[2] / "workloads" / "tiny_cnn.yaml"
                                        ).read_text())
    spec = load_spec(_write(tmp_path, {"workloads": ["net.yaml"]}))
    assert design_points(spec, load_profile("generic_npu"))[0].workload == str(tmp_path / "net.yaml")


@pytest.mark.parametrize("data,needle", [
    ({"workloadz": ["tiny_cnn"]}, "workloadz: got ['tiny_cnn']; unknown field"),
    ({"parameters": {"units.npu.array.rowz": [1]}}, "parameters: 'units.npu.array.rowz': units.npu.array has no "
                                                     "field 'rowz'"),
    ({"parameters": {"units.npu.array.rows": {"range": [4, 64]}}}, "a range in a grid sweep needs 'num'"),
    ({"parameters": {"units.npu.array.rows": []}}, "has no values"),
    ({"sampling": {"mode": "random"}}, "random sampling needs 'samples'"),
    ({"sampling": {"mode": "latin"}}, "sampling.mode: got 'latin'; allowed: 'grid' or 'random'"),
    ({"fidelity": "cycle"}, "fidelity: got 'cycle'"),
    ({"workloads": ["nonet"]}, "workloads[0]: workload 'nonet' not found"),
    ({"profile": "nochip"}, "profile: profile 'nochip' not found"),
    ({"unit": "gpu"}, "unit 'gpu' not found"),
    ({"precision": ["int3"]}, "precision[0]: got 'int3'"),
    ({"compression": ["none", "prune:0.5"]}, "compression[1]: --compress: 'prune:0.5' does not start with a "
                                             "transform"),
    ({"compression": ["quant=int3"]}, "compression[0]: --compress 'quant=int3'"),
    ({"objectives": ["latency_ms"]}, "objectives: got ['latency_ms']"),
    ({"parameters": {"dram.bandwidth_gbps": {"range": [0, 10], "num": 3, "scale": "log"}}}, "log scale needs a "
                                                                                             "positive low end"),
    ("name: [unclosed", "not valid YAML"),
    ("- just\n- a list\n", "a sweep spec must be a YAML mapping"),
])
def test_bad_specs_are_one_line_errors_with_exit_code_2(tmp_path, capsys, data, needle):
    path = _write(tmp_path, data)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("accelsim: error:") and needle in err and "\n" not in err, err
    assert not (tmp_path / "out").exists()   # nothing written for a spec that does not load


def test_missing_spec_file(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "nope.yaml: file not found" in capsys.readouterr().err


def test_check_spec_accepts_the_example():
    check_spec(SweepSpec(**GOOD))


def test_the_readme_example_spec_is_valid(tmp_path):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("### Sweeps"):]
    example = section[section.index("```yaml") + len("```yaml"):]
    example = example[:example.index("```")]
    spec = load_spec(_write(tmp_path, example))
    n_points = len(design_points(spec, load_profile("generic_npu")))
    assert spec.name == "npu_space" and n_points == 2 * 3 * 5 * 5 * 7 * 4 * 3   # workloads x compressions x grid
