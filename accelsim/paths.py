"""Where accelsim finds its data folders (profiles, workloads).

The built-in ``hw_profiles/`` and ``workloads/`` live at the top of the
repository; a wheel carries copies of them as ``accelsim/_data/<name>`` (written
by ``setup.py``'s build step), found through :mod:`importlib.resources`. User
folders extend the built-ins and come first:

- ``ACCELSIM_PROFILE_PATH`` / ``ACCELSIM_WORKLOAD_PATH``: folders of profile /
  workload YAML files (``os.pathsep``-separated);
- ``ACCELSIM_PATH``: project folders laid out like the repository, each with an
  ``hw_profiles/`` and/or ``workloads/`` subfolder;
- ``accelsim ... --profile-dir DIR`` (CLI): a profile folder, before all others.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_PACKAGE_DIR = "_data"   # accelsim/_data/<name> inside a wheel


def builtin_dir(name: str) -> Path:
    """The built-in data folder ``name`` (``hw_profiles`` or ``workloads``): the wheel's copy, else the repo's."""
    packaged = Path(str(resources.files("accelsim") / DATA_PACKAGE_DIR / name))
    return packaged if packaged.is_dir() else REPO_ROOT / name


def _env_dirs(env_var: str) -> list[Path]:
    return [Path(p) for p in os.environ.get(env_var, "").split(os.pathsep) if p]


def data_dir(name: str, env_var: str) -> list[Path]:
    """Search path for a data folder: ``$ENV_VAR`` entries, ``$ACCELSIM_PATH``/name entries, then the built-in."""
    dirs = _env_dirs(env_var) + [d / name for d in _env_dirs("ACCELSIM_PATH")]
    dirs.append(builtin_dir(name))
    return dirs


def profile_dirs() -> list[Path]:
    return data_dir("hw_profiles", "ACCELSIM_PROFILE_PATH")


def workload_dirs() -> list[Path]:
    return data_dir("workloads", "ACCELSIM_WORKLOAD_PATH")
