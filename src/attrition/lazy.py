"""Lazy re-exports for the packages' ``__init__`` (PEP 562): a public name is imported from its
module on first use, so importing a package loads no numerical library.

Each package keeps a literal ``__all__``, ``if TYPE_CHECKING:`` imports (for type checkers) and a
map ``_WHERE`` from name to ``"module"`` or ``"module:attribute"``, then writes::

    __getattr__, __dir__ = lazy_exports(globals(), _WHERE)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    namespace: dict[str, Any], where: Mapping[str, str], package: str | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a package whose public names live in other modules.

    ``where`` maps a name to ``"module"`` or ``"module:attribute"``; with ``package``, a module
    without a dot is relative to it (``"engine"`` -> ``"<package>.engine"``). The first access
    imports the module and caches the value in ``namespace``.
    """
    owner = str(namespace.get("__name__", "?"))

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        module, _, attr = where[name].partition(":")
        if package is not None and "." not in module:
            module = f"{package}.{module}"
        value = getattr(import_module(module), attr or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
