"""User-facing errors and warnings.

Every problem a user can fix (a malformed file, an unknown name, an impossible value) raises
:class:`UserError` with a one-line message that names *what* and *where* and says the fix.
The command line prints that line and exits with status 2, without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class UserError(Exception):
    """An error the user can fix; the CLI prints ``str(err)`` and exits with code 2."""

    exit_code = 2


class DataWarning(UserWarning):
    """Junk in a source that was skipped or repaired (e.g. ``[object Object]`` references)."""


def unknown_name(kind: str, name: str, valid: Iterable[str], where: str = "") -> UserError:
    """Build the standard error for an unknown name, listing the valid ones.

    >>> str(unknown_name("law", "cube", ["square", "linear"]))
    "unknown law 'cube'; valid: linear, square"
    """
    prefix = f"{where}: " if where else ""
    choices = ", ".join(sorted(valid))
    return UserError(f"{prefix}unknown {kind} {name!r}; valid: {choices}")
