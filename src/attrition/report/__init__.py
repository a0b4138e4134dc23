"""attrition.report: the self-contained HTML reports (a battle's report, the classic one).

The public names are re-exported lazily: importing this package loads no numerical library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attrition.report.build import ReportResult, build_report
    from attrition.report.classic import build_classic_report

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "build_report": "attrition.report.build",
    "ReportResult": "attrition.report.build",
    "build_classic_report": "attrition.report.classic",
}

__all__ = [
    "ReportResult",
    "build_classic_report",
    "build_report",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attr = _WHERE[name].partition(":")
    value = getattr(import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
