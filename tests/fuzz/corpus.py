"""Shared pieces of the fuzz corpus: run the CLI in-process and check the promise of issue 13.

The promise for bad input: exit code 2, exactly ONE line on stderr (``accelsim...: error: ...``), no
traceback, nothing written. ``run_cli`` runs ``accelsim.cli.main`` in this process (fast); the few
subprocess tests are in test_cli_process.py.
"""
from __future__ import annotations

import contextlib
import copy
import io
import math
from pathlib import Path

import yaml

from accelsim.cli import main
from accelsim.errors import AccelsimError

ROOT = Path(__file__).resolve().parents[2]
BASE_PROFILE = yaml.safe_load((ROOT / "hw_profiles" / "generic_npu.yaml").read_text())
TINY = ROOT / "workloads" / "tiny_cnn.yaml"

#: values no numeric field may take
BAD_NUMBERS = [math.inf, -math.inf, math.nan, True, False, 2 ** 63, 10 ** 30, 1e300, 1e-300, -1, "x", [1], {"a": 1}]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``accelsim argv`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(argv: list[str], contains: str | None = None) -> str:
    """The CLI refuses ``argv``: exit 2 and a single short stderr line (no traceback)."""
    code, _, err = run_cli(argv)
    lines = err.strip().splitlines()
    assert code == 2, (argv, code, err[-500:])
    assert len(lines) == 1, (argv, err[-800:])
    assert "Traceback" not in err and "error:" in lines[0], err
    assert len(lines[0]) < 600, lines[0][:200]   # values truncated, never a huge repr
    if contains:
        assert contains in lines[0], lines[0]
    return lines[0]


def assert_accelsim_error(fn, *args, **kwargs) -> str:
    """``fn`` raises a one-line AccelsimError (no other exception)."""
    try:
        fn(*args, **kwargs)
    except AccelsimError as err:
        text = str(err)
        assert "\n" not in text and len(text) < 600, text[:300]
        return text
    raise AssertionError(f"{fn.__name__} accepted {args} {kwargs}")


def profile_with(tmp: Path, name: str, path: list, value) -> Path:
    """generic_npu.yaml with the field at ``path`` (keys / indices) set to ``value``."""
    data = copy.deepcopy(BASE_PROFILE)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    out = tmp / f"{name}.yaml"
    out.write_text(yaml.safe_dump(data))
    return out


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path
