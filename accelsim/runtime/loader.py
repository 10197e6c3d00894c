"""Find and load runtimes (``hw_profiles/runtimes/<name>.yaml``) and their fitted factors."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from accelsim.errors import AccelsimError
from accelsim.paths import profile_dirs
from accelsim.runtime.schema import Runtime
from accelsim.validation import validate
from accelsim.yamlio import read_yaml, read_yaml_mapping

RUNTIME_DIR = "runtimes"


def runtime_dirs() -> list[Path]:
    return [d / RUNTIME_DIR for d in profile_dirs()]


def available_runtimes() -> list[str]:
    names = set()
    for d in runtime_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.yaml"))
    return sorted(names)


@lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int) -> Runtime:
    data = read_yaml_mapping(Path(path), "a runtime")
    data.setdefault("name", Path(path).stem)
    rt = validate(Runtime, data, path)
    ids = {s.id for s in rt.sources}
    for i, rule in enumerate(rt.conv_rules):
        if rule.source is not None and rule.source not in ids:
            raise AccelsimError(f"{path}: conv_rules[{i}].source: got {rule.source!r}; known: {sorted(ids)}")
    if rt.factors_from is not None and rt.factors_from not in available_runtimes():
        raise AccelsimError(f"{path}: factors_from: got {rt.factors_from!r}; allowed: a runtime on the search path "
                            f"({', '.join(available_runtimes())})")
    rel = rt.relative_to
    if rel is not None:
        if rel.source not in ids:
            raise AccelsimError(f"{path}: relative_to.source: got {rel.source!r}; known: {sorted(ids)}")
        if rel.runtime == rt.name:
            raise AccelsimError(f"{path}: relative_to.runtime: got {rel.runtime!r}; a runtime cannot scale itself")
        if not (Path(path).parent / rel.data).is_file():
            raise AccelsimError(f"{path}: relative_to.data: got {rel.data!r}; no such file beside the runtime")
    return rt


def runtime_file(name: str) -> Path:
    """The YAML of runtime ``name``: the first on the search path (``--profile-dir`` folders, then the built-ins)."""
    path = next((d / f"{name}.yaml" for d in runtime_dirs() if (d / f"{name}.yaml").is_file()), None)
    if path is None:
        raise AccelsimError(f"runtime {name!r} not found; known runtimes: "
                            f"{', '.join(available_runtimes()) or 'none'} (or give a runtime .yaml path)")
    return path


def load_runtime(runtime: str | Path | Runtime) -> Runtime:
    """A validated :class:`Runtime` from a name on the search path or a YAML path."""
    if isinstance(runtime, Runtime):
        return runtime
    path = Path(str(runtime))
    if path.suffix not in (".yaml", ".yml"):
        path = runtime_file(str(runtime))
    if not path.is_file():
        raise AccelsimError(f"{path}: runtime file not found")
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _factors(path: str, mtime_ns: int) -> dict:
    data = read_yaml(Path(path))
    rf = data.get("runtime_factors") if isinstance(data, dict) else None
    if rf is None:
        return {}
    def positive(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool) and 0 < x < float("inf")

    ok = isinstance(rf, dict) and set(rf) <= {"shared", "runtimes", "keys", "cores"}
    ok = ok and all(positive(v) for v in (rf.get("runtimes") or {}).values())
    for section in ("shared", "keys", "cores"):
        ok = ok and all(isinstance(v, dict) and all(positive(x) for x in v.values())
                        for v in (rf.get(section) or {}).values())
    if not ok:
        raise AccelsimError(f"{path}: runtime_factors: expected shared/keys/cores (name -> op class -> positive factor) "
                            f"and runtimes (name -> positive factor)")
    return rf


def runtime_factors(path: str | Path | None) -> dict:
    """``runtime_factors`` of a calibration file (empty when absent or ``path`` is None)."""
    if path is None:
        return {}
    p = Path(path)
    if not p.is_file():
        return {}
    return _factors(str(p.resolve()), p.stat().st_mtime_ns)
