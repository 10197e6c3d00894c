"""Reading YAML files with errors that name the file."""
from __future__ import annotations

from pathlib import Path

import yaml

from accelsim.errors import AccelsimError
from accelsim.textio import read_text

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, much faster


def read_yaml(path: Path) -> object:
    """Parse a YAML file; a missing or malformed file is an AccelsimError."""
    text = read_text(path, "YAML")
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise AccelsimError(f"{path}: not valid YAML{at}: {problem}") from None


def read_yaml_mapping(path: Path, what: str) -> dict:
    """A YAML file that must hold a mapping (``what`` names it in the error, e.g. "a profile")."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise AccelsimError(f"{path}: {what} must be a YAML mapping, got {type(data).__name__}")
    return data
