"""What every fitter shares: scikit-learn style, ``fit()`` returns self, results end in ``_``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrition.errors import UserError

if TYPE_CHECKING:
    from attrition.infer.battle import BattleData


class Fitter:
    """Base class of the fitters.

    Hyperparameters are set in ``__init__``; :meth:`fit` returns ``self``; fitted values end in
    an underscore (``coefficients_``, ``ci_``, ``residuals_``). Reading a fitted value before
    :meth:`fit` raises :class:`UserError`.
    """

    method: str = "base"

    def _require_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise UserError(f"{type(self).__name__} is not fitted yet; call fit() first")

    def summary(self) -> dict[str, Any]:
        """Results as a JSON-ready dict (the CLI's ``--json`` output)."""
        raise NotImplementedError


def check_identifiable(data: BattleData, n: int, k: int, what: str) -> None:
    """Refuse a fit of ``k`` free parameters to ``n`` observations when ``n <= k``.

    With no more observations than parameters the fit is exact (zero residuals), so its
    intervals have zero width and its AIC is meaningless; the message names both numbers.
    """
    if n > k:
        return
    a, b = int(data.day.min()), int(data.day.max())
    raise UserError(
        f"{data.name}: days {a}-{b} give {n} observed daily loss(es) for the {k} parameters of "
        f"{what}; a fit needs more observations than parameters (choose a wider --days range)"
    )
