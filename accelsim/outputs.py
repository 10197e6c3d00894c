"""Writing requested output files safely: atomically, finite JSON only, and a closed stdout that loses nothing."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from accelsim.errors import AccelsimError


def write_text_atomic(path: str | Path, text: str, what: str = "file") -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename: never half a file."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.",
                                   suffix=".tmp")
    except OSError as err:
        raise AccelsimError(f"{path}: cannot write {what}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary open() would create it
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise AccelsimError(f"{path}: cannot write {what}: {err.strerror}") from None
    return path


def write_json_file(path: str | Path, data: object) -> Path:
    """``data`` as indented JSON; a non-finite number (never valid JSON) is an error, not an ``Infinity`` token."""
    try:
        text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    except ValueError as err:
        raise AccelsimError(f"{path}: the result holds a non-finite number ({err}); not written") from None
    return write_text_atomic(path, text, "JSON")


def silence_stdout() -> None:
    """After a BrokenPipeError: point stdout at /dev/null so the flush at exit does not fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass
