"""Bad workload YAML files and SCALE-Sim topology CSVs: one-line errors, never a wrong number."""
from __future__ import annotations

import json
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim import simulate
from accelsim.errors import AccelsimError
from accelsim.workload import load_workload
from tests.fuzz.corpus import ROOT, assert_accelsim_error, assert_one_line_error, write

ROOT_PROFILE = ROOT / "hw_profiles" / "generic_npu.yaml"


def wl_file(tmp, layers, inp=(3, 16, 16), **top):
    data = {"name": "w", "input": list(inp), "layers": layers, **top}
    return write(tmp, "w.yaml", yaml.safe_dump(data))


BAD_LAYERS = [
    {"name": "p", "op": "pool", "kernel": 2, "stride": 0},
    {"name": "p", "op": "pool", "kernel": 0},
    {"name": "p", "op": "pool", "kernel": [2, 0]},
    {"name": "p", "op": "pool", "kernel": -2},
    {"name": "p", "op": "pool", "kernel": 99},
    {"name": "p", "op": "pool", "kernel": True},
    {"name": "p", "op": "pool", "padding": -1},
    {"name": "p", "op": "pool", "kind": "median"},
    {"name": "c", "op": ["conv"], "out_channels": 3, "kernel": 1},
    {"name": "c", "op": {"a": 1}, "out_channels": 3, "kernel": 1},
    {"name": "c", "op": None},
    {"name": "c", "op": "conv", "out_channels": 10 ** 9, "kernel": 1},
    {"name": "c", "op": "conv", "out_channels": 2 ** 63, "kernel": 1},
    {"name": "c", "op": "conv", "out_channels": True, "kernel": 1},
    {"name": "c", "op": "conv", "out_channels": 0, "kernel": 1},
    {"name": "c", "op": "conv", "out_channels": -4, "kernel": 1},
    {"name": "c", "op": "conv", "out_channels": 4.5, "kernel": 1},
    {"name": "c", "op": "conv", "out_channels": "4x", "kernel": 1},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 0},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 3, "stride": 0},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 3, "dilation": 0},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 3, "groups": 0},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 3, "groups": 3},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 3, "padding": 10 ** 9},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": [1, 2, 3]},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 3, "stride": [True, 1]},
    {"name": "c", "op": "conv", "out_channels": 4},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 1, "wat": 1},
    {"name": "c", "op": "conv", "out_channels": 4, "kernel": 1, "inputs": ["nope"]},
    {"name": ["c"], "op": "conv", "out_channels": 4, "kernel": 1},
    {"name": "f", "op": "fc", "out_features": 0},
    {"name": "f", "op": "fc", "out_features": 10 ** 12},
    {"name": "f", "op": "fc", "out_features": math.inf},
    {"name": "a", "op": "adaptive_pool", "output_size": 0},
    {"name": "l", "op": "lstm", "hidden_size": 0},
    {"name": "l", "op": "lstm", "hidden_size": 10 ** 7},
    {"name": "u", "op": "upsample", "scale": 0},
    {"name": "u", "op": "upsample", "scale": 10 ** 6},
    {"name": "a", "op": "add"},
    {"name": "x", "op": "concat"},
    "not a mapping",
    ["a", "list"],
]


@pytest.mark.parametrize("layer", BAD_LAYERS, ids=lambda x: json.dumps(x, default=str)[:60])
def test_bad_layer_is_one_line_error(tmp_path, layer):
    assert_one_line_error(["workloads", wl_file(tmp_path, [layer])])


BAD_TOP = [
    {"input": [0, 16, 16]}, {"input": [3, 16]}, {"input": [3, True, 16]}, {"input": [10 ** 9, 10 ** 5, 10 ** 5]},
    {"input": [3, 16.5, 16]}, {"input": "3x16x16"}, {"input": {"a": [3, 0, 1]}}, {"input": {1: [3, 8, 8]}},
    {"name": ["w"]}, {"name": {"a": 1}}, {"precision": "int7"}, {"precision": ["int8"]}, {"description": [1, 2]},
    {"layers": []}, {"layers": "conv"}, {"layers": None}, {"extra": 1}, {1: 2},
]


@pytest.mark.parametrize("top", BAD_TOP, ids=lambda x: json.dumps(x, default=str)[:60])
def test_bad_top_level_is_one_line_error(tmp_path, top):
    data = {"name": "w", "input": [3, 16, 16], "layers": [{"name": "c", "op": "conv", "out_channels": 4,
                                                            "kernel": 1}]}
    data.update(top)
    assert_one_line_error(["workloads", write(tmp_path, "w.yaml", yaml.safe_dump(data))])


