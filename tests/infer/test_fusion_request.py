"""The estimate request as a library (attrition.infer.fusion.request): checks before the fit."""

from __future__ import annotations

import pytest

from attrition.errors import UserError
from attrition.infer.fusion import request as req


@pytest.fixture
def no_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to fit fails the test: the checks must come first."""

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the fit ran before the request was checked")

    monkeypatch.setattr("attrition.infer.fusion.run.fuse_claims", boom)


@pytest.mark.parametrize(
    ("request_kw", "field"),
    [
        ({"cutoff": "1990-01-01"}, "--cutoff"),
        ({"window": ("2023-02-01", "2023-01-01")}, "--window"),
        ({"window": ("1990-01-01", "1990-02-01")}, "--window"),
        ({"period": ("1990-01-01", "1990-02-01")}, "--period"),
        ({"draws": 0}, "--draws"),
        ({"chains": -1}, "--chains"),
    ],
)
def test_estimate_refuses_bad_options_before_the_fit(
    no_fit: None, request_kw: dict[str, object], field: str
) -> None:
    with pytest.raises(UserError) as err:
        req.estimate("avdiivka", req.EstimateRequest(**request_kw))  # type: ignore[arg-type]
    msg = str(err.value)
    assert field in msg
    assert "\n" not in msg


def test_the_cli_and_the_library_share_one_check() -> None:
    from attrition.cli import estimate as cli

    assert cli.EstimateOptions is req.EstimateRequest
    claims, phases, spec = req.load_estimate_inputs("avdiivka")
    bad = req.EstimateRequest(cutoff="1990-01-01")
    with pytest.raises(UserError) as a:
        cli.check_estimate(claims, phases, bad, spec)
    with pytest.raises(UserError) as b:
        req.check_request(claims, phases, bad, spec)
    assert str(a.value) == str(b.value)
