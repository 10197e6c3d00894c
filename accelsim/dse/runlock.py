"""Is a sweep run still alive? Each run holds an OS lock on its own file while it runs.

``RunLock(out_dir, run_id)`` creates ``out_dir/.runs/<run_id>.lock`` and holds
an exclusive ``flock`` on it until released. The operating system drops the
lock when the process dies, however it dies (SIGKILL included), so another
sweep on the same folder tells a running run from a dead one by trying the
lock: no pid reuse, no clocks, no heartbeats. Where ``fcntl`` is missing
(Windows), a run counts as alive while a process with its pid exists.
"""
from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:           # pragma: no cover - Windows
    fcntl = None

LOCK_DIR = ".runs"


def lock_path(out_dir: str | Path, run_id: str) -> Path:
    return Path(out_dir) / LOCK_DIR / f"{run_id}.lock"


class RunLock:
    """Hold the lock that says run ``run_id`` is alive; ``release()`` when the run ends."""

    def __init__(self, out_dir: str | Path, run_id: str):
        self.path = lock_path(out_dir, run_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(self.fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink()
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None


def _pid_alive(path: Path) -> bool:
    try:
        pid = int(path.read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def run_alive(out_dir: str | Path, run_id: str) -> bool:
    """Whether run ``run_id`` of the sweep in ``out_dir`` still holds its lock (a dead run's file is removed)."""
    path = lock_path(out_dir, run_id)
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False                        # never locked, or released: the run has ended
    try:
        if fcntl is None:
            return _pid_alive(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True                     # someone holds it: the run is alive
        try:
            path.unlink()
        except OSError:
            pass
        return False
    finally:
        os.close(fd)
