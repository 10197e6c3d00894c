"""Outputs are never lost and never land outside their folder: closed stdout, atomic JSON, sanitised names.

The closed-stdout tests run the real command in a subprocess whose stdout pipe is closed at once
(as ``accelsim run ... | true`` does); the others run in-process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fuzz.corpus import ROOT, TINY, assert_one_line_error, profile_with, run_cli, write

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run_closed_stdout(argv: list[str], cwd) -> tuple[int, str]:
    """Exit code and stderr of ``accelsim argv | true``."""
    proc = subprocess.Popen([sys.executable, "-m", "accelsim.cli", *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV, cwd=cwd)
    proc.stdout.close()                     # the reader went away before anything was printed
    err = proc.stderr.read().decode()
    return proc.wait(timeout=300), err


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run-json", "run-report", "run-trace", "stream-json"])
def test_closed_stdout_still_writes_every_file_and_exits_0(tmp_path, command):
    if command == "run-json":
        argv, files = ["run", "--workload", TINY, "--json", tmp_path / "o.json"], ["o.json"]
    elif command == "run-report":
        argv = ["run", "--profile", "generic_npu", "--workload", TINY, "--report", tmp_path / "rep"]
        files = ["rep/index.html", "rep/roofline_npu.png"]
    elif command == "run-trace":
        argv = ["run", "--workload", TINY, "--fidelity", "event", "--trace", tmp_path / "t.json", "--json",
                tmp_path / "o.json"]
        files = ["t.json", "o.json"]
    else:
        argv = ["stream", "--workload", TINY, "--seconds", "0.5", "--json", tmp_path / "s.json", "--trace",
                tmp_path / "t.json"]
        files = ["s.json", "t.json"]
    code, err = run_closed_stdout(argv, tmp_path)
    assert code == 0, err
    assert "Traceback" not in err and err.strip() == "", err
    for name in files:
        assert (tmp_path / name).stat().st_size > 0, name
    for name in files:
        if name.endswith(".json"):
            json.loads((tmp_path / name).read_text())        # complete, valid JSON


@pytest.mark.slow
def test_bad_input_in_a_subprocess_is_one_line_and_exit_2(tmp_path):
    bomb = write(tmp_path, "bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [" + ", ".join([f"*{p}"] * 10) + "]\n" for p, k in zip("abcdefg", "bcdefgh")) +
        "name: w\ndescription: *h\ninput: [3, 8, 8]\nlayers: [{name: c, op: conv, out_channels: 4, kernel: 1}]\n")
    for argv in (["stream", "--fps", "1e9"], ["stream", "--seconds", "1e9"], ["run", "--workload", bomb],
                 ["run", "--threads", "0"], ["run", "--seed", "-1", "--fidelity", "cycle", "--workload", TINY]):
        proc = subprocess.run([sys.executable, "-m", "accelsim.cli", *map(str, argv)], capture_output=True,
                              text=True, env=ENV, timeout=120)
        assert proc.returncode == 2, (argv, proc.stderr[-400:])
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr, proc.stderr[-400:]


def test_unit_names_cannot_escape_the_report_folder(tmp_path):
    prof = profile_with(tmp_path, "esc", ["units", 0, "name"], "x/../../../escaped_unit")
    text = prof.read_text().replace("default_unit: npu", "default_unit: x/../../../escaped_unit")
    prof.write_text(text)
    out = tmp_path / "a" / "b" / "rep"
    code, _, err = run_cli(["run", "--profile", prof, "--workload", TINY, "--report", out])
    assert code == 0, err
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*.png")}
    assert written and all(str(p).startswith("a/b/rep/") for p in written), written
    assert all("a/b/rep/" in str(p) for p in tmp_path.rglob("*escaped*"))


def test_report_file_names_are_sanitised():
    from accelsim.report.write import inside, safe_file_stem
    assert safe_file_stem("x/../../../escaped_unit") == "x_.._.._.._escaped_unit"
    assert "/" not in safe_file_stem("../../a") and not safe_file_stem("..").startswith(".")
    from pathlib import Path
    with pytest.raises(Exception, match="outside"):
        inside(Path("/tmp/r"), "../x.png")


def test_json_is_written_atomically_and_never_holds_infinity(tmp_path):
    from accelsim.errors import AccelsimError
    from accelsim.outputs import write_json_file
    path = tmp_path / "r.json"
    write_json_file(path, {"a": 1})
    with pytest.raises(AccelsimError, match="non-finite"):
        write_json_file(path, {"a": float("inf")})
    assert json.loads(path.read_text()) == {"a": 1}            # the old file is intact, no half write
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask     # as open() creates files, not mkstemp's 0600


def test_unwritable_json_path_is_one_line(tmp_path):
    assert_one_line_error(["run", "--workload", TINY, "--json", tmp_path / "missing" / "o.json"],
                          contains="does not exist")   # output paths are checked before simulating
