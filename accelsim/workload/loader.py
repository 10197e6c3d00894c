"""``load_workload``: a workload from a zoo name, a YAML file or a SCALE-Sim CSV."""
from __future__ import annotations

from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.paths import workload_dirs
from accelsim.workload.graph import Workload
from accelsim.workload.scalesim_csv import load_scalesim_csv
from accelsim.workload.yaml_workload import load_yaml_workload
from accelsim.workload.zoo import ZOO

DEFAULT_WORKLOAD = "mobilenet_v1"
FILE_LOADERS = {".yaml": load_yaml_workload, ".yml": load_yaml_workload, ".csv": load_scalesim_csv}


def available_workloads() -> list[str]:
    """Zoo names plus the YAML workloads on the search path."""
    names = set(ZOO)
    for d in workload_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.yaml"))
    return sorted(names)


def load_workload(workload: str | Path | Workload | None = None, **options) -> Workload:
    """A :class:`Workload` from a zoo name (``options`` go to its builder) or a file path."""
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
                            "(or give a .yaml workload or SCALE-Sim topology .csv path)")
    if not path.is_file():
        raise AccelsimError(f"{path}: file not found")
    return loader(path)
