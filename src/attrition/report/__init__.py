"""attrition.report: the self-contained HTML reports (a battle's report, the classic one).

The public names are re-exported lazily: importing this package loads no numerical library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
