"""ncnn .param import: every shipped benchmark model against an independent brute-force count and published sizes."""
from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.errors import AccelsimError
from accelsim.workload import load_workload
from accelsim.workload.ncnn_import import workload_from_ncnn
from tests.helpers import NCNN_INT8_CHAIN

MODELS = Path(__file__).resolve().parents[2] / "workloads" / "ncnn"
NAMES = sorted(p.stem for p in MODELS.glob("*.param"))
INPUT_SIZES = {"FastestDet": (352, 352)}   # benchncnn.cpp feeds FastestDet 352 x 352


def _kv(tokens: list[str]) -> dict[str, str]:
    return dict(t.split("=", 1) for t in tokens if "=" in t)


def brute_force_count(path: Path) -> tuple[int, int]:
    """MACs and parameters straight from the text: each weight is used once per output pixel
    (output sizes from the -23330 hints, or from a spatial-size tracker where a file has none)."""
    hw: dict[str, tuple[int, int]] = {}
    macs = params = 0
    for line in path.read_text().splitlines()[2:]:
        t = line.split()
        typ, n_in, n_out = t[0], int(t[2]), int(t[3])
        ins, outs = t[4:4 + n_in], t[4 + n_in:4 + n_in + n_out]
        kv = _kv(t[4 + n_in + n_out:])
        g = lambda k, d=0: int(kv.get(str(k), d))  # noqa: E731
        size = hw.get(ins[0]) if ins else None
        if "-23330" in kv:
            v = [int(x) for x in kv["-23330"].split(",")[1:]]
            size = (v[2], v[1]) if v[0] == 3 else (1, 1)
        elif typ == "Input":
            size = (g(1), g(0)) if g(0) else INPUT_SIZES[path.stem]
        elif typ in ("Convolution", "ConvolutionDepthWise"):
            k, s, p = g(1), g(3, 1), g(4)
            kh, sh, pt = g(11, k), g(13, s), g(14, p)
            size = ((size[0] + pt + g(16, pt) - kh) // sh + 1, (size[1] + p + g(15, p) - k) // s + 1)
        elif typ == "Pooling":
            assert g(5) == 1, "the tracker handles valid-mode pooling only"
            k, s, p = g(1), g(2, 1), g(3)
            kh, sh, pt = g(11, k), g(12, s), g(13, p)
            size = ((size[0] + pt + g(15, pt) - kh) // sh + 1, (size[1] + p + g(14, p) - k) // s + 1)
        elif typ == "Interp":
            size = (int(size[0] * float(kv["1"])), int(size[1] * float(kv["2"])))
        elif typ == "Padding":
            size = (size[0] + g(0) + g(1), size[1] + g(2) + g(3))
        for o in outs:
            hw[o] = size
        if typ in ("Convolution", "ConvolutionDepthWise"):
            macs += g(6) * size[0] * size[1]
            params += g(6) + (g(0) if g(5) else 0)
        elif typ == "DeconvolutionDepthWise":
            macs += g(6) * hw[ins[0]][0] * hw[ins[0]][1]
            params += g(6) + (g(0) if g(5) else 0)
        elif typ == "InnerProduct":
            macs += g(2)
            params += g(2) + (g(0) if g(1) else 0)
        elif typ == "BatchNorm":
            params += 2 * g(0)   # scale and shift per channel (ncnn folds mean and variance into them)
    return macs, params


@pytest.mark.parametrize("name", NAMES)
def test_every_model_matches_a_brute_force_count(name):
    path = MODELS / f"{name}.param"
    wl = load_workload(path)
    macs, params = brute_force_count(path)
    assert wl.macs == macs
    assert wl.params == params
    assert sum(i.macs for i in wl) == wl.macs


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("FastestDet", "blazeface")])
def test_inferred_shapes_equal_the_hints(name):
    """Shape inference alone (hints ignored) gives every shape the file's hints give."""
    path = MODELS / f"{name}.param"
    a, b = load_workload(path), load_workload(path, use_hints=False)
    assert [i.out_shape for i in a] == [i.out_shape for i in b]


def test_all_27_models_and_every_layer_type_are_shipped():
    assert len(NAMES) == 27
    types = {line.split()[0] for n in NAMES for line in (MODELS / f"{n}.param").read_text().splitlines()[2:]}
    assert {"Convolution", "ConvolutionDepthWise", "DeconvolutionDepthWise", "InnerProduct", "Pooling", "LRN",
            "BatchNorm", "PriorBox", "DetectionOutput", "Yolov3DetectionOutput", "YoloDetectionOutput", "Crop",
            "Padding", "Permute", "Interp", "ShuffleChannel", "Slice", "Reshape"} <= types
    assert (MODELS / "LICENSE-ncnn.txt").is_file()


