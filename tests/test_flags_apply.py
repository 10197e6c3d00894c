"""Flags that do not apply are one-line errors; no command rewrites a tracked file unless asked."""
import pytest

import accelsim
from accelsim.calibration.calibrate import DEFAULT_OUT
from accelsim.cli import main


def _one_line_error(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exc:
        code = main(argv)
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("accelsim: error: ") and "\n" not in err, err
    return err


@pytest.mark.parametrize("argv,needle", [
    (["run", "--profile", "snapdragon855", "--unit", "dsp", "--dataflow", "ws"],
     "unit 'dsp' of 'snapdragon855' is a dsp (simd) unit"),
    (["run", "--profile", "snapdragon855", "--unit", "cpu", "--dataflow", "os"], "a dataflow applies to systolic"),
    (["run", "--profile", "jetson_nano", "--unit", "gpu", "--dataflow", "is"], "a dataflow applies to systolic"),
    (["run", "--objective", "energy"], "--objective energy: applies when the layers are partitioned"),
    (["run", "--latency-bound-ms", "4"], "--latency-bound-ms 4: applies when"),
    (["stream", "--objective", "energy", "--seconds", "1"], "add --unit auto"),
    (["run", "--threads", "0"], "run: argument --threads: got 0; must be a positive integer"),
    (["run", "--threads", "two"], "got 'two'; must be a positive integer"),
    (["run", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    (["calibrate", "--write", "--out", "x.yaml"], "not both"),
    (["run", "--host-link", "usb2"], "profile 'snapdragon855' has no host links"),
    (["run", "--profile", "myriad2", "--host-link", "usb4"], "host_link: got 'usb4'; allowed: usb2, usb3"),
])
def test_flags_that_do_not_apply_are_one_line_errors(capsys, argv, needle):
    assert needle in _one_line_error(capsys, argv)


def test_dataflow_still_applies_where_there_is_an_array():
    ws = accelsim.simulate("generic_npu", "tiny_cnn", dataflow="ws")
    os_ = accelsim.simulate("generic_npu", "tiny_cnn", dataflow="os")
    assert ws.dataflow == "ws" and os_.dataflow == "os" and ws.total_cycles != os_.total_cycles
    with pytest.raises(accelsim.AccelsimError, match="a dataflow applies to systolic"):
        accelsim.simulate("snapdragon855", "tiny_cnn", unit="gpu", dataflow="ws")


def test_objective_with_unit_auto_is_accepted(capsys):
    assert main(["run", "--profile", "snapdragon855", "--workload", "tiny_cnn", "--unit", "auto",
                 "--objective", "energy"]) == 0


def test_calibrate_writes_only_when_asked(tmp_path, capsys):
    before = DEFAULT_OUT.read_bytes() if DEFAULT_OUT.is_file() else None
    mtime = DEFAULT_OUT.stat().st_mtime_ns if before is not None else None
    assert main(["calibrate"]) == 0
    out = capsys.readouterr().out
    assert "not written" in out and "wrote" not in out
    if before is not None:
        assert DEFAULT_OUT.read_bytes() == before and DEFAULT_OUT.stat().st_mtime_ns == mtime
    target = tmp_path / "cal.yaml"
    assert main(["calibrate", "--out", str(target)]) == 0
    assert f"wrote {target}" in capsys.readouterr().out and target.stat().st_size > 0


def test_runtime_with_unit_auto_is_one_line(capsys):
    from accelsim.cli import main
    assert main(["run", "--unit", "auto", "--runtime", "ncnn"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unit 'auto'" in err[0]
