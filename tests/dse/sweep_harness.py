"""Run ``accelsim sweep`` with readiness signals for the fault tests (tests/dse/test_faults.py, test_interrupt.py).

``python sweep_harness.py SPEC --out DIR ...`` is the sweep command, plus:

- after each stored chunk the sweep process prints ``stored N`` (points stored so far) on stdout;
- each worker prints ``worker PID`` on stdout before its first chunk;
- with ``HOLD_FILE`` set in the environment, a chunk holding a point whose index is >= ``HOLD_FROM``
  waits until that file exists, so a test can stop or kill a sweep that cannot finish first.

Tests wait for these lines instead of sleeping, so they hold under any load.
"""
import os
import sys
import time

from accelsim.cli import main
from accelsim.dse import evaluate, runner, store

_announced = False


def held_task(task):
    global _announced
    if not _announced:
        os.write(1, f"worker {os.getpid()}\n".encode())   # one write: two workers' lines never interleave
        _announced = True
    hold = os.environ.get("HOLD_FILE")
    if hold and max(p.index for p in task.points) >= int(os.environ.get("HOLD_FROM", "0")):
        while not os.path.exists(hold):
            time.sleep(0.02)
    return evaluate.evaluate_task(task)


_write = store.SweepStore.write


def write_and_tell(self, points, results, run_id):
    _write(self, points, results, run_id)
    n = self.db.execute("SELECT count(*) FROM points").fetchone()[0]
    print(f"stored {n}", flush=True)


if __name__ == "__main__":
    runner.evaluate_task = held_task
    store.SweepStore.write = write_and_tell
    sys.exit(main(["sweep", *sys.argv[1:]]))
