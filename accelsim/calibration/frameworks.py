"""Which runtime a measurement table's ``framework`` names, and which rows may never be fitted (held back).

Rule (first match, case-insensitive, on the framework text): ``ncnn`` with
``vulkan`` -> ncnn-vulkan; ``ncnn`` with ``2021`` (a build before ncnn's 2022 Arm int8
rewrite) -> ncnn-2021; ``ncnn`` -> ncnn; ``armnn``/``arm nn`` -> armnn (a
TFLite model run by Arm NN's TfLite parser is Arm NN's); ``tflite``/``tensorflow lite``
with ``gpu`` -> tflite-gpu; with ``nnapi`` -> the unit's default runtime
(NNAPI hands the graph to the vendor driver); ``tflite runtime`` (the
Python ``tflite_runtime`` package used with its defaults, as DeepEdgeBench
did) -> tflite-py; with ``ruy`` (built without XNNPACK) -> tflite-ruy;
otherwise tflite (XNNPACK); ``tf-trt`` or ``tensorflow`` (not Lite) -> tensorflow-gpu
(TensorFlow's executor; TF-TRT graphs still run under it, see tensorflow-gpu.yaml); ``snpe`` ->
snpe; ``tensorrt 3`` with ``1 mib workspace`` -> tensorrt3-1mib (a TensorRT 3.0 engine built with
a 1 MiB workspace); ``tensorrt``/``torch2trt``/``trt`` -> tensorrt; ``paddle`` ->
paddle-lite; ``tvm`` -> tvm; ``openvino`` ->
openvino; ``darknet`` -> darknet. Anything else (or a runtime that does not
drive the row's unit kind) falls back to the unit's default runtime
(:data:`accelsim.runtime.run.DEFAULT_RUNTIME`) with a note in the row.
"""
from __future__ import annotations

from accelsim.hardware.schema import Unit
from accelsim.runtime import load_runtime
from accelsim.runtime.run import default_runtime

RULES = (  # (all of these substrings, runtime); None = the unit's default
    (("ncnn", "vulkan"), "ncnn-vulkan"), (("ncnn", "2021"), "ncnn-2021"), (("ncnn",), "ncnn"),
    (("armnn",), "armnn"), (("arm nn",), "armnn"),   # before tflite: "TFLite model via ArmNN TfLite parser"
    (("tflite", "gpu"), "tflite-gpu"), (("tensorflow lite", "gpu"), "tflite-gpu"),
    (("tflite", "nnapi"), None), (("tflite runtime",), "tflite-py"), (("tflite", "ruy"), "tflite-ruy"),
    (("tflite",), "tflite"), (("tensorflow lite",), "tflite"),
    (("tf-trt",), "tensorflow-gpu"), (("tensorflow",), "tensorflow-gpu"),   # before trt: TF-TRT runs under TF
    (("snpe",), "snpe"), (("tensorrt 3", "1 mib workspace"), "tensorrt3-1mib"), (("tensorrt",), "tensorrt"),
    (("torch2trt",), "tensorrt"), (("trt",), "tensorrt"),
    (("paddle",), "paddle-lite"), (("tvm",), "tvm"),
    (("openvino",), "openvino"), (("darknet",), "darknet"),
)

# devices whose latencies must never enter a fit (../shared/reference/ncnn/README.md); Snapdragon 835 only
# beyond the two TFLite rows of the 34-row table
HELD_BACK_SOCS = ("snapdragon888", "snapdragon8gen2", "dimensity9300", "rk3588", "raspberrypi5", "jetson_orin_nano")
SNAPDRAGON835_ALLOWED = ("Q7a", "Q7b")


def is_held_back(soc: str, row_id: str) -> bool:
    return soc in HELD_BACK_SOCS or (soc == "snapdragon835" and row_id not in SNAPDRAGON835_ALLOWED)


def runtime_for(framework: str, unit: Unit) -> tuple[str, str]:
    """(runtime name, note) for a table's ``framework`` on ``unit``; the note says when it fell back."""
    text = (framework or "").lower()
    for needles, name in RULES:
        if all(n in text for n in needles):
            if name is None:
                return default_runtime(unit), f"framework {framework!r}: the unit's default runtime"
            if unit.kind in load_runtime(name).units:
                return name, ""
            return default_runtime(unit), (f"framework {framework!r} -> {name}, which does not drive "
                                           f"{unit.kind} units: the unit's default runtime")
    return default_runtime(unit), f"unknown framework {framework!r}: the unit's default runtime"
