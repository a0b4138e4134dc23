"""Fit an attrition law to a packaged classic dataset: one call, every method.

:func:`fit_dataset` is what ``attrition fit`` runs: it checks the dataset, the method, the law
and the options together (an option the method or the dataset does not use is refused, not
ignored), loads the daily series, selects the days and runs the chosen fitter:

==================  ===============================================  =========================
``method``          fitter                                           datasets
==================  ===============================================  =========================
``engel``           :class:`~attrition.infer.engel.EngelFitter`      iwo-jima (square law)
``ratio-regression``  :class:`~attrition.infer.regression.RatioRegression`  ardennes
``least-squares``   :class:`~attrition.infer.least_squares.LeastSquaresFitter`  both
``mle``             :class:`~attrition.infer.likelihood.MaximumLikelihoodFitter`  both
==================  ===============================================  =========================

>>> fit = fit_dataset("ardennes", method="ratio-regression")  # doctest: +SKIP
>>> fit.to_frame()  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    import pandas as pd

    from attrition.infer.base import Fitter
    from attrition.infer.battle import BattleData

#: The fitting methods, in the order ``attrition fit --help`` lists them.
METHODS: tuple[str, ...] = ("engel", "ratio-regression", "least-squares", "mle")

#: The packaged datasets with a daily two-sided series to fit.
FIT_DATASETS: tuple[str, ...] = ("ardennes", "iwo-jima")

#: Which options apply to which methods; the rest of a method's options are refused, not ignored.
#: Keys are the CLI spellings, which the error messages use.
METHOD_OPTIONS: dict[str, tuple[str, ...]] = {
    "--model": ("engel", "least-squares", "mle"),
    "--mode": ("least-squares", "mle"),
    "--target": ("least-squares",),
    "--dist": ("mle",),
    "--seed": ("least-squares", "mle"),
}

#: The options that only the ardennes dataset takes.
ARDENNES_OPTIONS: tuple[str, ...] = ("--force", "--series", "--weights", "--air-weight")

#: What the ratio regression estimates, reported in place of a law name.
RATIO_REGRESSION_MODEL = "power (beta = p - q)"


@dataclass(frozen=True)
class DatasetFit:
    """One fit of a classic dataset: what was fitted, to which days, and the fitted fitter.

    Attributes:
        dataset: ``ardennes`` or ``iwo-jima``.
        method: one of :data:`METHODS`.
        model: the law fitted (``"power (beta = p - q)"`` for the ratio regression).
        days: first and last day of the data fitted.
        sides: the two side names.
        options: the dataset's loading options (defaults filled in).
        data: the daily series fitted.
        fitter: the fitted estimator (its attributes end in ``_``: ``coefficients_``, ``ci_``).
    """

    dataset: str
    method: str
    model: str
    days: tuple[int, int]
    sides: tuple[str, str]
    options: dict[str, Any]
    data: BattleData = field(repr=False)
    fitter: Fitter

    def summary(self) -> dict[str, Any]:
        """JSON-ready results (the object ``attrition fit --json`` prints): dataset, model,
        method, days, sides, options, then the fitter's own
        :meth:`~attrition.infer.base.Fitter.summary`."""
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "model": self.model,
            "method": self.method,
            "days": list(self.days),
            "sides": list(self.sides),
            "options": self.options,
        }
        out.update(self.fitter.summary())
        return out

    def to_frame(self) -> pd.DataFrame:
        """The fitted parameters, one row each (see :meth:`attrition.infer.base.Fitter.to_frame`),
        with the dataset and method as leading columns."""
        df = self.fitter.to_frame()
        df.insert(0, "method", self.method)
        df.insert(0, "dataset", self.dataset)
        return df

    def statistics_frame(self) -> pd.DataFrame:
        """The fit's goodness-of-fit statistics, one row each (see
        :meth:`attrition.infer.base.Fitter.statistics_frame`), with the dataset and method as
        leading columns."""
        df = self.fitter.statistics_frame()
        df.insert(0, "method", self.method)
        df.insert(0, "dataset", self.dataset)
        return df


def _dataset_options(
    dataset: str,
    force: str | None,
    series: str | None,
    weights: str | None,
    air_weight: float | None,
    correct_typo: bool,
) -> dict[str, Any]:
    """Dataset options, rejecting those that do not apply to the dataset."""
    if dataset == "ardennes":
        if correct_typo:
            raise UserError(
                "--correct-typo applies to iwo-jima only (its day-19 typo), not to ardennes"
            )
        opts: dict[str, Any] = {
            "force": force or "combat",
            "series": series or "original",
            "weights": weights or "bracken",
            "air_weight": air_weight,
        }
        for key, valid in (
            ("force", ("combat", "total")),
            ("series", ("original", "reformatted")),
            ("weights", ("bracken", "manpower")),
        ):
            if opts[key] not in valid:
                raise unknown_name(f"--{key}", opts[key], valid)
        if air_weight is not None and not 0 <= air_weight < float("inf"):
            raise UserError(f"--air-weight {air_weight}: give a number >= 0 (Fricker used 30)")
        return opts
    given = dict(zip(ARDENNES_OPTIONS, (force, series, weights, air_weight), strict=True))
    extra = [k for k, v in given.items() if v is not None]
    if extra:
        raise UserError(f"{', '.join(extra)} apply to ardennes only, not to {dataset}")
    return {"correct_typo": correct_typo}


def _check_method_options(method: str, given: dict[str, object]) -> None:
    """Refuse an option the method does not use, saying where it applies."""
    for option, value in given.items():
        methods = METHOD_OPTIONS[option]
        if value is not None and method not in methods:
            raise UserError(
                f"{option} applies to --method {' or '.join(methods)} only, not to {method}; "
                f"leave {option} out"
            )


def _check_dataset(dataset: str) -> None:
    if dataset in FIT_DATASETS:
        return
    from attrition.data import datasets

    names = [d.name for d in datasets.available()]
    if dataset not in names:
        raise unknown_name("dataset", dataset, names)
    raise UserError(
        f"dataset {dataset!r} has no daily two-sided series to fit; "
        f"valid: {', '.join(FIT_DATASETS)}"
    )


def fit_dataset(
    dataset: str,
    *,
    method: str = "least-squares",
    law: str | None = None,
    days: str | tuple[int, int] | None = None,
    force: str | None = None,
    series: str | None = None,
    weights: str | None = None,
    air_weight: float | None = None,
    mode: str | None = None,
    target: str | None = None,
    dist: str | None = None,
    correct_typo: bool = False,
    seed: int | None = None,
) -> DatasetFit:
    """Fit an attrition law to a packaged classic dataset with one of :data:`METHODS`.

    Args:
        dataset: ``ardennes`` or ``iwo-jima`` (:data:`FIT_DATASETS`).
        method: ``engel`` (iwo-jima, square law), ``ratio-regression`` (ardennes),
            ``least-squares`` or ``mle``.
        law: square (default), linear, logarithmic, mixed or power; not for the ratio
            regression, which estimates the power law's ``beta = p - q``.
        days: the days to fit, ``"A-B"`` or ``(A, B)`` inclusive (default: all).
        force, series, weights, air_weight: ardennes only (combat/total, original/reformatted,
            bracken/manpower, air sorties' weight).
        mode: least-squares and mle: ``auto`` (default), ``conditional`` or ``trajectory``.
        target: least-squares: ``daily`` (default) or ``cumulative``.
        dist: mle: ``poisson`` or ``negbin`` (default).
        correct_typo: iwo-jima: repair the day-19 typo (18,208 -> 17,208).
        seed: least-squares and mle: seed of the starting points (default 0).

    Options left at ``None`` take their defaults. An option given to a method or dataset it does
    not apply to raises :class:`~attrition.errors.UserError` (see :data:`METHOD_OPTIONS`), as do
    a negative seed and a day range with no more observations than the fit has parameters.
    Everything is checked before the fit.
    """
    from attrition.infer import battle as battle_mod
    from attrition.limits import check_seed
    from attrition.models.laws import LAW_NAMES

    _check_dataset(dataset)
    if method not in METHODS:
        raise unknown_name("method", method, METHODS)
    check_seed(seed)
    _check_method_options(
        method, {"--model": law, "--mode": mode, "--target": target, "--dist": dist,
                 "--seed": seed}
    )  # fmt: skip
    name = law or "square"
    if name not in LAW_NAMES:
        raise unknown_name("law", name, LAW_NAMES)
    opts = _dataset_options(dataset, force, series, weights, air_weight, correct_typo)
    if method == "engel" and (name != "square" or dataset != "iwo-jima"):
        raise UserError(
            "the engel method estimates the square law on iwo-jima only; "
            "use --model square with iwo-jima, or another --method"
        )
    if method == "ratio-regression" and dataset != "ardennes":
        raise UserError(
            "ratio-regression needs both sides' daily strengths and losses; use ardennes"
        )
    selected = battle_mod.parse_days(days) if isinstance(days, str) or days is None else days
    data = battle_mod.load_battle(dataset, **opts).select(selected)
    fitter: Fitter
    if method == "engel":
        from attrition.infer.engel import EngelFitter

        fitter = EngelFitter().fit(data)
    elif method == "ratio-regression":
        from attrition.infer.regression import RatioRegression

        fitter = RatioRegression().fit(data)
    elif method == "least-squares":
        from attrition.infer.least_squares import LeastSquaresFitter

        fitter = LeastSquaresFitter(
            name, mode=mode or "auto", target=target or "daily", seed=seed or 0
        ).fit(data)
    else:
        from attrition.infer.likelihood import MaximumLikelihoodFitter

        fitter = MaximumLikelihoodFitter(
            name, dist=dist or "negbin", mode=mode or "auto", seed=seed or 0
        ).fit(data)
    return DatasetFit(
        dataset=dataset,
        method=method,
        model=name if method != "ratio-regression" else RATIO_REGRESSION_MODEL,
        days=(int(data.day.min()), int(data.day.max())),
        sides=data.sides,
        options=opts,
        data=data,
        fitter=fitter,
    )


def load_fit_data(dataset: str, days: str | tuple[int, int] | None = None) -> BattleData:
    """The daily series of a fit dataset (:data:`FIT_DATASETS`) over ``days`` (``"A-B"``)."""
    from attrition.infer import battle as battle_mod

    if dataset not in FIT_DATASETS:
        raise unknown_name("dataset", dataset, FIT_DATASETS)
    selected = battle_mod.parse_days(days) if isinstance(days, str) or days is None else days
    return battle_mod.load_battle(dataset).select(selected)
