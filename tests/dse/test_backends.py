"""Backends: a Dask LocalCluster gives the same results as the local process pool."""
import signal

from accelsim.dse.backends import DaskBackend
from accelsim.dse.runner import run_sweep
from accelsim.dse.spec import SweepSpec

SPEC = SweepSpec(name="d", workloads=["tiny_cnn", "mobilenet_v1"], chunk_size=5,
                 parameters={"units.npu.array.rows": [0, 16, 32], "units.npu.array.cols": [8, 64],
                             "dram.bandwidth_gbps": [8.0, 34.1]})


def _results(outcome):
    return {r["key"]: tuple(v for k, v in r.items() if k != "run_id") for r in outcome.rows}


class _Deadline:
    """Fail (rather than hang) if the block takes longer than ``seconds``."""

    def __init__(self, seconds: int):
        self.seconds = seconds

    def _expired(self, *_):
        raise TimeoutError(f"took more than {self.seconds} s")

    def __enter__(self):
        self.previous = signal.signal(signal.SIGALRM, self._expired)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)


def test_dask_and_local_backends_give_identical_results(tmp_path):
    local = run_sweep(SPEC, tmp_path / "local", backend="local", workers=2)
    with _Deadline(120):
        dask = run_sweep(SPEC, tmp_path / "dask", backend="dask", workers=2)
    assert dask.n_computed == local.n_computed == 24
    assert _results(dask) == _results(local)
    assert {r["status"] for r in dask.rows} == {"ok", "error"}


def test_dask_on_a_given_scheduler_leaves_it_running(tmp_path):
    from dask.distributed import LocalCluster

    with _Deadline(120):
        cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
        try:
            out = run_sweep(SPEC, tmp_path / "remote", backend="dask", scheduler=cluster.scheduler_address)
            assert out.n_computed == 24 and out.n_ok == 16
            assert cluster.status.name == "running"      # the user's cluster is theirs to close
        finally:
            cluster.close()


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, monkeypatch):
    import accelsim
    from accelsim.dse import backends

    monkeypatch.setattr(backends, "CONNECT_TIMEOUT_S", 1)

    with _Deadline(60):
        try:
            run_sweep(SPEC, tmp_path / "x", backend="dask", scheduler="tcp://127.0.0.1:9")
        except accelsim.AccelsimError as err:
            assert "cannot reach scheduler 'tcp://127.0.0.1:9'" in str(err) and "\n" not in str(err)
        else:
            raise AssertionError("no error for an unreachable scheduler")


def test_dask_cluster_is_closed(tmp_path):
    with _Deadline(60):
        backend = DaskBackend(workers=1)
        try:
            assert list(backend.imap_unordered(abs, [-1, -2, 3])) and backend.workers == 1
        finally:
            backend.close()
    assert backend.cluster.status.name == "closed"
    assert backend.client.status == "closed"
