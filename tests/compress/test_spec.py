"""The --compress grammar: parsing, canonical specs, composition from Python, lineage, errors."""
import pytest

from accelsim.compress import (Pipeline, apply_spec, compose, distill, factorize, hash_weights, parse_spec, prune,
                               quantize, separable)
from accelsim.errors import AccelsimError
from accelsim.workload import load_workload

SPECS = {
    "prune=0.7,quant=int8": prune(0.7) | quantize("int8"),
    "prune=2:4": prune("2:4"),
    "prune=channels:0.5": prune(channels=0.5),
    "prune=0.9,format:csr,layers:fc6|fc7": prune(0.9, format="csr", layers=["fc6", "fc7"]),
    "quant=binary,a:int8,edges:same,@fc*:int8": quantize("binary", "int8", edges="same", overrides={"fc*": "int8"}),
    "factorize=rank:16": factorize(16),
    "factorize=energy:0.9,alpha:2.5": factorize(energy=0.9, alpha=2.5),
    "factorize=ratio:0.25,layers:fc*": factorize(ratio=0.25, layers="fc*"),
    "hash=0.125": hash_weights(0.125),
    "hash=buckets:4096,ops:4": hash_weights(buckets=4096, ops=4),
    "separable": separable(),
    "distill=width:0.5,depth:0.5,resolution:160": distill(width=0.5, depth=0.5, resolution=160),
    "distill=width:0.5,quant=int8,separable": compose([distill(width=0.5), quantize("int8"), separable()]),
}


@pytest.mark.parametrize("spec", SPECS)
def test_spec_parses_to_the_python_transforms_and_back(spec):
    pipeline = parse_spec(spec)
    assert isinstance(pipeline, Pipeline)
    assert pipeline == compose([SPECS[spec]])
    assert pipeline.spec() == spec
    assert parse_spec(pipeline.spec()) == pipeline


def test_none_is_the_identity():
    wl = load_workload("alexnet")
    assert parse_spec("none") == Pipeline(()) and parse_spec("None").spec() == "none"
    same = apply_spec("alexnet", "none")
    assert same.to_dict() == wl.to_dict() and same.lineage == ()


def test_aliases_and_spacing():
    assert parse_spec(" quantize = int8 , prune = sparsity:0.5 ") == quantize("int8") | prune(0.5)
    assert parse_spec("lowrank=rank:8,hashednets=0.5") == factorize(8) | hash_weights(0.5)


def test_apply_spec_equals_python_composition_and_keeps_lineage():
    wl = load_workload("mobilenet_v1")
    by_spec = apply_spec(wl, "prune=0.7,quant=int4")
    by_api = (prune(0.7) | quantize("int4"))(wl)
    assert by_spec.to_dict() == by_api.to_dict()
    steps = [s.to_dict() for s in by_spec.lineage]
    assert [s["transform"] for s in steps] == ["prune", "quant"]
    assert steps[0]["params"]["sparsity"] == 0.7 and steps[1]["params"]["weights"] == "int4"
    assert steps[0]["spec"] == "prune=0.7" and "pw13" in steps[0]["layers"]
    assert wl.lineage == ()                          # the input is not modified
    again = apply_spec(by_spec, "hash=0.5")
    assert [s.transform for s in again.lineage] == ["prune", "quant", "hash"]
    assert by_spec.to_dict()["lineage"][1]["transform"] == "quant"


@pytest.mark.parametrize("spec,needle", [
    ("prune=1.5", "sparsity: got 1.5"),
    ("quant=int3", "got 'int3'; allowed formats"),
    ("quant=int8,a:float8", "got 'float8'"),
    ("quant=int8,@fc8:uint2", "got 'uint2'"),
    ("factorize=rank:5000", "rank: got 5000; larger than every layer"),
    ("factorize=rank:-3", "rank: got -3"),
    ("shrink=0.5", "unknown transform 'shrink'"),
    ("0.5", "does not start with a transform"),
    ("prune=0.5,bogus:1", "unknown option 'bogus:1'"),
    ("prune=0.5,,quant=int8", "empty item"),
    ("prune=0.5,layers:nope", "pattern 'nope' matches no layer"),
    ("hash=buckets:many", "buckets: got 'many'"),
    ("distill=width:0", "width: got 0.0"),
    ("", "give transforms like"),
])
def test_invalid_specs_are_one_line_errors(spec, needle):
    with pytest.raises(AccelsimError) as err:
        apply_spec(load_workload("alexnet"), spec)
    msg = str(err.value)
    assert needle in msg and "\n" not in msg