# published multiply-accumulates (and parameters) of the networks these files define
PUBLISHED = {
    "mobilenet": (569e6, 4.2e6),        # Howard et al. 2017, Table 1 (224 x 224)
    "resnet50": (3.8e9, 25.5e6),        # He et al. 2016, Table 1 ("3.8 x 10^9 FLOPs", multiply-adds)
    "resnet18": (1.8e9, 11.7e6),        # He et al. 2016, Table 1
    "vgg16": (15.5e9, 138.4e6),         # widely cited VGG-16 at 224 x 224
    "alexnet": (724e6, 61e6),           # BVLC AlexNet (2-group conv2/4/5, 227 x 227)
    "googlenet": (1.58e9, 7.0e6),       # Szegedy et al. 2015: "1.5 billion multiply-adds"
    "mobilenet_v2": (300e6, 3.5e6),     # Sandler et al. 2018, Table 4
    "shufflenet_v2": (146e6, 2.3e6),    # Ma et al. 2018, 1.0x: 146 MFLOPs (multiply-adds), 2.3 M params
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_sizes(name):
    wl = load_workload(MODELS / f"{name}.param")
    macs, params = PUBLISHED[name]
    assert wl.macs == pytest.approx(macs, rel=0.06)
    assert wl.params == pytest.approx(params, rel=0.03)


def test_int8_models_quantize_exactly_the_mac_layers():
    fp = load_workload(MODELS / "mobilenet.param")
    q = load_workload(MODELS / "mobilenet_int8.param")
    assert fp.precision == q.precision == "fp32"
    assert {i.precision for i in fp} == {"fp32"}
    assert {i.precision for i in q if i.macs} == {"int8"}
    assert {i.precision for i in q if not i.macs} <= {"fp32"}
    assert q.macs == fp.macs


def test_loader_finds_shipped_models_and_cli_option_names():
    wl = load_workload("ncnn/squeezenet.param")
    assert wl.name == "squeezenet" and wl.inputs == {"data": (3, 227, 227)}


HEADER = "7767517\n{n} {b}\nInput data 0 1 data 0=8 1=8 2=4\n"


def test_unknown_layer_is_one_line_error_and_zero_cost_escape():
    text = HEADER.format(n=3, b=3) + "Frobnicate f 1 1 data x\nConvolution c 1 1 x y 0=2 1=1 6=8\n"
    with pytest.raises(AccelsimError, match=r"line 4: Frobnicate 'f': layer type not supported") as e:
        workload_from_ncnn(text, where="m.param")
    assert "\n" not in str(e.value) and "m.param" in str(e.value)
    wl = workload_from_ncnn(text, unknown_ops="zero_cost")
    assert [i.op for i in wl] == ["zero_cost", "conv"]
    assert wl.macs == 2 * 4 * 8 * 8


def test_hand_worked_small_model():
    """Conv 3x3 s2 SAME (-233), a pool in ceil mode, a 2-group conv, an int8 FC: counted by hand."""
    text = HEADER.format(n=5, b=5) + (
        "Convolution c1 1 1 data a 0=6 1=3 3=2 4=-233 5=1 6=216\n"       # 8x8 -> 4x4 x 6 ch
        "Pooling p 1 1 a b 0=0 1=3 2=2\n"                                   # ceil((4-3)/2)+1 = 2
        "ConvolutionDepthWise c2 1 1 b c 0=4 1=1 6=12 7=2\n"               # 2 groups of 3 -> 2
        "InnerProduct fc 1 1 c d 0=10 1=1 2=160 8=1\n")
    wl = workload_from_ncnn(text)
    assert [i.out_shape for i in wl] == [(6, 4, 4), (6, 2, 2), (4, 2, 2), (10, 1, 1)]
    assert wl.macs == 4 * 4 * 6 * 3 * 3 * 4 + 2 * 2 * 4 * 3 + 16 * 10
    assert wl.params == 216 + 6 + 12 + 160 + 10
    assert wl["fc"].precision == "int8" and wl["c1"].precision == "fp32"


@pytest.mark.parametrize("text, match", [
    ("7767518\n1 1\n", "not an ncnn text .param"),
    ("7767517\nx\n", "line 2"),
    ("7767517\n2 2\nInput data 0 1 data 0=8 1=8 2=4\n", "declares 2 layers"),
    (HEADER.format(n=2, b=2) + "ReLU r 1 1 nope y\n", "reads blob 'nope'"),
    (HEADER.format(n=2, b=2) + "Convolution c 1 1 data y 0=2 1=1 -23330=4,3,9,9,2\n", "shape hint"),
    (HEADER.format(n=2, b=2) + "Convolution c 1 1 data y 1=3\n", "line 4: Convolution 'c': key 0: got None"),
    (HEADER.format(n=2, b=2) + "Convolution c 1 1 data y 0=2 1=x\n", "line 4: malformed layer line"),
    (HEADER.format(n=2, b=2) + "Pooling p 1 1 data y 0=0 1=9 2=1 5=1\n", "line 4: Pooling 'p': pool window"),
])
def test_bad_files_are_one_line_errors(text, match):
    with pytest.raises(AccelsimError, match=match) as e:
        workload_from_ncnn(text, where="m.param")
    assert "\n" not in str(e.value)


def test_input_shape_option_reinfers_every_shape():
    wl = load_workload(MODELS / "mobilenet.param", input_shape=(3, 160, 160))
    assert wl.macs == pytest.approx(569e6 * (160 / 224) ** 2, rel=0.02)
    assert wl["pool6"].out_shape == (1024, 1, 1) and wl["conv6/sep"].out_shape == (1024, 5, 5)


def test_runs_on_a_cpu_profile():
    from accelsim.api import simulate
    result = simulate("snapdragon855", load_workload(MODELS / "resnet18_int8.param"), unit="cpu")
    assert result.latency_ms > 0


def test_cli_runs_a_param_file(capsys):
    from accelsim.cli import main
    assert main(["run", "--profile", "snapdragon855", "--unit", "cpu", "--workload",
                 str(MODELS / "squeezenet_int8.param")]) == 0
    assert "latency" in capsys.readouterr().out


# ---- property test: random conv / pooling chains against ncnn's own size rules, written out here ----
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _ncnn_conv_out(size, k, s, p0, p1, d):
    return (size + p0 + p1 - (d * (k - 1) + 1)) // s + 1


def _ncnn_pool_out(size, k, s, p0, p1, full):
    """ncnn Pooling::make_padding: pad_mode 0 ('full') pads the tail up to a whole stride."""
    tail = (size + p0 + p1 - k) % s if full else 0
    return (size + p0 + p1 + ((s - tail) if tail else 0) - k) // s + 1


layer_spec = st.tuples(st.sampled_from(["conv", "dw", "pool"]), st.integers(1, 3), st.integers(1, 2),
                       st.integers(0, 1), st.integers(0, 1), st.integers(1, 2), st.booleans(), st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(c=st.integers(1, 4), size=st.integers(9, 20), specs=st.lists(layer_spec, min_size=1, max_size=5))
def test_random_chains_follow_ncnn_size_rules(c, size, specs):
    lines, h, w, macs, blob = [f"Input data 0 1 data 0={size + 1} 1={size} 2={c}"], size, size + 1, 0, "data"
    for i, (kind, k, s, p0, p1, d, full, mult) in enumerate(specs):
        if kind == "pool":
            oh, ow = _ncnn_pool_out(h, k, s, p0, p1, full), _ncnn_pool_out(w, k, s, p0, p1, full)
            line = f"Pooling l{i} 1 1 {blob} b{i} 0=0 1={k} 2={s} 3={p0} 14={p1} 13={p0} 15={p1} 5={0 if full else 1}"
        else:
            out = c * mult if kind == "dw" else mult * 2
            groups = c if kind == "dw" else 1
            wsize = out * (c // groups) * k * k
            oh, ow = _ncnn_conv_out(h, k, s, p0, p1, d), _ncnn_conv_out(w, k, s, p0, p1, d)
            typ = "ConvolutionDepthWise" if kind == "dw" else "Convolution"
            line = f"{typ} l{i} 1 1 {blob} b{i} 0={out} 1={k} 2={d} 3={s} 4={p0} 15={p1} 14={p0} 16={p1} 6={wsize}" + \
                (f" 7={groups}" if kind == "dw" else "")
        if oh < 1 or ow < 1:
            break
        if kind != "pool":
            macs += wsize * oh * ow
            c = out
        lines.append(line)
        h, w, blob = oh, ow, f"b{i}"
    text = f"7767517\n{len(lines)} {len(lines)}\n" + "\n".join(lines) + "\n"
    wl = workload_from_ncnn(text)
    assert wl.infos[-1].out_shape[1:] == (h, w) if len(lines) > 1 else True
    assert wl.macs == macs


def test_layer_types_beyond_the_benchmark_models():
    """A small transformer-style file with the issue's other types, counted by hand."""
    lines = [
        "Input x 0 1 x 0=16 1=10",                          # 10 tokens of 16 features: view (10, 16, 1)
        "LayerNorm ln 1 1 x a 0=16 1=1.000000e-05 2=1",      # 32 params
        "MultiHeadAttention mha 1 1 a b 0=16 1=2 2=256",     # self-attention, 2 heads
        "Gemm g 1 1 b c 4=0 5=1 7=10 8=32 9=16",             # x (10 x 16) @ B (16 x 32), B constant
        "GELU gl 1 1 c d",
        "Split sp 1 2 d d1 d2",
        "Sigmoid s 1 1 d1 e",
        "Swish sw 1 1 d2 f",
        "BinaryOp add 2 1 e f g 0=0",
        "HardSwish hs 1 1 g h",
        "HardSigmoid hsg 1 1 h i",
        "Noop n 1 1 i j",
        "Reduction r 1 1 j k 0=3 1=0 -23303=1,1 4=0",        # mean over the 32 features -> 10 values
        "MemoryData md 0 1 m 0=10",
        "BinaryOp mul 2 1 k m o 0=2",
        "Softmax sm 1 1 o p 0=0",
    ]
    wl = workload_from_ncnn(f"7767517\n{len(lines)} 18\n" + "\n".join(lines) + "\n")
    e, t = 16, 10
    mha = 2 * t * e * e + t * (e + e) * e + 2 * t * t * e   # q and output projections, k and v, scores, context
    assert wl.macs == mha + t * e * 32
    assert wl.params == 2 * e + (4 * e * e + 4 * e) + e * 32 + 10
    assert wl["g"].out_shape == (10, 32, 1) and wl["r"].out_shape == (10, 1, 1)
    assert [i.op for i in wl][:4] == ["norm", "attention", "linear", "act"]
    assert wl["mul"].op == "eltwise" and wl["add"].op == "add" and wl["md"].op == "const"
    assert wl["r"].elem_ops == 10 * 32 and wl.infos[-1].out_shape == (10, 1, 1)


def _int8_flags_by_hand(path: Path) -> tuple[set[str], set[str]]:
    """(layers that quantize a float input, layers that run a separate float activation) straight from the text:
    an int8 layer (key 8 nonzero) quantizes unless its input blob, followed back through Split, comes from an int8
    convolution with key 8 > 100 (it requantized); it runs a float activation when it dequantized (key 8 <= 100,
    or any InnerProduct) and key 9 != 0."""
    producer: dict[str, str] = {}
    requantizes: set[str] = set()
    quantize, float_act = set(), set()
    for line in path.read_text().splitlines()[2:]:
        t = line.split()
        typ, name, n_in, n_out = t[0], t[1], int(t[2]), int(t[3])
        ins, outs = t[4:4 + n_in], t[4 + n_in:4 + n_in + n_out]
        kv = _kv(t[4 + n_in + n_out:])
        for o in outs:
            producer[o] = producer[ins[0]] if typ == "Split" else name
        term = int(kv.get("8", 0)) if typ in ("Convolution", "ConvolutionDepthWise", "InnerProduct") else 0
        if term:
            if producer[ins[0]] not in requantizes:
                quantize.add(name)
            if term > 100 and typ != "InnerProduct":   # ncnn's InnerProduct always dequantizes
                requantizes.add(name)
            elif int(kv.get("9", 0)):
                float_act.add(name)
    return quantize, float_act


@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith("_int8")])
def test_int8_layers_that_quantize_their_input_or_dequantize_match_a_hand_trace(name):
    quantize, float_act = _int8_flags_by_hand(MODELS / f"{name}.param")
    wl = load_workload(MODELS / f"{name}.param")
    assert {i.name for i in wl if i.layer.quantize_input} == quantize
    assert {i.name for i in wl if i.layer.float_activation} == float_act
    assert quantize and all(i.precision == "int8" for i in wl if i.layer.quantize_input)


def test_int8_quantize_flags_on_a_hand_worked_chain():
    # conv a (int8, requantizes: 8=102) -> split -> conv b (int8 input: no quantize; 8=2 with ReLU: float act)
    # and conv c (int8, 8=2, no activation) -> concat -> fc d (float input: quantizes). Counted by hand.
    wl = workload_from_ncnn(NCNN_INT8_CHAIN, name="chain")
    assert {i.name: i.layer.quantize_input for i in wl if i.macs} == {"a": True, "b": False, "c": False, "d": True}
    assert {i.name: i.layer.float_activation for i in wl if i.macs} == {"a": False, "b": True, "c": False, "d": False}
