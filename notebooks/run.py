"""Build each notebook from its jupytext source (``NN_name.py``, percent format) and execute it, outputs included.

    python notebooks/run.py                 # every notebook, full size; writes NN_name.ipynb with outputs
    python notebooks/run.py 05_my_npu_idea  # one notebook
    python notebooks/run.py --small         # the test suite's small design spaces (ACCELSIM_NOTEBOOK_SMALL=1)

The ``.py`` file is the source to edit (it diffs and reviews like code); the ``.ipynb`` is its executed twin,
committed so that plots show wherever notebooks are browsed. Sweep results go to ``notebooks/runs/`` (ignored).
Run after any change that moves numbers (a recalibration, a profile edit).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def sources() -> list[Path]:
    return sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))


def execute(source: Path, small: bool = False, timeout: int = 1200) -> nbformat.NotebookNode:
    """The notebook of ``source``, executed in this folder (cells run as a reader would run them)."""
    nb = jupytext.read(source)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    if small:
        os.environ["ACCELSIM_NOTEBOOK_SMALL"] = "1"
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    return nb


def main(argv: list[str]) -> int:
    small = "--small" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    for source in sources():
        if wanted and source.stem not in wanted:
            continue
        nb = execute(source, small=small)
        out = source.with_suffix(".ipynb")
        nbformat.write(nb, out)
        print(f"wrote {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
