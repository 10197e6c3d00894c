"""Where sweep chunks run: this process, a local process pool, or a Dask cluster.

Every backend maps one picklable function over tasks and yields results as
they complete (in any order), keeping a bounded number of tasks in flight so
a million-point sweep does not queue a million tasks. Closing a backend
releases its workers (and the LocalCluster it started, for Dask).

Local pool workers leave Ctrl-C and SIGTERM to the sweep process (which kills
them and saves what finished, so a signal to the whole process group prints
no traceback per worker), and die with it: the kernel sends them SIGKILL when
their parent dies (Linux ``PR_SET_PDEATHSIG``), and a watchdog thread exits
them within a second of being orphaned elsewhere.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from accelsim.errors import AccelsimError

BACKENDS = ("local", "dask", "serial")
CONNECT_TIMEOUT_S = 10      # how long to wait for a Dask scheduler given by address


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
PR_SET_PDEATHSIG = 1             # linux/prctl.h
ORPHAN_CHECK_S = 1.0


def _die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when the parent dies (Linux), and exit if ever orphaned (any POSIX system)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(ORPHAN_CHECK_S)

    if os.getppid() != parent_pid:      # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=watch, name="accelsim-orphan-watch", daemon=True).start()


def _worker_init(parent_pid: int) -> None:
    """Pool worker setup: ignore Ctrl-C and SIGTERM (the parent handles both), die with the parent."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    _die_with_parent(parent_pid)


def _noop() -> None:
    return None


class SerialBackend:
    """Run tasks one after the other in this process (debugging, tiny sweeps)."""

    name = "serial"
    workers = 1

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def close(self, abort: bool = False) -> None:
        pass


class LocalBackend:
    """A pool of ``workers`` processes (default: all cores)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        # Start the workers with Ctrl-C / SIGTERM blocked, so none runs the parent's handlers before
        # its initializer ignores them; a signal that arrives meanwhile reaches the parent afterwards.
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_worker_init,
                                            initargs=(os.getpid(),))
            self.pool.submit(_noop).result()      # a fork pool starts all its workers on the first task
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[Any]:
        pending = set()
        it = iter(tasks)
        window = 3 * self.workers
        for task in it:
            pending.add(self.pool.submit(fn, task))
            if len(pending) >= window:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(self.pool.submit(fn, nxt))
                try:
                    yield fut.result()
                except BrokenProcessPool as err:
                    raise AccelsimError(f"a worker process died ({err}); the points finished so far are saved, "
                                        "run the sweep again to resume") from None

    def worker_pids(self) -> list[int]:
        return [p.pid for p in (getattr(self.pool, "_processes", None) or {}).values()]

    def close(self, abort: bool = False) -> None:
        """Release the workers: after their current tasks, or at once (``abort``: interrupted, failed)."""
        if abort:
            for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                try:
                    proc.kill()
                except (OSError, ValueError):
                    pass
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A ``dask.distributed`` client: on the scheduler at ``address``, or on a new LocalCluster."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise AccelsimError("backend 'dask': dask.distributed is not installed; "
                                "pip install 'dask[distributed]'") from None
        import logging

        self.cluster = None
        try:
            if address:
                self.client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
            else:
                self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                            processes=True, dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except OSError as err:
            if self.cluster is not None:
                self.cluster.close()
            raise AccelsimError(f"backend 'dask': cannot reach scheduler {address!r}: {err}") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[Any]:
        from dask.distributed import as_completed

        it = iter(tasks)
        window = 3 * self.workers
        first = [self.client.submit(fn, t, pure=False) for _, t in zip(range(window), it)]
        queue = as_completed(first)
        for fut in queue:
            nxt = next(it, None)
            if nxt is not None:
                queue.add(self.client.submit(fn, nxt, pure=False))
            yield fut.result()
            fut.release()

    def close(self, abort: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def check_backend(name: str, scheduler: str | None = None, workers: int | None = None) -> None:
    """Reject bad backend options before any work starts."""
    if name not in BACKENDS:
        raise AccelsimError(f"backend: got {name!r}; allowed: {', '.join(BACKENDS)}")
    if scheduler and name != "dask":
        raise AccelsimError(f"--scheduler {scheduler!r} needs --backend dask")
    if workers is not None and workers < 1:
        raise AccelsimError(f"workers: got {workers}; must be >= 1")


def make_backend(name: str, scheduler: str | None = None, workers: int | None = None):
    """The backend called ``name``: ``local`` (default), ``dask`` or ``serial``."""
    check_backend(name, scheduler, workers)
    if name == "serial":
        return SerialBackend()
    if name == "local":
        return LocalBackend(workers)
    return DaskBackend(scheduler, workers)
