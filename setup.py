"""Build step: copy the top-level data folders into the wheel as ``accelsim/_data/<name>``.

``hw_profiles/`` (profiles, runtimes, core types, calibration, measurement CSVs)
and ``workloads/`` (YAML, ncnn ``.param``, stream specs, ...) stay at the top of
the repository; :func:`accelsim.paths.builtin_dir` finds the copies through
``importlib.resources``. Editable installs skip the copy and read the repository's
folders directly. Everything else is in ``pyproject.toml``.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_FOLDERS = ("hw_profiles", "workloads")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "accelsim" / "_data"
        shutil.rmtree(target, ignore_errors=True)   # no stale files from an earlier build
        for name in DATA_FOLDERS:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, target / name, ignore=SKIP)


setup(cmdclass={"build_py": BuildPyWithData})
