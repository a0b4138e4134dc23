"""What every fitter shares: scikit-learn style, ``fit()`` returns self, results end in ``_``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.infer.battle import BattleData

#: Columns of :meth:`Fitter.to_frame`, in order.
PARAMETER_COLUMNS: tuple[str, ...] = (
    "parameter",
    "side",
    "estimate",
    "ci_low",
    "ci_high",
    "stderr",
)

#: Columns of :meth:`Fitter.statistics_frame`, in order.
STATISTIC_COLUMNS: tuple[str, ...] = ("statistic", "value")

#: Statistics that count observations: whole numbers in the JSON summary.
COUNT_STATISTICS: frozenset[str] = frozenset({"n_obs", "n_days"})


class Fitter:
    """Base class of the fitters.

    Hyperparameters are set in ``__init__``; :meth:`fit` returns ``self``; fitted values end in
    an underscore (``coefficients_``, ``ci_``, ``residuals_``). Reading a fitted value before
    :meth:`fit` raises :class:`UserError`.
    """

    method: str = "base"

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters and their current values (scikit-learn style), in the
        order of ``__init__``'s signature; a fitter without parameters gives ``{}``."""
        import inspect

        init = type(self).__init__
        if init is object.__init__:
            return {}
        names = [
            p.name
            for p in inspect.signature(init).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        return {n: getattr(self, n) for n in names if hasattr(self, n)}

    def __repr__(self) -> str:
        """``LeastSquaresFitter(law='square', target='daily', ...)``: the class and every
        constructor parameter (scikit-learn style), whether fitted or not."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _require_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise UserError(f"{type(self).__name__} is not fitted yet; call fit() first")

    def summary(self) -> dict[str, Any]:
        """Results as a JSON-ready dict (the CLI's ``--json`` output), formatted from
        :meth:`to_frame` and :meth:`statistics_frame` by :func:`summary_from_frames`."""
        self._require_fitted()
        return summary_from_frames(self.to_frame(), self.statistics_frame(), self._settings())

    def _settings(self) -> dict[str, Any]:
        """The fit's settings that the summary reports between the intervals and the
        statistics (``mode``, ``target``, ``distribution``); none by default."""
        return {}

    def _statistics(self) -> dict[str, float]:
        """Rows of :meth:`statistics_frame`, in the order the summary prints them."""
        return {}

    def statistics_frame(self) -> pd.DataFrame:
        """The fit's goodness-of-fit statistics as a tidy table, one row per statistic.

        Columns (:data:`STATISTIC_COLUMNS`): ``statistic`` and ``value`` (float64). Rows, in
        order, as the fitter gives them: ``ssr`` (scaled sum of squared residuals, least
        squares), ``nll`` (negative log-likelihood, maximum likelihood), ``n_obs`` (observed
        daily losses fitted), ``aic``, ``bic``, ``r2`` and ``n_days`` (days fitted; Engel and
        the ratio regression).
        """
        import pandas as pd

        self._require_fitted()
        rows = [{"statistic": k, "value": float(v)} for k, v in self._statistics().items()]
        df = pd.DataFrame(rows, columns=list(STATISTIC_COLUMNS))
        df["value"] = df["value"].astype("float64")
        return df

    def _parameter_rows(self) -> list[dict[str, Any]]:
        """Rows of :meth:`to_frame`: each side's coefficient with its interval, then the
        exponents ``p``, ``q`` (power law) and the dispersion (negative binomial) when fitted."""
        nan = float("nan")
        ci: dict[str, tuple[float, float]] = getattr(self, "ci_", {})
        rows = [
            {"parameter": "coefficient", "side": side, "estimate": float(value),
             "ci_low": ci[side][0] if side in ci else nan,
             "ci_high": ci[side][1] if side in ci else nan, "stderr": nan}
            for side, value in getattr(self, "coefficients_", {}).items()
        ]  # fmt: skip
        for name, value in getattr(self, "exponents_", {}).items():
            rows.append({"parameter": name, "side": None, "estimate": float(value),
                         "ci_low": nan, "ci_high": nan, "stderr": nan})  # fmt: skip
        dispersion = getattr(self, "dispersion_", None)
        if dispersion is not None:
            rows.append({"parameter": "dispersion", "side": None, "estimate": float(dispersion),
                         "ci_low": nan, "ci_high": nan, "stderr": nan})  # fmt: skip
        return rows

    def to_frame(self) -> pd.DataFrame:
        """The fitted parameters as a tidy table, one row per parameter.

        Columns (:data:`PARAMETER_COLUMNS`): ``parameter`` (``coefficient`` per side; ``p``,
        ``q`` for the power law; ``dispersion`` for the negative binomial; ``log_alpha``,
        ``alpha``, ``beta`` for the ratio regression), ``side`` (the side whose fire the
        coefficient measures, ``None`` for a parameter of the whole law), ``estimate``,
        ``ci_low`` and ``ci_high`` (the fitter's interval, NaN where it gives none) and
        ``stderr`` (NaN where the fitter gives none); the numbers are float64.
        """
        import pandas as pd

        self._require_fitted()
        df = pd.DataFrame(self._parameter_rows(), columns=list(PARAMETER_COLUMNS))
        for col in ("estimate", "ci_low", "ci_high", "stderr"):
            df[col] = df[col].astype("float64")
        df["side"] = df["side"].astype(object)
        return df

    def observations_frame(self) -> pd.DataFrame:
        """Observed and fitted daily losses, one row per (day, side).

        Columns: ``day`` (int64), ``side``, ``observed`` (NaN where unobserved), ``predicted``
        (the fitted law's daily loss) and ``residual`` (``observed - predicted``), floats.
        Available for the fitters that predict daily losses (least squares, maximum likelihood).
        """
        import numpy as np
        import pandas as pd

        self._require_fitted()
        predicted = getattr(self, "predicted_", None)
        if predicted is None:
            raise UserError(
                f"{type(self).__name__} predicts no daily losses; use to_frame() for its parameters"
            )
        data: BattleData = self.data_  # type: ignore[attr-defined]
        n = data.day.size
        observed = np.asarray(data.losses, dtype=float)
        pred = np.asarray(predicted, dtype=float)
        return pd.DataFrame(
            {
                "day": np.repeat(np.asarray(data.day, dtype=np.int64), 2),
                "side": np.tile(np.array(data.sides, dtype=object), n),
                "observed": observed.reshape(-1),
                "predicted": pred.reshape(-1),
                "residual": (observed - pred).reshape(-1),
            }
        )


def summary_from_frames(
    parameters: pd.DataFrame, statistics: pd.DataFrame, settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The nested JSON summary of a fit, formatted from its two frames.

    Args:
        parameters: :meth:`Fitter.to_frame` (one row per parameter).
        statistics: :meth:`Fitter.statistics_frame` (one row per statistic).
        settings: values printed between the intervals and the statistics (``mode``,
            ``target``, ``distribution``).

    Returns ``{"coefficients": {side: estimate}, "ci": {side: [low, high]}`` (sides with an
    interval only), then ``settings``, then each statistic (counts as ``int``), then
    ``"dispersion"`` and ``"exponents": {"p", "q"}`` when the frame has them.
    """
    import math

    out: dict[str, Any] = {"coefficients": {}, "ci": {}}
    extra: dict[str, Any] = {}
    exponents: dict[str, float] = {}
    for row in parameters.to_dict(orient="records"):
        name, side, estimate = str(row["parameter"]), row["side"], float(row["estimate"])
        if name == "coefficient":
            out["coefficients"][side] = estimate
            low, high = float(row["ci_low"]), float(row["ci_high"])
            if not (math.isnan(low) and math.isnan(high)):
                out["ci"][side] = [low, high]
        elif name in ("p", "q"):
            exponents[name] = estimate
        else:
            extra[name] = estimate
    out.update(settings or {})
    out.update(statistics_dict(statistics))
    out.update(extra)
    if exponents:
        out["exponents"] = exponents
    return out


def statistics_dict(statistics: pd.DataFrame) -> dict[str, Any]:
    """:meth:`Fitter.statistics_frame` as ``{statistic: value}`` (counts as ``int``)."""
    return {
        str(name): int(value) if name in COUNT_STATISTICS else float(value)
        for name, value in zip(statistics["statistic"], statistics["value"], strict=True)
    }


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
