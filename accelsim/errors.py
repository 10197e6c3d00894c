"""User-facing errors.

Every problem caused by the user's input (a file, a field, a flag) is raised as
:class:`AccelsimError` with a one-line message that names where it happened,
the offending value and what is allowed. The command line turns it into a
one-line message and exit code 2; Python callers can catch it (it is also a
``ValueError``).
"""
from __future__ import annotations


class AccelsimError(ValueError):
    """Bad input: the message says file, field, value and what is allowed."""


def field_error(where: str, field: str, value: object, allowed: str) -> AccelsimError:
    """Build the standard message ``where: field: value X: allowed``."""
    shown = repr(value) if not isinstance(value, (list, dict, tuple)) or len(value) <= 8 else \
        f"<{type(value).__name__} of {len(value)} items>"
    return AccelsimError(f"{where}: {field}: got {shown[:40] + '...' if len(shown) > 43 else shown}; {allowed}")


class AccelsimTypeError(AccelsimError, TypeError):
    """An argument of the wrong type (e.g. ``simulate(object())``): both an AccelsimError and a TypeError."""
