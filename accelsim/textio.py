"""Reading a user's text file with one-line errors that name it."""
from __future__ import annotations

from pathlib import Path

from accelsim.errors import AccelsimError


def read_text(path: Path, expected: str, missing: str = "file not found") -> str:
    """The file's text; a missing file or a binary one is an AccelsimError (``expected`` says what was wanted)."""
    if not path.is_file():
        raise AccelsimError(f"{path}: {missing}")
    try:
        return path.read_text()
    except UnicodeDecodeError:
        raise AccelsimError(f"{path}: not a text file ({expected} expected)") from None