def test_workload_shapes_beyond_the_limits_are_refused_before_costing(tmp_path):
    big = [{"name": f"c{i}", "op": "conv", "out_channels": 1 << 20, "kernel": 1} for i in range(2)]
    line = assert_one_line_error(["run", "--workload", wl_file(tmp_path, big, inp=(3, 256, 256))])
    assert "exceed" in line or "limit" in line


def test_layer_count_limit(tmp_path, monkeypatch):
    from accelsim import limits
    monkeypatch.setattr(limits, "MAX_LAYERS", 3)
    layers = [{"name": f"a{i}", "op": "act", "kind": "relu"} for i in range(4)]
    assert "4 layers exceed" in assert_one_line_error(["workloads", wl_file(tmp_path, layers)])


CSV_HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
BAD_CSV = [
    "conv1, 224, 224, 3, 3, 3, 64, 1,\n",                              # no header: would lose a layer
    CSV_HEADER + "conv1, 224, 224, 3, 3, 3, 64, 0,\n",
    CSV_HEADER + "conv1, 224, 224, 3, 3, 3, 0, 1,\n",
    CSV_HEADER + "conv1, 224, 224, 300, 3, 3, 64, 1,\n",
    CSV_HEADER + "conv1, inf, 224, 3, 3, 3, 64, 1,\n",
    CSV_HEADER + "conv1, 1e9, 224, 3, 3, 3, 64, 1,\n",
    CSV_HEADER + "conv1, 1000000000, 224, 3, 3, 3, 64, 1,\n",
    CSV_HEADER + "conv1, 224, 224, 3, 3, 3, 99999999999, 1,\n",
    CSV_HEADER + "conv1, 224, 224, 3, 3, 3\n",
    CSV_HEADER + "conv1, -224, 224, 3, 3, 3, 64, 1,\n",
    CSV_HEADER,
    "",
    "\x00\x01binary",
]


@pytest.mark.parametrize("text", BAD_CSV, ids=range(len(BAD_CSV)))
def test_bad_scalesim_csv(tmp_path, text):
    assert_one_line_error(["run", "--workload", write(tmp_path, "topo.csv", text)])


YAML_BOMB = "\n".join([
    "a: &a [x, x, x, x, x, x, x, x, x]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]",
    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]"])


@pytest.mark.parametrize("where", ["description", "layer_field", "name", "profile_description", "stream", "sweep"])
def test_yaml_alias_bombs_refused_at_load(tmp_path, where):
    """Anchor bombs anywhere (even where a message would repr them) are refused before anything walks them."""
    layer = "{name: c, op: conv, out_channels: *h, kernel: 1}" if where == "layer_field" else \
        "{name: c, op: conv, out_channels: 4, kernel: 1}"
    if where in ("description", "layer_field", "name"):
        key = "description: *h\n" if where == "description" else ("name: *h\n" if where == "name" else "name: w\n")
        path = write(tmp_path, "bomb.yaml", YAML_BOMB + "\n" + key + f"input: [3, 8, 8]\nlayers:\n  - {layer}\n")
        argv = ["workloads", path]
    elif where == "profile_description":
        path = write(tmp_path, "bomb.yaml", YAML_BOMB + "\ndescription: *h\n")
        argv = ["run", "--profile", path]
    elif where == "stream":
        path = write(tmp_path, "bomb.yaml", YAML_BOMB + "\nstreams: *h\n")
        argv = ["stream", "--spec", path]
    else:
        path = write(tmp_path, "bomb.yaml", YAML_BOMB + "\nworkloads: *h\n")
        argv = ["sweep", path, "--out", tmp_path / "o"]
    assert "ACCELSIM_MAX_YAML_NODES" in assert_one_line_error(argv)


def test_recursive_alias_refused(tmp_path):
    path = write(tmp_path, "rec.yaml", "a: &a [1, *a]\nname: w\ninput: [3, 8, 8]\nlayers: *a\n")
    assert "refers to itself" in assert_one_line_error(["workloads", path])


def test_yaml_node_limit_can_be_raised(tmp_path, monkeypatch):
    text = "\n".join(YAML_BOMB.splitlines()[:3]) + "\nname: w\ninput: [3, 8, 8]\nlayers:\n" \
           "  - {name: c, op: conv, out_channels: 4, kernel: 1}\n"
    path = write(tmp_path, "w.yaml", text)
    monkeypatch.setenv("ACCELSIM_MAX_YAML_NODES", "50")
    assert_one_line_error(["workloads", path], contains="ACCELSIM_MAX_YAML_NODES")
    monkeypatch.setenv("ACCELSIM_MAX_YAML_NODES", "5000")
    with pytest.raises(AccelsimError, match="unknown top-level"):
        load_workload(path)                       # loads; the anchors' keys are not workload fields


VALUE = st.one_of(st.integers(-3, 2 ** 66), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                  st.none(), st.text(max_size=5), st.lists(st.integers(-2, 9), max_size=5))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op=st.sampled_from(["conv", "pool", "fc", "adaptive_pool", "upsample", "lstm", "slice", "pad", "reshape",
                           "shuffle", "act"]),
       field=st.sampled_from(["out_channels", "kernel", "stride", "padding", "dilation", "groups", "out_features",
                              "output_size", "scale", "size", "hidden_size", "steps", "start", "stop", "shape",
                              "kind"]), value=VALUE)
