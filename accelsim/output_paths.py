"""Check that a command's output files and folders can be written BEFORE it spends time simulating."""
from __future__ import annotations

import os
from pathlib import Path

from accelsim.errors import AccelsimError


def _writable_dir(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def check_output_file(path: str | Path, flag: str) -> None:
    """``path`` can be created or overwritten: not a folder, and its folder exists and is writable."""
    p = Path(path)
    if p.is_dir():
        raise AccelsimError(f"{flag} {p}: is a folder; give a file path")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise AccelsimError(f"{flag} {p}: folder {parent} does not exist")
    if (p.exists() and not os.access(p, os.W_OK)) or not _writable_dir(parent):
        raise AccelsimError(f"{flag} {p}: not writable")


def check_output_dir(path: str | Path, flag: str) -> None:
    """``path`` is a writable folder, or can be created (its nearest existing ancestor is a writable folder)."""
    p = Path(path)
    if p.exists():
        if not p.is_dir():
            raise AccelsimError(f"{flag} {p}: exists and is not a folder")
        if not _writable_dir(p):
            raise AccelsimError(f"{flag} {p}: folder not writable")
        return
    ancestor = p.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not _writable_dir(ancestor):
        raise AccelsimError(f"{flag} {p}: cannot create the folder ({ancestor} is not a writable folder)")


def check_outputs(files: dict[str, str | None], dirs: dict[str, str | None]) -> None:
    """Every given ``flag -> path`` (None = not asked for) of files and folders."""
    for flag, path in files.items():
        if path:
            check_output_file(path, flag)
    for flag, path in dirs.items():
        if path:
            check_output_dir(path, flag)
