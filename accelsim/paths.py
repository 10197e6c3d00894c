"""Where accelsim finds its data folders (profiles, workloads)."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir(name: str, env_var: str) -> list[Path]:
    """Search path for a data folder: ``$ENV_VAR`` entries first, then the repo's folder."""
    dirs = [Path(p) for p in os.environ.get(env_var, "").split(os.pathsep) if p]
    dirs.append(REPO_ROOT / name)
    return dirs


def profile_dirs() -> list[Path]:
    return data_dir("hw_profiles", "ACCELSIM_PROFILE_PATH")


def workload_dirs() -> list[Path]:
    return data_dir("workloads", "ACCELSIM_WORKLOAD_PATH")
