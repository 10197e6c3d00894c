"""``load_workload``: a workload from a zoo name, a YAML file, an ONNX model or a SCALE-Sim CSV."""
from __future__ import annotations

from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.paths import workload_dirs
from accelsim.workload.graph import Workload
from accelsim.workload.scalesim_csv import load_scalesim_csv
from accelsim.workload.yaml_workload import load_yaml_workload
from accelsim.workload.zoo import ZOO

DEFAULT_WORKLOAD = "mobilenet_v1"


def _load_onnx(path: Path, **options) -> Workload:
    from accelsim.workload.onnx_import import load_onnx_workload  # imports onnx only when needed
    return load_onnx_workload(path, **options)


def _load_ncnn(path: Path, **options) -> Workload:
    from accelsim.workload.ncnn_import import load_ncnn_workload
    return load_ncnn_workload(path, **options)


FILE_LOADERS = {".yaml": load_yaml_workload, ".yml": load_yaml_workload, ".csv": load_scalesim_csv,
                ".onnx": _load_onnx, ".param": _load_ncnn}
OPTION_LOADERS = {".onnx": ("unknown_ops", "fuse_activations"),   # file types that take options
                  ".param": ("unknown_ops", "use_hints", "input_shape", "resolution")}


def available_workloads() -> list[str]:
    """Zoo names plus the YAML workloads on the search path."""
    names = set(ZOO)
    for d in workload_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.yaml"))
    return sorted(names)


def load_workload(workload: str | Path | Workload | None = None, **options) -> Workload:
    """A :class:`Workload` from a zoo name (``options`` go to its builder) or a file path.

    ``.onnx`` files take ``unknown_ops="error"|"zero_cost"`` and ``fuse_activations``; ncnn ``.param`` files
    take ``unknown_ops``, ``use_hints``, ``input_shape`` and ``resolution``. A relative ``.param`` path that is not a file is
    also looked up in the workload folders (``ncnn/mobilenet.param`` finds the shipped ncnn benchmark models).
    """
    if isinstance(workload, Workload):
        return workload
    key = str(workload or DEFAULT_WORKLOAD)
    if key in ZOO:
        try:
            return ZOO[key].builder(**options)
        except TypeError as err:
            raise AccelsimError(f"workload {key!r}: bad option: {err}") from None
    path = Path(key)
    loader = FILE_LOADERS.get(path.suffix.lower())
    if loader is None and not path.suffix:
        for d in workload_dirs():
            if (d / f"{key}.yaml").is_file():
                path, loader = d / f"{key}.yaml", load_yaml_workload
                break
    if loader is None:
        if path.suffix:
            raise AccelsimError(f"{path}: unsupported workload file type {path.suffix!r}; "
                                f"allowed: {', '.join(FILE_LOADERS)}")
        raise AccelsimError(f"workload {key!r} not found; known: {', '.join(available_workloads())} "
                            "(or give a .yaml workload, .onnx model or SCALE-Sim topology .csv path)")
    if not path.is_file() and path.suffix.lower() == ".param" and not path.is_absolute():
        path = next((d / path for d in workload_dirs() if (d / path).is_file()), path)
    if not path.is_file():
        raise AccelsimError(f"{path}: file not found")
    allowed = OPTION_LOADERS.get(path.suffix.lower(), ())
    bad = sorted(set(options) - set(allowed))
    if bad:
        raise AccelsimError(f"{path}: bad option(s) {bad}; allowed for this file type: {list(allowed) or 'none'}")
    return loader(path, **options)
