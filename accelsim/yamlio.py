"""Reading YAML files with errors that name the file."""
from __future__ import annotations

from pathlib import Path

import yaml

from accelsim.errors import AccelsimError
from accelsim.limits import check_work
from accelsim.textio import read_text

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, much faster


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, refusing a key given twice in one mapping (YAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base constructor says so
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"key {str(key)[:40]!r} given twice",
                                                        key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_LOADER = _Loader


def read_yaml(path: Path) -> object:
    """Parse a YAML file; a missing or malformed file is an AccelsimError."""
    text = read_text(path, "YAML")
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise AccelsimError(f"{path}: not valid YAML{at}: {problem}") from None
    except (ValueError, RecursionError) as err:  # e.g. an integer literal of thousands of digits
        raise AccelsimError(f"{path}: not valid YAML: {str(err).splitlines()[0][:80]}") from None
    check_expansion(path, data)
    return data


def expanded_size(data: object) -> int:
    """Nodes of ``data`` once every alias is expanded (a shared list counts once per use), without expanding.

    Raises ValueError for a self-referencing (recursive-alias) document.
    """
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(obj: object) -> int:
        if not isinstance(obj, (list, dict)):
            return 1
        key = id(obj)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise ValueError("recursive alias")
        busy.add(key)
        children = obj.values() if isinstance(obj, dict) else obj
        total = 1 + len(obj) if isinstance(obj, dict) else 1
        for child in children:
            total += size(child)
        busy.discard(key)
        sizes[key] = total
        return total

    return size(data)


def check_expansion(path: Path, data: object) -> None:
    """Refuse YAML alias bombs and recursive aliases before anything walks the document."""
    try:
        nodes = expanded_size(data)
    except (ValueError, RecursionError):
        raise AccelsimError(f"{path}: a YAML alias refers to itself (recursive structure); not allowed") from None
    check_work("yaml_nodes", nodes, f"{path}: with its anchors and aliases expanded", "YAML nodes")


def read_yaml_mapping(path: Path, what: str) -> dict:
    """A YAML file that must hold a mapping (``what`` names it in the error, e.g. "a profile")."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise AccelsimError(f"{path}: {what} must be a YAML mapping, got {type(data).__name__}")
    return data