def test_generated_layers(tmp_path, op, field, value):
    """A layer with one generated field: a one-line AccelsimError, or finite results."""
    base = {"conv": {"out_channels": 4, "kernel": 3}, "fc": {"out_features": 4}, "lstm": {"hidden_size": 4},
            "slice": {"stop": 2}, "shuffle": {"groups": 1}, "reshape": {"shape": [3, 8, 8]}}.get(op, {})
    layer = {"name": "x", "op": op, **base, field: value}
    path = wl_file(tmp_path, [layer], inp=(3, 8, 8))
    try:
        wl = load_workload(path)
    except AccelsimError as err:
        assert "\n" not in str(err) and len(str(err)) < 600
        return
    result = simulate("generic_npu", wl)
    json.dumps(result.to_dict(), allow_nan=False)
    assert result.latency_ms >= 0 and result.dram_bytes >= 0 and math.isfinite(result.energy_mj)


def test_api_workload_objects_are_checked_too():
    from accelsim.workload import Workload
    from accelsim.workload.layers import Pool2d
    assert_accelsim_error(Workload, "w", (3, 8, 8), [Pool2d(name="p", kernel=2, stride=0)])
    assert_accelsim_error(Workload, "w", (0, 8, 8), [Pool2d(name="p", kernel=2)])


@pytest.mark.parametrize("case", ["long_name", "deep_nesting", "long_op", "huge_int_literal"])
def test_hostile_yaml_text(tmp_path, case):
    layer = "{name: c, op: conv, out_channels: 4, kernel: 1}"
    desc = ""
    if case == "long_name":
        layer = "{name: " + "n" * 1_000_000 + ", op: conv, out_channels: 0, kernel: 1}"
    elif case == "deep_nesting":
        desc = "description: " + "[" * 100_000 + "]" * 100_000 + "\n"
    elif case == "long_op":
        layer = "{name: c, op: " + "x" * 100_000 + "}"
    else:
        layer = "{name: c, op: conv, out_channels: " + "9" * 5000 + ", kernel: 1}"
    path = write(tmp_path, "w.yaml", f"name: w\ninput: [3, 8, 8]\n{desc}layers: [{layer}]\n")
    assert_one_line_error(["workloads", path])


@pytest.mark.parametrize("where", ["workload_top", "layer", "profile", "stream", "sweep"])
def test_duplicate_yaml_keys_are_refused(tmp_path, where):
    """YAML keeps the last of two equal keys silently; accelsim refuses them (merge keys `<<` still work)."""
    if where == "workload_top":
        text, argv = "name: w\ninput: [3, 8, 8]\ninput: [3, 9, 9]\nlayers: [{name: c, op: conv, out_channels: 4, " \
                     "kernel: 1}]\n", ["workloads"]
    elif where == "layer":
        text, argv = "name: w\ninput: [3, 8, 8]\nlayers: [{name: c, op: conv, out_channels: 4, kernel: 1, " \
                     "kernel: 3}]\n", ["workloads"]
    elif where == "profile":
        text = (ROOT_PROFILE.read_text().replace("    clock_ghz: 1.0", "    clock_ghz: 1.0\n    clock_ghz: 9.0", 1))
        argv = ["run", "--profile"]
    elif where == "stream":
        text, argv = "seconds: 1\nseconds: 2\nstreams: [{workload: tiny_cnn}]\n", ["stream", "--spec"]
    else:
        text, argv = "profile: generic_npu\nprofile: snapdragon855\n", ["sweep"]
    path = write(tmp_path, "d.yaml", text)
    extra = ["--out", tmp_path / "o"] if where == "sweep" else []
    assert "given twice" in assert_one_line_error(argv + [path] + extra)


def test_yaml_merge_keys_still_work(tmp_path):
    from accelsim.yamlio import read_yaml
    path = write(tmp_path, "m.yaml", "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  a: 3\n")
    assert read_yaml(path)["x"] == {"a": 3, "b": 2}
