"""What every fitter shares: scikit-learn style, ``fit()`` returns self, results end in ``_``."""

from __future__ import annotations

from typing import Any

from attrition.errors import UserError


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
